/**
 * The `external` backend: a Consul the user runs, reached through `CONSUL_HTTP_ADDR` (and `CONSUL_HTTP_TOKEN`
 * when set), never started or stopped by the harness. It must be on loopback unless the user names a remote one
 * explicitly (`--allow-remote-consul`): the load generator still sends load only to the local service (loopback),
 * and the service's client reads that Consul, as it would in production. Rows that would aim load at Consul
 * itself (`consul-direct`) are refused for a remote Consul.
 *
 * @module
 */
import { BenchError } from '../errors.ts';
import { isLoopbackUrl } from '../loopback.ts';
import { consulVersion, hasKnownLeader } from './consul-admin.ts';
import { readConsulCaCert } from './consul-tls.ts';
import type { StartedConsul } from './consul-types.ts';

/** Turns `127.0.0.1:8500`, `http://…` or `https://…` into a base URL without a trailing slash. */
export function normaliseConsulAddr(addr: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(addr) ? addr : `http://${addr}`;
  return withScheme.replace(/\/+$/, '');
}

/**
 * Checks the external Consul answers with a known leader.
 * @throws {BenchError} `CONSUL_UNREACHABLE` (unset or not answering), `NOT_LOOPBACK`.
 */
export async function connectExternalConsul(
  env: NodeJS.ProcessEnv,
  options: { allowRemote?: boolean | undefined; tls?: boolean | undefined } = {},
): Promise<StartedConsul> {
  const addr = env.CONSUL_HTTP_ADDR;
  if (!addr) {
    throw new BenchError(
      'CONSUL_UNREACHABLE',
      '--consul external needs CONSUL_HTTP_ADDR (e.g. CONSUL_HTTP_ADDR=http://127.0.0.1:8500), or use --consul local',
    );
  }
  let httpUrl: string;
  try {
    httpUrl = normaliseConsulAddr(addr);
    new URL(httpUrl);
  } catch {
    throw new BenchError(
      'CONSUL_UNREACHABLE',
      `CONSUL_HTTP_ADDR=${addr} is not an address: use the form http://127.0.0.1:8500`,
    );
  }
  const remote = !(await isLoopbackUrl(httpUrl));
  if (remote && !options.allowRemote) {
    throw new BenchError(
      'NOT_LOOPBACK',
      `CONSUL_HTTP_ADDR=${httpUrl} is not a loopback address: add --allow-remote-consul to read a remote Consul (load still goes only to the local service), or run beside a local agent (CONSUL_HTTP_ADDR=http://127.0.0.1:8500)`,
    );
  }
  const tls = httpUrl.startsWith('https:');
  if (options.tls && !tls) {
    throw new BenchError(
      'USAGE',
      `--tls with --consul external needs an https:// CONSUL_HTTP_ADDR (it is ${httpUrl}), with CONSUL_CACERT naming its CA`,
    );
  }
  const token = env.CONSUL_HTTP_TOKEN || undefined;
  const caPem = tls ? await readConsulCaCert(env) : undefined;
  const ep = { httpUrl, token, ...(caPem ? { caPem } : {}) };
  if (!(await hasKnownLeader(ep, 3000))) {
    throw new BenchError(
      'CONSUL_UNREACHABLE',
      `Consul at ${httpUrl} (CONSUL_HTTP_ADDR) did not answer with a known leader: start it, fix CONSUL_HTTP_ADDR${tls ? ', set CONSUL_CACERT to its CA (PEM)' : ''}, or use --consul local`,
    );
  }
  return {
    ...ep,
    backend: 'external',
    ...(tls ? { tls: true } : {}),
    version: await consulVersion(ep),
    httpMaxConnsPerClient: undefined,
    provenance: `CONSUL_HTTP_ADDR=${httpUrl}${remote ? ' (remote, --allow-remote-consul)' : ''}`,
    ...(remote ? { remote: true } : {}),
    logTail: () => '',
    stop: () => Promise.resolve(),
  };
}
