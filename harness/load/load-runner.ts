/**
 * Drives a target with autocannon (closed model: a fixed number of connections, each sending its next request
 * when the previous answer arrives) and measures: latency of 2xx answers in a µs HDR histogram (from
 * autocannon's `response` event, which carries hrtime-based fractional ms), answers by status, connection
 * errors and timeouts, and whether the load generator itself was the bottleneck.
 *
 * It measures and emits; it prints nothing (docs/STYLE.md, rule 8). Every run is bounded in time:
 * autocannon's `duration`, plus a hard stop at duration + timeout + 30 s. Targets must be loopback.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { assertLoopback } from '../loopback.ts';
import { createLatencyHistogram, type LatencyHistogram, recordMs } from './latency-histogram.ts';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Target origin, e.g. `http://127.0.0.1:39123`. Must be loopback. */
  readonly url: string;
  /** Request paths, cycled per connection (autocannon `requests`). At least one. */
  readonly paths: readonly string[];
  /** Headers of every request (e.g. `x-consul-token` for consul-direct). Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent connections (closed model). */
  readonly connections: number;
  /** Duration, s. */
  readonly durationS: number;
  /** Per-request timeout of the load generator, s (autocannon `timeout`). */
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
  /** The harness process (which runs autocannon) during the run. */
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

/**
 * Runs one bounded load against `url`.
 * @throws {BenchError} `NOT_LOOPBACK` for a non-loopback target.
 */
export async function runLoad(options: LoadOptions, events?: LoadEvents): Promise<LoadResult> {
  await assertLoopback(options.url, 'load target');
  const histogram = createLatencyHistogram();
  const byStatus: Record<string, number> = {};
  let responses = 0;
  const elu0 = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let aborted = false;
  const finished = Promise.withResolvers<{ errors: number; timeouts: number }>();
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationS,
      timeout: options.timeoutS,
      pipelining: 1,
      requests: options.paths.map((path) => ({ method: 'GET' as const, path })),
      ...(options.headers ? { headers: { ...options.headers } } : {}),
    },
    (err, res) => (err ? finished.reject(err) : finished.resolve(res)),
  );
  const phases: PhaseLoadResult[] = (options.phases ?? []).map((p) => ({
    name: p.name,
    startMs: p.startMs,
    histogram: createLatencyHistogram(),
    responses: 0,
    byStatus: {},
    requestErrors: 0,
  }));
  const phaseAt = (offsetMs: number): PhaseLoadResult | undefined => {
    let found: PhaseLoadResult | undefined;
    for (const p of phases) if (p.startMs <= offsetMs) found = p;
    return found ?? phases[0];
  };
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    responses++;
    byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
    const ok = statusCode >= 200 && statusCode < 300;
    if (ok) recordMs(histogram, responseTimeMs);
    const phase = phaseAt(performance.now() - t0 - responseTimeMs);
    if (phase) {
      phase.responses++;
      phase.byStatus[statusCode] = (phase.byStatus[statusCode] ?? 0) + 1;
      if (ok) recordMs(phase.histogram, responseTimeMs);
    }
  });
  (instance as unknown as EventEmitter).on('reqError', (err: Error) => {
    // Counted in the phase the request was sent in, as answers are: a timeout is seen `timeoutS` after its request
    // was sent (autocannon's per-connection timer restarts with each request); other errors come at once.
    const timedOut = err?.message === 'request timed out';
    const phase = phaseAt(performance.now() - t0 - (timedOut ? options.timeoutS * 1000 : 0));
    if (phase) phase.requestErrors++;
  });
  let ticks = 0;
  (instance as unknown as EventEmitter).on('tick', (t: { counter: number }) =>
    events?.emit('tick', { elapsedS: ++ticks, responses: t.counter }),
  );
  const stop = (): void => {
    aborted = true;
    instance.stop();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  const hardStop = setTimeout(() => instance.stop(), (options.durationS + options.timeoutS + 30) * 1000);
  let result: { errors: number; timeouts: number };
  try {
    result = await finished.promise;
  } finally {
    clearTimeout(hardStop);
    options.signal?.removeEventListener('abort', stop);
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
    connectionErrors: Math.max(0, result.errors - result.timeouts),
    timeouts: result.timeouts,
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
