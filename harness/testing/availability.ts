/**
 * Whether `consul-kv-bench/testing` can run its check on this machine, asked before a test so the test can skip with
 * the reason (vitest's `it.skipIf`, node:test's `skip`) instead of failing, or of building Consul from source
 * inside a test timeout.
 *
 * @module
 */
import { resolveConsulBinary } from '../provision/consul-binary.ts';
import { resolveToxiproxyBinary } from '../provision/toxiproxy-binary.ts';

/**
 * Why the leak check cannot start its Consul and Toxiproxy here, as one line, or `undefined` when it can. Finds
 * their binaries as the harness does (the `CONSUL_BIN`/`TOXIPROXY_BIN` variables, `PATH`, the cache, the official
 * release download with its SHA-256 check) but never starts a build from source (minutes): the reason then says to
 * run `npx consul-kv-bench provision` once. With `consulUrl` only Toxiproxy is needed.
 * @param options.consulUrl a Consul the check would use instead of its own.
 * @returns the reason, e.g. `no consul 1.22.7 binary here …: run \`npx consul-kv-bench provision\` once …`.
 */
export async function consulUnavailableReason(
  options: { readonly consulUrl?: string } = {},
): Promise<string | undefined> {
  try {
    if (!options.consulUrl) await resolveConsulBinary({ noBuild: true });
    await resolveToxiproxyBinary({ noBuild: true });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
