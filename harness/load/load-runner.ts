/**
 * The closed model's generator: `connections` keep-alive connections ({@link ClosedConnection}), each sending its
 * next GET when its last answer has been read, the paths cycled per connection in order. It measures the latency of
 * 2xx answers in a µs HDR histogram (from the write to the answer's last byte), answers by status, requests that
 * failed without an answer and timeouts, per phase where asked, and whether the generator itself set the pace.
 *
 * It replaced autocannon, whose pure-JS parser cost about 40 µs of the harness's CPU an answer at 500 connections:
 * on the fastest rows the generator, not the row, set the RPS (0.66–0.81× wrk's on `watch-cached` and
 * `consul-direct`; `consul-kv-bench ceiling` measures it per row, docs/LOAD-MODELS.md).
 *
 * Timeouts: a sweep every {@link TIMEOUT_SWEEP_MS} finds requests older than `timeoutS`, counts each once and
 * reconnects its connection (so a timeout is seen up to that much late, and counted in the phase its request was
 * sent in). Requests in flight at the end are left out, as autocannon left them out.
 *
 * It measures and emits; it prints nothing (docs/STYLE.md, rule 8). Every run is bounded in time: `durationS`, then
 * every socket closed. Targets must be loopback.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { assertLoopback } from '../loopback.ts';
import { ClosedConnection, type ConnectionSink } from './closed-connection.ts';
import { createLatencyHistogram, type LatencyHistogram, recordMs } from './latency-histogram.ts';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Target origin, e.g. `http://127.0.0.1:39123`. Must be loopback. */
  readonly url: string;
  /** Request paths, cycled per connection in order. At least one. */
  readonly paths: readonly string[];
  /** Headers of every request (e.g. `x-consul-token` for consul-direct). Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent connections (closed model). */
  readonly connections: number;
  /** Duration, s. */
  readonly durationS: number;
  /** Per-request timeout of the load generator, s: a request unanswered this long counts as a timeout. */
  readonly timeoutS: number;
  /** Aborts the run early (SIGINT); what was measured so far is returned. */
  readonly signal?: AbortSignal;
  /**
   * Phases of the run by start offset (ms from the run's start, first at 0). Each answer is counted in the phase
   * its request was sent in (send time = arrival − latency). Default: one phase.
   */
  readonly phases?: ReadonlyArray<{ readonly name: string; readonly startMs: number }>;
}

/** What one phase of a run measured. */
export interface PhaseLoadResult {
  name: string;
  startMs: number;
  /** 2xx latencies of requests sent in the phase, µs. */
  histogram: LatencyHistogram;
  responses: number;
  byStatus: Record<string, number>;
  /**
   * Requests sent in the phase that failed without an answer (timeouts included; a timeout's send time is the time
   * it was seen minus `timeoutS`).
   */
  requestErrors: number;
}

/** Event-loop utilisation at or above this means the load generator, not the target, set the pace. */
export const GENERATOR_SATURATION_ELU = 0.9;
/** The generator's own event-loop delay p99 at or above this, ms, means it could not send on time. */
export const GENERATOR_LAG_MS = 50;

/** What one load run measured. */
export interface LoadResult {
  /** 2xx latencies, µs. */
  histogram: LatencyHistogram;
  /** Answers of any status. */
  responses: number;
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
  /** Requests that failed without an answer (connection errors), timeouts excluded. */
  connectionErrors: number;
  /** Requests with no answer within `timeoutS`. */
  timeouts: number;
  /** Wall time of the run, ms. */
  durationMs: number;
  /** The harness process (which runs the generator on its main thread) during the run. */
  loadGenerator: {
    elu: number;
    cpuPercent: number;
    /** p99 of the generator's own event-loop delay during the run, ms. */
    eventLoopDelayP99Ms: number;
    /** ELU ≥ {@link GENERATOR_SATURATION_ELU} or event-loop delay p99 ≥ {@link GENERATOR_LAG_MS}. */
    saturated: boolean;
  };
  /** True when `signal` stopped the run early. */
  aborted: boolean;
  /** Per phase, when `phases` was given. */
  phases: PhaseLoadResult[];
}

/** Per-second progress of a run. */
export interface LoadTick {
  elapsedS: number;
  /** Answers in the last second. */
  responses: number;
}

/** Emits `tick` ({@link LoadTick}) once a second while a run is under way. */
export class LoadEvents extends EventEmitter<{ tick: [LoadTick] }> {}

/** How often in-flight requests are checked against `timeoutS`, ms. */
export const TIMEOUT_SWEEP_MS = 100;

/** The pre-built requests of a run: one buffer per path (`GET <path> HTTP/1.1`, `Host`, the headers). */
export function buildRequests(
  url: URL,
  paths: readonly string[],
  headers: Readonly<Record<string, string>> = {},
): Buffer[] {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return paths.map((p) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${url.host}\r\n${extra}\r\n`, 'latin1'));
}

/**
 * Runs one bounded closed-model load against `options.url` (http or https).
 * @throws {BenchError} `NOT_LOOPBACK` for a non-loopback target.
 */
export async function runLoad(options: LoadOptions, events?: LoadEvents): Promise<LoadResult> {
  await assertLoopback(options.url, 'load target');
  const url = new URL(options.url);
  const requests = buildRequests(url, options.paths, options.headers);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const histogram = createLatencyHistogram();
  const byStatus: Record<string, number> = {};
  let responses = 0;
  let failures = 0;
  let timeouts = 0;
  let lastSecond = 0;
  const phases: PhaseLoadResult[] = (options.phases ?? []).map((p) => ({
    name: p.name,
    startMs: p.startMs,
    histogram: createLatencyHistogram(),
    responses: 0,
    byStatus: {},
    requestErrors: 0,
  }));
  let t0 = 0;
  const phaseAt = (atMs: number): PhaseLoadResult | undefined => {
    const offset = atMs - t0;
    let found: PhaseLoadResult | undefined;
    for (const p of phases) if (p.startMs <= offset) found = p;
    return found ?? phases[0];
  };
  const next = new Map<ClosedConnection, number>();
  let running = true;
  const sink: ConnectionSink = {
    answered(status, latencyMs, sentAtMs) {
      responses++;
      lastSecond++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const ok = status >= 200 && status < 300;
      if (ok) recordMs(histogram, latencyMs);
      if (phases.length > 0) {
        const phase = phaseAt(sentAtMs)!;
        phase.responses++;
        phase.byStatus[status] = (phase.byStatus[status] ?? 0) + 1;
        if (ok) recordMs(phase.histogram, latencyMs);
      }
    },
    failed(sentAtMs) {
      failures++;
      if (phases.length > 0) phaseAt(sentAtMs)!.requestErrors++;
    },
    ready(conn) {
      if (!running) return;
      const i = next.get(conn)!;
      next.set(conn, (i + 1) % requests.length);
      conn.send(requests[i]!);
    },
  };
  const conns = Array.from(
    { length: options.connections },
    () => new ClosedConnection(host, port, url.protocol === 'https:', sink),
  );
  for (const c of conns) next.set(c, 0);

  const elu0 = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  let aborted = false;
  const timeoutMs = options.timeoutS * 1000;
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const c of conns) {
      if (c.sentAtMs >= 0 && now - c.sentAtMs >= timeoutMs) {
        timeouts++;
        if (phases.length > 0) phaseAt(c.sentAtMs)!.requestErrors++;
        c.reset();
      }
    }
  }, TIMEOUT_SWEEP_MS);
  let ticks = 0;
  const tick = setInterval(() => {
    events?.emit('tick', { elapsedS: ++ticks, responses: lastSecond });
    lastSecond = 0;
  }, 1000);
  const done = Promise.withResolvers<void>();
  const end = setTimeout(done.resolve, options.durationS * 1000);
  const stop = (): void => {
    aborted = true;
    done.resolve();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  for (const c of conns) c.open();
  try {
    await done.promise;
  } finally {
    running = false;
    clearTimeout(end);
    clearInterval(sweep);
    clearInterval(tick);
    options.signal?.removeEventListener('abort', stop);
    for (const c of conns) c.close();
  }
  const durationMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  delay.disable();
  const eventLoopDelayP99Ms = delay.percentile(99) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / durationMs) * 100;
  return {
    histogram,
    responses,
    byStatus,
    connectionErrors: failures,
    timeouts,
    durationMs,
    loadGenerator: {
      elu,
      cpuPercent,
      eventLoopDelayP99Ms,
      saturated: elu >= GENERATOR_SATURATION_ELU || eventLoopDelayP99Ms >= GENERATOR_LAG_MS,
    },
    aborted,
    phases,
  };
}
