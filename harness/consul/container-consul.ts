/**
 * The `container` backend: the official `hashicorp/consul` image at the pinned version, run by Testcontainers,
 * with the same `agent -dev` flags, telemetry, connection limit and readiness check as the `local` backend.
 * Needs a container runtime (Docker or compatible); Testcontainers' Ryuk reaper removes the container if the
 * harness dies, and `stop()` removes it otherwise.
 *
 * @module
 */
import { BenchError } from '../errors.ts';
import { assertLoopback } from '../loopback.ts';
import { CONSUL_VERSION } from '../provision/consul-binary.ts';
import { consulHcl } from './agent-config.ts';
import { consulVersion, waitForLeader } from './consul-admin.ts';
import type { StartConsulOptions, StartedConsul } from './consul-types.ts';

/** Image the container backend runs. */
export const CONSUL_IMAGE = `hashicorp/consul:${CONSUL_VERSION}`;

/**
 * Testcontainers, an optional peer dependency of the package (its dependency tree is large and only this backend
 * uses it), or null when it is not installed.
 */
async function loadTestcontainers(): Promise<typeof import('testcontainers') | null> {
  try {
    return await import('testcontainers');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

/** The one line for a container backend without Testcontainers installed. */
const NOT_INSTALLED =
  '--consul container needs the testcontainers package, an optional peer of consul-kv-bench: npm install -D testcontainers (or use --consul local)';

/**
 * True when Testcontainers is installed and finds a working container runtime within `timeoutMs` (default 5000).
 * Without one, `getContainerRuntimeClient()` throws "Could not find a working container runtime strategy".
 */
export async function containerRuntimeAvailable(timeoutMs = 5000): Promise<boolean> {
  try {
    const tc = await loadTestcontainers();
    if (!tc) return false;
    const { getContainerRuntimeClient } = tc;
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    const timer = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    return await Promise.race([probe, timer]);
  } catch {
    return false;
  }
}

/**
 * Starts Consul in a container. `runtimeProbed`: the caller (`auto`) already found a runtime; do not probe again.
 * @throws {BenchError} `CONTAINER_RUNTIME_UNAVAILABLE`, `CONSUL_NOT_READY`.
 */
export async function startContainerConsul(
  options: StartConsulOptions,
  probe: { readonly runtimeProbed?: boolean } = {},
): Promise<StartedConsul> {
  const tc = await loadTestcontainers();
  if (!tc) throw new BenchError('USAGE', NOT_INSTALLED);
  if (!probe.runtimeProbed && !(await containerRuntimeAvailable())) {
    throw new BenchError(
      'CONTAINER_RUNTIME_UNAVAILABLE',
      '--consul container needs a container runtime (Docker or compatible) and none answered: start one, or use --consul local',
    );
  }
  const { GenericContainer, Wait } = tc;
  options.onProgress?.(`starting ${CONSUL_IMAGE} with Testcontainers`);
  const container = await new GenericContainer(CONSUL_IMAGE)
    .withCommand([
      'agent',
      '-dev',
      '-client',
      '0.0.0.0',
      '-log-level',
      'info',
      '-hcl',
      consulHcl(options.httpMaxConnsPerClient),
    ])
    .withExposedPorts(8500)
    .withWaitStrategy(
      Wait.forHttp('/v1/status/leader', 8500).forResponsePredicate((body) => body.replaceAll('"', '').trim() !== ''),
    )
    .withStartupTimeout(options.readyTimeoutMs ?? 60_000)
    .start();
  const host = container.getHost() === 'localhost' ? '127.0.0.1' : container.getHost();
  const httpUrl = `http://${host}:${container.getMappedPort(8500)}`;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= container.stop().then(() => undefined));
  try {
    await assertLoopback(httpUrl, 'the Consul container');
    await waitForLeader({ httpUrl }, { timeoutMs: options.readyTimeoutMs ?? 30_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    httpUrl,
    backend: 'container',
    version: await consulVersion({ httpUrl }),
    httpMaxConnsPerClient: options.httpMaxConnsPerClient,
    provenance: CONSUL_IMAGE,
    logTail: () => '',
    stop,
  };
}
