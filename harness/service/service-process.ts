/**
 * Parent-side handle of the config service (`config-service.ts`): start it in its own Node process, ask it
 * for a {@link ServiceStats} window, stop it. Lifecycle: `startConfigService()` → {@link StartedService} →
 * `stop()` (idempotent; SIGTERM, SIGKILL after 5 s). execa's `cleanup` kills it if the harness exits first.
 *
 * @module
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import type { KvClientOptions } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { siblingModule } from '../package-paths.ts';
import { startProcess } from '../process/started-process.ts';
import { watchChild } from '../reaper.ts';
import { type ServiceConfig, type ServiceStats, writeServiceConfig } from './service-protocol.ts';

const SERVICE_FILE = fileURLToPath(siblingModule(import.meta.url, './config-service'));

/** A running config service. */
/**
 * How long the harness waits for the service's answer to one of its requests (stats, idle, retained), ms: a service
 * whose client blocked its event loop or ran it out of memory fails its row with `SERVICE_FAILED` instead of holding
 * the run forever (a client whose watch loops doubled on each error did, for five minutes, before this bound).
 */
export const SERVICE_REPLY_TIMEOUT_MS = 30_000;

export interface StartedService {
  /** e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  readonly pid: number | undefined;
  /** Returns the figures since the previous call (or since start) and starts a new window. */
  stats(): Promise<ServiceStats>;
  /**
   * Takes the idle baseline (active resources, or the Go service's work goroutines) again, e.g. after a warm-up
   * once its reads settled, so what the client keeps on purpose (a timer per cached key) is in it; with the heap
   * retained then (bytes, after a full GC; absent when the service cannot force one).
   * @param spanMs how long the service looks, ms: the baseline is the most of each resource type (goroutines for
   *   Go) seen over it, every 100 ms, so a periodic client's idle work is in it whenever it is taken. Default 0 (one
   *   snapshot).
   */
  idle(spanMs?: number): Promise<{ heapBytes?: number | undefined }>;
  /** The heap the service retains now, bytes, after a full GC (Node `--expose-gc`, Go `runtime.GC()`); absent when unknown. */
  retainedHeap(): Promise<number | undefined>;
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
  /**
   * Starts the service through another program that owns its stdio (clinic doctor). Called with the full
   * command (`[node, config-service.ts, config]`); resolves when that program is done (process exited, data
   * written). The service then reports readiness through a file and its stats over HTTP. Default: execa with IPC.
   */
  readonly launch?: ((argv: string[]) => Promise<void>) | undefined;
  /**
   * Read socket states toward Consul (`/proc/net/tcp{,6}`) in every sample. Reading them costs the service CPU in
   * proportion to the machine's sockets (about 85 ms a read with 26 000 TIME_WAIT lines), so only rows that keep a
   * timeline (fault and restart scenarios) ask for them. Default `false`.
   */
  readonly sampleSockets?: boolean | undefined;
}

/**
 * Starts the service and waits for its `ready` message.
 * @throws {BenchError} `SERVICE_FAILED` when it exits or does not become ready in time (with its stderr tail).
 */
export async function startConfigService(options: StartServiceOptions): Promise<StartedService> {
  if (options.launch) return startLaunchedService(options, options.launch);
  const config: ServiceConfig = {
    client: options.client,
    clientModule: options.clientModule,
    clientOptions: options.clientOptions,
    sampleSockets: options.sampleSockets,
  };
  const configFile = await writeServiceConfig(config);
  const proc = startProcess({
    file: SERVICE_FILE,
    args: [configFile],
    node: true,
    // gc() for the retained heap the leak verdict reads (idle and after the quiesce, never under load)
    nodeOptions: ['--expose-gc', ...(options.nodeOptions ?? [])],
    tailLines: 30,
  });
  // the IPC channel's methods (sendMessage, getOneMessage) are there: started with `node: true`
  const child = proc.child as ResultPromise<{ ipc: true; serialization: 'json' }>;
  // The service deletes its configuration once read; this is for a service that died before reading it.
  proc.onStop(() => rm(path.dirname(configFile), { recursive: true, force: true }));
  const { stop } = proc;
  const done = proc.exited;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let port: number;
  try {
    const ready = child.getOneMessage({ filter: (m) => (m as { type?: string }).type === 'ready' }) as Promise<{
      port: number;
    }>;
    const failed = done.then((r) => {
      throw new Error(`exited with ${r.exitCode ?? r.signal}`);
    });
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    ({ port } = await Promise.race([ready, failed, timer]));
  } catch (err) {
    await stop();
    // The service prints `config service failed: <error>` when it dies starting (e.g. a --client module that cannot
    // import a package): that line says more than "exited with 1".
    const own = /config service failed: (.*)/.exec(proc.logTail())?.[1]?.trim();
    throw new BenchError(
      'SERVICE_FAILED',
      `the config service with client ${options.client} failed to start (${own ?? (err as Error).message}): see --verbose for its output`,
      { details: proc.logTail(), cause: err },
    );
  }
  // The idle baseline, now that the IPC channel is in use and before any load.
  const ask = async (type: 'idle' | 'retained' | 'stats', spanMs?: number): Promise<unknown> => {
    const reply = child.getOneMessage({ filter: (m) => (m as { type?: string }).type === type });
    reply.catch(() => {}); // a reply that never comes is the timeout's error, not an unhandled rejection
    await child.sendMessage(spanMs ? { type, spanMs } : { type });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BenchError(
              'SERVICE_FAILED',
              `the config service with client ${options.client} did not answer '${type}' within ${SERVICE_REPLY_TIMEOUT_MS / 1000} s: its event loop is blocked or it ran out of memory (see --verbose for its output)`,
              { details: proc.logTail() },
            ),
          ),
        SERVICE_REPLY_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([reply, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const takeIdle = async (spanMs?: number) => (await ask('idle', spanMs)) as { heapBytes?: number | undefined };
  await takeIdle();
  return {
    idle: takeIdle,
    retainedHeap: async () => ((await ask('retained')) as { heapBytes?: number }).heapBytes,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stats() {
      if (proc.exitResult())
        throw new BenchError(
          'SERVICE_FAILED',
          `the config service with client ${options.client} exited during the run`,
          { details: proc.logTail() },
        );
      return ((await ask('stats')) as { stats: ServiceStats }).stats;
    },
    stop,
  };
}

/** {@link startConfigService} through a launcher (no IPC: ready file, HTTP stats, SIGTERM to stop). */
async function startLaunchedService(
  options: StartServiceOptions,
  launch: (argv: string[]) => Promise<void>,
): Promise<StartedService> {
  const readyFile = path.join(os.tmpdir(), `consul-kv-bench-ready-${process.pid}-${Date.now()}.json`);
  const config: ServiceConfig = {
    client: options.client,
    clientModule: options.clientModule,
    clientOptions: options.clientOptions,
    sampleSockets: options.sampleSockets,
    readyFile,
  };
  let finished = false;
  let launchError: unknown;
  const done = launch([
    process.execPath,
    '--expose-gc',
    ...(options.nodeOptions ?? []),
    SERVICE_FILE,
    await writeServiceConfig(config),
  ]).then(
    () => {
      finished = true;
    },
    (err: unknown) => {
      finished = true;
      launchError = err;
    },
  );
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let ready: { port: number; pid: number } | undefined;
  while (!ready) {
    try {
      ready = JSON.parse(await readFile(readyFile, 'utf8')) as { port: number; pid: number };
    } catch {
      if (finished || Date.now() > deadline) {
        throw new BenchError(
          'SERVICE_FAILED',
          `the config service with client ${options.client} did not start under its launcher (${launchError ? (launchError as Error).message : finished ? 'it exited' : `not ready within ${timeoutMs} ms`})`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rm(readyFile, { force: true });
  const { port, pid } = ready;
  const unwatch = watchChild(pid);
  // The idle baseline, before any load (see config-service.ts).
  const get = async (route: string) =>
    (await (await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(10_000) })).json()) as {
      heapBytes?: number | undefined;
    };
  const takeIdle = (spanMs?: number) => get(`/__bench/idle${spanMs ? `?spanMs=${spanMs}` : ''}`);
  await takeIdle();
  let stopped: Promise<void> | undefined;
  return {
    idle: takeIdle,
    retainedHeap: async () => (await get('/__bench/retained')).heapBytes,
    url: `http://127.0.0.1:${port}`,
    pid,
    async stats() {
      const res = await fetch(`http://127.0.0.1:${port}/__bench/stats`, { signal: AbortSignal.timeout(10_000) });
      return (await res.json()) as ServiceStats;
    },
    stop() {
      stopped ??= (async () => {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        // the launcher may analyse what it collected before it is done; give it two minutes, then make sure
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }, 120_000);
        await done;
        clearTimeout(timer);
        unwatch();
      })();
      return stopped;
    },
  };
}
