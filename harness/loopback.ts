/**
 * The harness sends load only to loopback (127.0.0.0/8, ::1). Every load target passes through
 * {@link assertLoopback} first.
 *
 * @module
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { BenchError } from './errors.ts';

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (`::ffff:127.x.y.z`). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  if (net.isIPv4(a)) return a.startsWith('127.');
  if (net.isIPv6(a)) return a === '::1' || /^::ffff:127\./i.test(a);
  return false;
}

/** Whether every address the URL's host resolves to is loopback (false when it resolves to none). */
export async function isLoopbackUrl(url: string): Promise<boolean> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((r) => r.address);
  return addresses.length > 0 && addresses.every(isLoopbackAddress);
}

/**
 * Resolves the URL's host and checks every address is loopback.
 * @throws {BenchError} `NOT_LOOPBACK` naming the host and the fix.
 */
export async function assertLoopback(url: string, what: string): Promise<void> {
  if (!(await isLoopbackUrl(url))) {
    throw new BenchError(
      'NOT_LOOPBACK',
      `${what} ${url} is not a loopback address; consul-kv-bench only sends load to 127.0.0.0/8 or ::1: run it beside a Consul agent (e.g. a local client agent of your cluster) and set CONSUL_HTTP_ADDR=http://127.0.0.1:8500`,
    );
  }
}
