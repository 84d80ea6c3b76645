/**
 * The open-model load generator: requests arrive at a constant or Poisson rate and are sent whether or not earlier
 * ones answered, so a slow or stalled target shows as latency on the requests that keep arriving (as users feel it)
 * instead of as a generator that politely waits (the closed model's coordinated omission; Gil Tene, "How NOT to
 * measure latency"; wrk2). Latency is kept twice in µs HDR histograms: **corrected**, from each request's intended
 * send time, and **uncorrected**, from its actual send (the service time); both over every answer, whatever its
 * status (unlike the closed model's 2xx-only histogram: an open-model row shows what callers waited), and over every
 * request given up at the timeout (censored: in the corrected one at the timeout, in the uncorrected one from its
 * send to its deadline; a request never sent is in the corrected one only).
 *
 * It runs in one or more worker threads (`open-load-worker.ts`), off the harness's event loop; the rate and the
 * in-flight cap are split evenly between them and their histograms are added. A run whose generator fell behind its
 * schedule (send lag p99 ≥ {@link OPEN_BEHIND_LAG_MS} for requests that had a free slot) is flagged
 * `generator-behind`: its latencies are then partly the generator's.
 *
 * Measures and emits; prints nothing. Bounded: the schedule, one timeout for what is in flight, 5 s, and a hard
 * stop 30 s after that. Targets must be loopback.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { BenchError, usageError } from '../errors.ts';
import { assertLoopback } from '../loopback.ts';
import { siblingModule } from '../package-paths.ts';
import { decodeHistogram, type LatencyHistogram, mergeHistograms } from './latency-histogram.ts';
import {
  GENERATOR_LAG_MS,
  GENERATOR_SATURATION_ELU,
  type LoadEvents,
  type LoadResult,
  type PhaseLoadResult,
} from './load-runner.ts';
import type { OpenWorkerInput, OpenWorkerOutput, OpenWorkerReady, OpenWorkerTick } from './open-load-protocol.ts';

/** Send lag p99 (requests that had a free slot) at or above this, ms: the generator fell behind its schedule. */
export const OPEN_BEHIND_LAG_MS = 10;
/** A request sent more than this after its intended time counts as `late`, ms. */
export const OPEN_LATE_MS = 10;

/** Options of {@link runOpenLoad}. */
export interface OpenLoadOptions {
  /** Target origin, e.g. `http://127.0.0.1:39123`. Must be loopback. */
  readonly url: string;
  /** Request paths, cycled. At least one. */
  readonly paths: readonly string[];
  /** Headers of every request (e.g. `x-consul-token` for consul-direct). Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Target arrival rate, req/s (> 0). */
  readonly rate: number;
  /** `constant` gaps of 1/rate, or `poisson` (exponential gaps, seeded). Default `constant`. */
  readonly arrival?: 'constant' | 'poisson';
  /** Cap on requests in flight, and on connections (opened as needed). Default 1 000. */
  readonly maxInFlight?: number;
  /** Worker threads. Default 1. */
  readonly workers?: number;
  /** Duration of the schedule, s. */
  readonly durationS: number;
  /** A request with no answer after this long is given up (censored), s. */
  readonly timeoutS: number;
  /** Stops the schedule early (SIGINT); what was measured is returned. */
  readonly signal?: AbortSignal;
  /** Phases by start offset (ms, first at 0); each request counts in the phase of its intended send time. */
  readonly phases?: ReadonlyArray<{ readonly name: string; readonly startMs: number }>;
  /** Seed of the Poisson schedule. Default 1. */
  readonly seed?: number;
}

/** What the open model measured beyond a {@link LoadResult}. */
export interface OpenLoadFigures {
  readonly rate: number;
  readonly arrival: 'constant' | 'poisson';
  readonly maxInFlight: number;
  readonly workers: number;
  /** Requests the schedule called for, sent, sent more than {@link OPEN_LATE_MS} late, and never sent (no free slot within the timeout). */
  readonly scheduled: number;
  readonly sent: number;
  readonly late: number;
  readonly dropped: number;
  /** Requests given up at the timeout (timed out in flight, or dropped): in the corrected histogram at exactly the timeout. */
  readonly censored: number;
  /** Uncorrected latency of every answer (from the actual send), µs. */
  readonly uncorrected: LatencyHistogram;
  /** The generator's own send lag for requests that had a free slot, µs. */
  readonly sendLag: LatencyHistogram;
  /** Most requests in flight at once (summed over workers' peaks: an upper bound). */
  readonly inFlightPeak: number;
  /** Send lag p99 ≥ {@link OPEN_BEHIND_LAG_MS}. */
  readonly behind: boolean;
}

/** Per phase, with the open model's uncorrected histogram and censored count. */
export interface OpenPhaseLoadResult extends PhaseLoadResult {
  uncorrected: LatencyHistogram;
  censored: number;
}

/**
 * The result of an open-model run: `histogram` is the **corrected** latency of every answer, error statuses
 * included (a caller waits for a 504 as for a 200), and of censored requests;
 * `timeouts` counts every request given up at the timeout, in flight or never sent (`open.dropped`).
 */
export interface OpenLoadResult extends LoadResult {
  open: OpenLoadFigures;
  phases: OpenPhaseLoadResult[];
}

const WORKER_URL = siblingModule(import.meta.url, './open-load-worker');

/** A started worker: `ready` once it has loaded; `start` sets its clock going; `result` is its report. */
interface RunningWorker {
  readonly ready: Promise<void>;
  readonly start: (startEpochMs: number) => void;
  readonly result: Promise<OpenWorkerOutput>;
}

/** Starts one worker; it waits for `start` before sending anything. */
function startWorker(input: OpenWorkerInput, onTick: (responses: number) => void, stop: AbortSignal): RunningWorker {
  const worker = new Worker(WORKER_URL, { workerData: input });
  const ready = Promise.withResolvers<void>();
  const result = Promise.withResolvers<OpenWorkerOutput>();
  const fail = (message: string) => {
    const err = new BenchError('LOAD_FAILED', message);
    ready.reject(err);
    result.reject(err);
  };
  ready.promise.catch(() => {});
  const onStop = () => worker.postMessage({ type: 'stop' });
  stop.addEventListener('abort', onStop, { once: true });
  worker.on(
    'message',
    (m: OpenWorkerOutput | OpenWorkerTick | OpenWorkerReady | { type: 'error'; message: string }) => {
      if (m.type === 'tick') onTick(m.responses);
      else if (m.type === 'ready') ready.resolve();
      else if (m.type === 'result') result.resolve(m);
      else fail(`open-model worker failed: ${m.message}`);
    },
  );
  worker.on('error', (err: Error) => fail(`open-model worker failed: ${err.message}`));
  worker.on('exit', (code) => fail(`open-model worker exited (code ${code}) before reporting`));
  let hardStop: NodeJS.Timeout | undefined;
  return {
    ready: ready.promise,
    start: (startEpochMs) => {
      worker.postMessage({ type: 'start', startEpochMs });
      hardStop = setTimeout(
        () => fail('open-model worker did not report in time'),
        (input.durationS + input.timeoutS + 35) * 1000,
      );
    },
    result: result.promise.finally(() => {
      clearTimeout(hardStop);
      stop.removeEventListener('abort', onStop);
      void worker.terminate();
    }),
  };
}

/** An open-model load whose workers are loaded and waiting for their start (see {@link prepareOpenLoad}). */
export interface PreparedOpenLoad {
  /**
   * Starts every worker on one clock and waits for the result.
   * @param startAtMs `performance.now()` the schedule counts from (it may be a few ms past: what fell due meanwhile
   *   is sent at once, its lag in its corrected latency). Default 20 ms from now.
   */
  run(startAtMs?: number): Promise<OpenLoadResult>;
  /** Stops the workers without running (when the caller failed before `run`). */
  cancel(): Promise<void>;
}

/**
 * Starts the workers of one bounded open-model load against `url` and waits until each has loaded, so the caller
 * can start its own clock (phases, faults) at the moment the schedule starts.
 * @throws {BenchError} `NOT_LOOPBACK` for a non-loopback target; `USAGE` for a rate ≤ 0, a cap or worker count
 *   below 1 or no paths; `LOAD_FAILED` when a worker fails.
 */
export async function prepareOpenLoad(options: OpenLoadOptions, events?: LoadEvents): Promise<PreparedOpenLoad> {
  await assertLoopback(options.url, 'load target');
  const workers = options.workers ?? 1;
  const maxInFlight = options.maxInFlight ?? 1000;
  const arrival = options.arrival ?? 'constant';
  if (!(options.rate > 0) || !Number.isInteger(workers) || workers < 1 || maxInFlight < workers)
    throw usageError(
      `open model: rate must be > 0 (got ${options.rate}), workers a whole number ≥ 1 (got ${workers}) and max in flight ≥ workers (got ${maxInFlight})`,
    );
  if (options.paths.length === 0) throw usageError('open model: no request paths');
  const phases = options.phases?.length ? options.phases : [{ name: 'all', startMs: 0 }];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let pending = 0;
  const running = Array.from({ length: workers }, (_, i) =>
    startWorker(
      {
        url: options.url,
        paths: options.paths,
        headers: options.headers ?? {},
        rate: options.rate / workers,
        arrival,
        maxInFlight: Math.floor(maxInFlight / workers) + (i < maxInFlight % workers ? 1 : 0),
        durationS: options.durationS,
        timeoutS: options.timeoutS,
        seed: (options.seed ?? 1) * 7919 + i,
        phases,
        lateMs: OPEN_LATE_MS,
      },
      (n) => {
        pending += n;
      },
      stop.signal,
    ),
  );
  const cleanUp = async (): Promise<void> => {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.allSettled(running.map((w) => w.result));
  };
  try {
    await Promise.all(running.map((w) => w.ready));
  } catch (err) {
    await cleanUp();
    throw err;
  }
  return {
    cancel: cleanUp,
    async run(startAtMs = performance.now() + 20) {
      let elapsedS = 0;
      const ticker = setInterval(() => {
        events?.emit('tick', { elapsedS: ++elapsedS, responses: pending });
        pending = 0;
      }, 1000);
      const t0 = startAtMs;
      let outputs: OpenWorkerOutput[];
      try {
        for (const w of running) w.start(performance.timeOrigin + t0);
        outputs = await Promise.all(running.map((w) => w.result));
      } finally {
        clearInterval(ticker);
        await cleanUp();
      }
      return summarise(options, { arrival, maxInFlight, workers, phases }, outputs, t0);
    },
  };
}

/**
 * Runs one bounded open-model load against `url`: {@link prepareOpenLoad}, then `run()`.
 * @throws {BenchError} as {@link prepareOpenLoad}.
 */
export async function runOpenLoad(options: OpenLoadOptions, events?: LoadEvents): Promise<OpenLoadResult> {
  return (await prepareOpenLoad(options, events)).run();
}

/** Adds the workers' reports into one result. */
function summarise(
  options: OpenLoadOptions,
  settings: {
    readonly arrival: 'constant' | 'poisson';
    readonly maxInFlight: number;
    readonly workers: number;
    readonly phases: ReadonlyArray<{ readonly name: string; readonly startMs: number }>;
  },
  outputs: readonly OpenWorkerOutput[],
  t0: number,
): OpenLoadResult {
  const { arrival, maxInFlight, workers, phases } = settings;
  const durationMs = Math.min(performance.now() - t0, options.durationS * 1000 + 50);
  const sum = (f: (o: OpenWorkerOutput) => number) => outputs.reduce((n, o) => n + f(o), 0);
  const byStatus: Record<string, number> = {};
  for (const o of outputs) for (const [k, v] of Object.entries(o.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  const merged = (f: (o: OpenWorkerOutput) => string) => mergeHistograms(outputs.map((o) => decodeHistogram(f(o))));
  const sendLag = merged((o) => o.sendLag);
  const behind = sendLag.totalCount > 0 && sendLag.getValueAtPercentile(99) / 1000 >= OPEN_BEHIND_LAG_MS;
  const cpuUs = outputs.every((o) => o.cpuUs !== null) ? sum((o) => o.cpuUs ?? 0) : null;
  const elu = Math.max(...outputs.map((o) => o.elu));
  const eventLoopDelayP99Ms = Math.max(...outputs.map((o) => o.eventLoopDelayP99Ms));
  const wallMs = performance.now() - t0;
  return {
    histogram: merged((o) => o.corrected),
    responses: sum((o) => o.responses),
    byStatus,
    connectionErrors: sum((o) => o.connectionErrors),
    timeouts: sum((o) => o.timeouts + o.dropped), // given up at the timeout, in flight or never sent
    durationMs,
    loadGenerator: {
      elu,
      cpuPercent: cpuUs === null ? 0 : (cpuUs / 1000 / wallMs) * 100,
      eventLoopDelayP99Ms,
      saturated: elu >= GENERATOR_SATURATION_ELU || eventLoopDelayP99Ms >= GENERATOR_LAG_MS || behind,
    },
    aborted: options.signal?.aborted ?? false,
    phases: phases.map((p, i) => {
      const of = outputs.map((o) => o.phases[i]!);
      const status: Record<string, number> = {};
      for (const x of of) for (const [k, v] of Object.entries(x.byStatus)) status[k] = (status[k] ?? 0) + v;
      return {
        name: p.name,
        startMs: p.startMs,
        histogram: mergeHistograms(of.map((x) => decodeHistogram(x.corrected))),
        uncorrected: mergeHistograms(of.map((x) => decodeHistogram(x.uncorrected))),
        responses: of.reduce((n, x) => n + x.responses, 0),
        byStatus: status,
        requestErrors: of.reduce((n, x) => n + x.requestErrors, 0),
        censored: of.reduce((n, x) => n + x.censored, 0),
      };
    }),
    open: {
      rate: options.rate,
      arrival,
      maxInFlight,
      workers,
      scheduled: sum((o) => o.scheduled),
      sent: sum((o) => o.sent),
      late: sum((o) => o.late),
      dropped: sum((o) => o.dropped),
      censored: sum((o) => o.censored),
      uncorrected: merged((o) => o.uncorrected),
      sendLag,
      inFlightPeak: sum((o) => o.inFlightPeak),
      behind,
    },
  };
}
