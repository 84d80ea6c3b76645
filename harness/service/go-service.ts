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
import { execa } from 'execa';
import type { KvClientOptions } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { LogTail } from '../lifecycle.ts';
import { resolveGoServiceBinary } from '../provision/go-service-binary.ts';
import { reapOnHarnessDeath } from '../reaper.ts';
import type { StartedService } from './service-process.ts';
import { type ServiceStats, writeServiceConfig } from './service-protocol.ts';

/** Options of {@link startGoService}. */
export interface StartGoServiceOptions {
  /** A Go row's name, e.g. `go-default`. */
  readonly client: string;
  /** The row's client options (`consulUrl`, `token`, `ca`, `prefix`, `requestTimeoutMs`, `maxConnections`, `watchWaitMs`). */
  readonly clientOptions: KvClientOptions;
  /** How long to wait for the service (and go-watch's first snapshot), ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
  /** Progress lines (a first build). */
  readonly onProgress?: (line: string) => void;
  /** Cancels a build under way. */
  readonly signal?: AbortSignal | undefined;
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
  });
  // The ready file has a folder of its own: the service deletes its configuration's folder once it has read it.
  const readyDir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-go-ready-'));
  const readyFile = path.join(readyDir, 'ready.json');
  const configFile = await writeServiceConfig({
    client: options.client,
    clientOptions: options.clientOptions,
    readyFile,
  });
  const tail = new LogTail(30);
  const child = reapOnHarnessDeath(
    execa(bin.path, [configFile], {
      cleanup: true,
      reject: false,
      forceKillAfterDelay: 5000,
      stdin: 'ignore',
      buffer: false,
      all: true,
      env: serviceEnv(),
      extendEnv: false,
    }),
  );
  child.all?.on('data', (c: Buffer) => tail.push(c));
  let exited = false;
  const done = child.then((r) => {
    exited = true;
    return r;
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (!exited) child.kill('SIGTERM');
      await done;
      await rm(path.dirname(configFile), { recursive: true, force: true });
      await rm(readyDir, { recursive: true, force: true });
    })());
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    try {
      port = (JSON.parse(await readFile(readyFile, 'utf8')) as { port: number }).port;
    } catch {
      if (exited || Date.now() > deadline) {
        await stop();
        const own = /config service failed: (.*)/.exec(tail.toString())?.[1]?.trim();
        throw new BenchError(
          'SERVICE_FAILED',
          `the Go config service with client ${options.client} failed to start (${own ?? (exited ? 'it exited' : `not ready within ${timeoutMs} ms`)}): see --verbose for its output`,
          { details: tail.toString() },
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const url = `http://127.0.0.1:${port}`;
  const get = async (route: string): Promise<unknown> => {
    if (exited)
      throw new BenchError(
        'SERVICE_FAILED',
        `the Go config service with client ${options.client} exited during the run`,
        {
          details: tail.toString(),
        },
      );
    const res = await fetch(url + route, { signal: AbortSignal.timeout(10_000) });
    return res.json();
  };
  await get('/__bench/idle');
  return {
    url,
    pid: child.pid,
    stats: async () => (await get('/__bench/stats')) as ServiceStats,
    stop,
  };
}
