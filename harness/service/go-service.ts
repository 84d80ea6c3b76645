/**
 * Parent-side handle of the Go config service (`clients/go/`, the `go-*` rows): the same {@link StartedService} as
 * the Node service's, so rows, meters, verdicts and reports treat both alike. The binary comes from
 * `resolveGoServiceBinary` (built from the Go module proxy once, cached by the sources' hash). The service reads
 * its configuration from a 0600 file (deleted once read), says it is ready by writing `{ port, pid }` to a file, and
 * answers `GET /__bench/idle` and `GET /__bench/stats` with the Node service's shapes (goroutines stand where Node
 * has active resources). Lifecycle: `startGoService()` → `stop()` (idempotent; SIGTERM, SIGKILL after 5 s);
 * execa's `cleanup` and the reaper stop it if the harness dies first.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KvClientOptions } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { startProcess, waitUntilReady } from '../process/started-process.ts';
import { resolveGoServiceBinary } from '../provision/go-service-binary.ts';
import type { StartedService } from './service-process.ts';
import { type ServiceStats, writeServiceConfig } from './service-protocol.ts';

/** Options of {@link startGoService}. */
export interface StartGoServiceOptions {
  /** A Go row's name, e.g. `go-default`, or the strategy a file of {@link extraSources} registers. */
  readonly client: string;
  /**
   * A user's Go files (absolute paths) built into the service beside `clients/go/` (`package main`, registering
   * `strategies["<client>"]` in an `init()`; see `clients/examples/go-client.go`). Default: none.
   */
  readonly extraSources?: readonly string[];
  /** The row's client options (`consulUrl`, `token`, `ca`, `prefix`, `requestTimeoutMs`, `maxConnections`, `watchWaitMs`). */
  readonly clientOptions: KvClientOptions;
  /** How long to wait for the service (and go-watch's first snapshot), ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
  /** Progress lines (a first build). */
  readonly onProgress?: (line: string) => void;
  /** Cancels a build under way. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The scenario keeps a timeline for the leak verdict: each sample then counts work goroutines by a goroutine
   * profile, as the Node service then reads socket states; else `runtime.NumGoroutine()`. Default `false`.
   */
  readonly sampleSockets?: boolean | undefined;
}

/** Environment of the service: the harness's, without `CONSUL_*` (the api package would read them as defaults). */
function serviceEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONSUL_')));
}

/**
 * Builds (once) and starts the Go config service, and waits until it is ready and has taken its idle baseline.
 * @throws {BenchError} `GO_SERVICE_UNAVAILABLE` (no Go to build it), `SERVICE_FAILED` (it exited or was not ready in
 *   time; its output in `details`).
 */
export async function startGoService(options: StartGoServiceOptions): Promise<StartedService> {
  const bin = await resolveGoServiceBinary({
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    signal: options.signal,
    ...(options.extraSources ? { extraSources: options.extraSources } : {}),
  });
  // The ready file has a folder of its own: the service deletes its configuration's folder once it has read it.
  const readyDir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-go-ready-'));
  const readyFile = path.join(readyDir, 'ready.json');
  const configFile = await writeServiceConfig({
    client: options.client,
    clientOptions: options.clientOptions,
    readyFile,
    sampleSockets: options.sampleSockets,
  });
  const proc = startProcess({ file: bin.path, args: [configFile], env: serviceEnv(), extendEnv: false, tailLines: 30 });
  proc.onStop(() => rm(path.dirname(configFile), { recursive: true, force: true }));
  proc.onStop(() => rm(readyDir, { recursive: true, force: true }));
  const { stop } = proc;
  const exited = (): boolean => proc.exitResult() !== undefined;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let port: number;
  try {
    port = await waitUntilReady(
      proc,
      async () => (JSON.parse(await readFile(readyFile, 'utf8')) as { port: number }).port,
      { what: `the Go config service's ready file`, timeoutMs, intervalMs: 25 },
    );
  } catch (err) {
    const own = /config service failed: (.*)/.exec(proc.logTail())?.[1]?.trim();
    throw new BenchError(
      'SERVICE_FAILED',
      `the Go config service with client ${options.client} failed to start (${own ?? (err as Error).message}): see --verbose for its output`,
      { details: proc.logTail(), cause: err },
    );
  }
  const url = `http://127.0.0.1:${port}`;
  const get = async (route: string): Promise<unknown> => {
    if (exited())
      throw new BenchError(
        'SERVICE_FAILED',
        `the Go config service with client ${options.client} exited during the run`,
        {
          details: proc.logTail(),
        },
      );
    const res = await fetch(url + route, { signal: AbortSignal.timeout(10_000) });
    return res.json();
  };
  const heap = (o: unknown) => (o as { heapBytes?: number | undefined }).heapBytes;
  await get('/__bench/idle');
  return {
    idle: async (spanMs?: number) => ({
      heapBytes: heap(await get(`/__bench/idle${spanMs ? `?spanMs=${spanMs}` : ''}`)),
    }),
    retainedHeap: async () => heap(await get('/__bench/retained')),
    url,
    pid: proc.pid,
    stats: async () => (await get('/__bench/stats')) as ServiceStats,
    stop,
  };
}
