/**
 * Parent-side handle of the config service (`config-service.ts`): start it in its own Node process, ask it
 * for a {@link ServiceStats} window, stop it. Lifecycle: `startConfigService()` → {@link StartedService} →
 * `stop()` (idempotent; SIGTERM, SIGKILL after 5 s). execa's `cleanup` kills it if the harness exits first.
 *
 * @module
 */
import path from 'node:path';
import { execaNode } from 'execa';
import type { KvClientOptions } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { LogTail } from '../lifecycle.ts';
import type { ServiceConfig, ServiceStats } from './service-protocol.ts';

const SERVICE_FILE = path.join(import.meta.dirname, 'config-service.ts');

/** A running config service. */
export interface StartedService {
  /** e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  readonly pid: number | undefined;
  /** Returns the figures since the previous call (or since start) and starts a new window. */
  stats(): Promise<ServiceStats>;
  stop(): Promise<void>;
}

/** Options of {@link startConfigService}. */
export interface StartServiceOptions {
  /** Registered client name, or the label of a user's module. */
  readonly client: string;
  /** Absolute path of a user's client module; overrides `client`. */
  readonly clientModule?: string | undefined;
  readonly clientOptions: KvClientOptions;
  /** How long to wait for the service (and its client's `start()`, e.g. a watch's first snapshot), ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
  /** Extra `node` flags for the service process (e.g. profiling). Default none. */
  readonly nodeOptions?: readonly string[];
}

/**
 * Starts the service and waits for its `ready` message.
 * @throws {BenchError} `SERVICE_FAILED` when it exits or does not become ready in time (with its stderr tail).
 */
export async function startConfigService(options: StartServiceOptions): Promise<StartedService> {
  const config: ServiceConfig = { client: options.client, clientModule: options.clientModule, clientOptions: options.clientOptions };
  const tail = new LogTail(30);
  const child = execaNode(SERVICE_FILE, [JSON.stringify(config)], {
    ipc: true,
    serialization: 'json',
    cleanup: true,
    reject: false,
    forceKillAfterDelay: 5000,
    nodeOptions: [...(options.nodeOptions ?? [])],
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
  });
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  let exited = false;
  const done = child.then((r) => {
    exited = true;
    return r;
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) child.kill('SIGTERM');
      await done;
    })();
    return stopped;
  };
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let port: number;
  try {
    const ready = child.getOneMessage({ filter: (m) => (m as { type?: string }).type === 'ready' }) as Promise<{ port: number }>;
    const failed = done.then((r) => {
      throw new Error(`exited with ${r.exitCode ?? r.signal}`);
    });
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs).unref());
    ({ port } = await Promise.race([ready, failed, timer]));
  } catch (err) {
    await stop();
    throw new BenchError('SERVICE_FAILED', `the config service with client ${options.client} failed to start (${(err as Error).message}): see --verbose for its output`, {
      details: tail.toString(),
      cause: err,
    });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stats() {
      if (exited) throw new BenchError('SERVICE_FAILED', `the config service with client ${options.client} exited during the run`, { details: tail.toString() });
      const reply = child.getOneMessage({ filter: (m) => (m as { type?: string }).type === 'stats' });
      await child.sendMessage({ type: 'stats' });
      return ((await reply) as unknown as { stats: ServiceStats }).stats;
    },
    stop,
  };
}
