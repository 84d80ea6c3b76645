/**
 * The messages between the harness and an open-model worker ({@link ./open-load-worker.ts}): its input, its
 * `ready` and `tick` messages, and its report.
 *
 * @module
 */

/** What the harness gives a worker (structured-cloned). */
export interface OpenWorkerInput {
  readonly url: string;
  readonly paths: readonly string[];
  /** Headers of every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** This worker's share of the arrival rate, req/s. */
  readonly rate: number;
  readonly arrival: 'constant' | 'poisson';
  /** This worker's share of the in-flight cap (and of the connections). */
  readonly maxInFlight: number;
  readonly durationS: number;
  readonly timeoutS: number;
  /** Seed of the Poisson gaps (deterministic schedules). */
  readonly seed: number;
  /** Phase start offsets from the run's start, ms (first at 0); requests count in the phase of their intended time. */
  readonly phases: ReadonlyArray<{ readonly name: string; readonly startMs: number }>;
  /** A request sent this much after its intended time is `late`, ms. */
  readonly lateMs: number;
}

/** Per phase, what a worker measured (histograms encoded). */
export interface OpenWorkerPhase {
  readonly name: string;
  readonly startMs: number;
  corrected: string;
  uncorrected: string;
  responses: number;
  byStatus: Record<string, number>;
  requestErrors: number;
  censored: number;
}

/** A worker's report (encoded histograms). */
export interface OpenWorkerOutput {
  readonly type: 'result';
  /** Corrected latency of every answer and of censored requests, µs. */
  readonly corrected: string;
  /** Uncorrected latency (from the actual send) of every answer, µs. */
  readonly uncorrected: string;
  /** Lag of the send behind the intended time for requests that found a free slot: the generator's own lag, µs. */
  readonly sendLag: string;
  readonly scheduled: number;
  readonly sent: number;
  readonly late: number;
  readonly dropped: number;
  readonly censored: number;
  readonly responses: number;
  readonly byStatus: Record<string, number>;
  readonly timeouts: number;
  readonly connectionErrors: number;
  readonly inFlightPeak: number;
  readonly elu: number;
  /** CPU time of this thread, µs (`process.threadCpuUsage`, Node ≥ 23.9), or null where Node lacks it. */
  readonly cpuUs: number | null;
  readonly eventLoopDelayP99Ms: number;
  readonly phases: OpenWorkerPhase[];
}

/** Sent once loaded; the harness then sends `{ type: 'start', startEpochMs }` to every worker at once. */
export interface OpenWorkerReady {
  readonly type: 'ready';
}

/** A tick: answers since the last one. */
export interface OpenWorkerTick {
  readonly type: 'tick';
  readonly responses: number;
}
