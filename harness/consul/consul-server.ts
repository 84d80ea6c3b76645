/**
 * One interface, three backends for the Consul the benchmark runs against, chosen from one table
 * ({@link CONSUL_BACKEND_STARTERS}):
 * - `local`: the harness runs `consul agent -dev` from a provisioned binary (see `local-consul.ts`);
 * - `container`: Testcontainers runs the official `hashicorp/consul` image (see `container-consul.ts`);
 * - `external`: `CONSUL_HTTP_ADDR` (+ `CONSUL_HTTP_TOKEN`), never started or stopped by us;
 * - `auto` (default): `container` when a container runtime answers (probed once), else `local`.
 *
 * @module
 */
import { usageError } from '../errors.ts';
import type { ConsulBackend, StartConsulOptions, StartedConsul } from './consul-types.ts';
import { containerRuntimeAvailable, startContainerConsul } from './container-consul.ts';
import { connectExternalConsul } from './external-consul.ts';
import { startLocalConsul } from './local-consul.ts';

/** How each concrete backend starts (or connects to) its Consul. */
export const CONSUL_BACKEND_STARTERS: Readonly<
  Record<ConsulBackend, (options: StartConsulOptions) => Promise<StartedConsul>>
> = {
  local: startLocalConsul,
  container: (options) => startContainerConsul(options),
  external: (options) =>
    connectExternalConsul(options.env ?? process.env, { allowRemote: options.allowRemote, tls: options.tls }),
};

/**
 * Starts (or, for `external`, connects to) Consul and waits for a known leader. `auto` probes for a container
 * runtime once and picks `container` or `local` (always `local` with `tls`).
 * @throws {BenchError} `CONSUL_NOT_READY`, `CONSUL_EXITED`, `CONSUL_BINARY_UNAVAILABLE`, `CONSUL_BUILD_FAILED`,
 *   `CONSUL_UNREACHABLE`, `NOT_LOOPBACK`, `CONTAINER_RUNTIME_UNAVAILABLE`.
 */
export async function startConsul(options: StartConsulOptions): Promise<StartedConsul> {
  if (options.acl) {
    if (options.backend === 'container' || options.backend === 'external')
      throw usageError(
        `--acl starts a Consul of the harness's own with ACLs enforced: use --consul local (for your own Consul with ACLs, set CONSUL_HTTP_TOKEN with --consul external)`,
      );
    return startLocalConsul(options);
  }
  if (options.tls && options.backend === 'container')
    throw usageError(
      `--tls makes a CA and certificate with the consul binary and runs Consul with an HTTPS-only API: use --consul local, or --consul external with an https:// CONSUL_HTTP_ADDR and CONSUL_CACERT`,
    );
  if (options.tls && options.backend === 'auto') return startLocalConsul(options);
  if (options.backend !== 'auto') return CONSUL_BACKEND_STARTERS[options.backend](options);
  if (await containerRuntimeAvailable()) {
    options.onProgress?.('a container runtime answered: starting Consul with Testcontainers');
    return startContainerConsul(options, { runtimeProbed: true });
  }
  return startLocalConsul(options);
}
