/**
 * Capacity at an SLO: the highest open-model arrival rate a row sustains while holding a service-level objective,
 * found the way Nighthawk's adaptive load controller and wrk2 users do it by hand: an exponential ramp (×2 a step)
 * until the SLO breaks, then a binary search between the last rate that held and the first that broke, until they
 * are within `resolution` of each other or the step budget is spent. Every step is kept as evidence.
 *
 * Pure: the measuring is the caller's `probe` (one open-model run at a rate); this module decides the next rate.
 *
 * @module
 */
import { usageError } from '../errors.ts';

/** One objective: a latency percentile (ms) or the error share, with `<` or `<=`. */
export interface SloTerm {
  readonly metric: 'p50' | 'p90' | 'p99' | 'p99.9' | 'max' | 'errors';
  readonly op: '<' | '<=';
  /** ms for latencies; a share (0–1) for `errors`. */
  readonly value: number;
  readonly text: string;
}

/** What one step of the search measured. */
export interface StepMeasure {
  /** Corrected latency percentiles, ms (open model: from the intended send time). */
  readonly latencyMs: Readonly<Record<'p50' | 'p90' | 'p99' | 'p99.9' | 'max', number>>;
  /** Errors (non-2xx, timeouts, dropped, connection errors) over requests scheduled. */
  readonly errorShare: number;
  /** Answers per second. */
  readonly achievedRps: number;
  /** The generator fell behind its schedule (its send lag): the corrected latency is then partly its own. */
  readonly generatorBehind: boolean;
  /**
   * Uncorrected latency percentiles (from the actual send: the target's service time alone, a request given up
   * counted to its deadline), ms. When present and
   * the step broke the SLO on these too, the target broke it whatever the generator did. Absent: unknown.
   */
  readonly uncorrectedLatencyMs?: Readonly<Record<'p50' | 'p90' | 'p99' | 'p99.9' | 'max', number>>;
}

/** A step with its verdict. */
export interface CapacityStep extends StepMeasure {
  readonly rate: number;
  readonly phase: 'ramp' | 'search';
  readonly holds: boolean;
  /** The terms it broke, e.g. `p99 < 50ms (measured 212 ms)`. */
  readonly broken: readonly string[];
  /** The generator fell behind, but the target broke the SLO on its own (see {@link searchCapacity}). */
  readonly brokenByTarget?: boolean;
}

/** The outcome for one row. */
export interface CapacityResult {
  /** Highest rate that held the SLO, req/s; null when even the lowest rate tried broke it. */
  readonly sustainableRps: number | null;
  /** Lowest rate that broke it, req/s; null when none did (up to `maxRate`). */
  readonly firstBrokenRps: number | null;
  /** Why the search stopped. */
  readonly stoppedBy: 'resolution' | 'max-rate' | 'steps' | 'generator' | 'min-rate';
  readonly steps: readonly CapacityStep[];
}

/** Options of {@link searchCapacity}. */
export interface CapacityOptions {
  /** First rate, req/s. Default 100. */
  readonly startRate?: number;
  /** Highest rate tried, req/s. Default 100 000. */
  readonly maxRate?: number;
  /** Lowest rate tried when the start breaks the SLO, req/s. Default 1. */
  readonly minRate?: number;
  /** Stop when (first broken − sustainable) / first broken ≤ this. Default 0.1. */
  readonly resolution?: number;
  /** Most steps. Default 12. */
  readonly maxSteps?: number;
  /** Called after every step (progress). */
  readonly onStep?: (step: CapacityStep) => void;
}

const TERM = /^\s*(p50|p90|p99|p99\.9|max|errors)\s*(<=|<)\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|%)?\s*$/;

/**
 * Parses an SLO such as `p99<50ms,errors<0.1%`: comma-separated terms, each a latency percentile (`p50`, `p90`,
 * `p99`, `p99.9`, `max`; units `us`, `ms` (default), `s`) or `errors` (a percentage with `%`, or a share), with `<`
 * or `<=`.
 * @throws {BenchError} `USAGE` naming the term and the fix.
 */
export function parseSlo(text: string): SloTerm[] {
  const terms = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (terms.length === 0) throw usageError('--slo is empty: give terms such as "p99<50ms,errors<0.1%"');
  return terms.map((t) => {
    const m = TERM.exec(t);
    if (!m)
      throw usageError(
        `--slo term ${JSON.stringify(t)}: write <metric> < <value>, metric one of p50, p90, p99, p99.9, max (ms, us, s) or errors (%), e.g. "p99<50ms,errors<0.1%"`,
      );
    const metric = m[1] as SloTerm['metric'];
    const unit = m[4];
    const n = Number(m[3]);
    if (metric === 'errors') {
      if (unit && unit !== '%')
        throw usageError(`--slo term ${JSON.stringify(t)}: errors take a percentage, e.g. errors<0.1%`);
      return { metric, op: m[2] as SloTerm['op'], value: unit === '%' ? n / 100 : n, text: t };
    }
    if (unit === '%') throw usageError(`--slo term ${JSON.stringify(t)}: a latency takes us, ms or s, e.g. p99<50ms`);
    const ms = unit === 's' ? n * 1000 : unit === 'us' || unit === 'µs' ? n / 1000 : n;
    return { metric, op: m[2] as SloTerm['op'], value: ms, text: t };
  });
}

/** The terms a step breaks, with what it measured. */
export function brokenTerms(slo: readonly SloTerm[], m: StepMeasure): string[] {
  return slo.flatMap((t) => {
    const v = t.metric === 'errors' ? m.errorShare : m.latencyMs[t.metric];
    const holds = t.op === '<' ? v < t.value : v <= t.value;
    if (holds) return [];
    const shown = t.metric === 'errors' ? `${(v * 100).toFixed(2)}%` : `${v.toFixed(1)} ms`;
    return [`${t.text} (measured ${shown})`];
  });
}

/** Whether the step broke the SLO without the generator's help: errors, or a latency term on service time alone. */
function targetBrokeIt(slo: readonly SloTerm[], m: StepMeasure): boolean {
  const own = m.uncorrectedLatencyMs;
  return slo.some((t) => {
    const v = t.metric === 'errors' ? m.errorShare : own?.[t.metric];
    if (v === undefined) return false;
    return !(t.op === '<' ? v < t.value : v <= t.value);
  });
}

/**
 * Searches for the highest rate that holds `slo`: ×2 from `startRate` until a step breaks it (or `maxRate`), then
 * halves the interval between the last rate that held and the first that broke. A step whose generator fell behind
 * ends the search (`stoppedBy: 'generator'`: beyond it, the machine, not the row, sets the figure) unless the
 * target broke the SLO on its own: its uncorrected latency (service time, free of the generator's lateness) broke
 * a latency term too, or errors broke one. Such a step counts as broken and the search goes on. (On a 2-core
 * machine an overloaded service starves the generator of CPU: its lag is then the target's doing.)
 * @throws whatever `probe` throws.
 */
export async function searchCapacity(
  probe: (rate: number) => Promise<StepMeasure>,
  slo: readonly SloTerm[],
  options: CapacityOptions = {},
): Promise<CapacityResult> {
  const maxRate = options.maxRate ?? 100_000;
  const minRate = options.minRate ?? 1;
  const resolution = options.resolution ?? 0.1;
  const maxSteps = options.maxSteps ?? 12;
  const steps: CapacityStep[] = [];
  let good: number | null = null;
  let bad: number | null = null;
  const step = async (rate: number, phase: CapacityStep['phase']): Promise<CapacityStep> => {
    const m = await probe(rate);
    const broken = brokenTerms(slo, m);
    const byTarget = m.generatorBehind && broken.length > 0 && targetBrokeIt(slo, m);
    const s: CapacityStep = {
      ...m,
      rate,
      phase,
      holds: broken.length === 0 && !m.generatorBehind,
      broken,
      ...(byTarget ? { brokenByTarget: true } : {}),
    };
    steps.push(s);
    options.onStep?.(s);
    return s;
  };
  const done = (stoppedBy: CapacityResult['stoppedBy']): CapacityResult => ({
    sustainableRps: good,
    firstBrokenRps: bad,
    stoppedBy,
    steps,
  });
  let rate = Math.min(options.startRate ?? 100, maxRate);
  // ramp
  for (;;) {
    if (steps.length >= maxSteps) return done('steps');
    const s = await step(rate, 'ramp');
    if (s.generatorBehind && !s.brokenByTarget) return done('generator');
    if (!s.holds) {
      bad = rate;
      break;
    }
    good = rate;
    if (rate >= maxRate) return done('max-rate');
    rate = Math.min(rate * 2, maxRate);
  }
  // binary search between good (or minRate) and bad
  let hi = rate;
  for (;;) {
    if (good !== null && (hi - good) / hi <= resolution) return done('resolution');
    if (good === null && hi <= minRate) return done('min-rate');
    if (steps.length >= maxSteps) return done('steps');
    const mid = good === null ? Math.max(minRate, hi / 2) : (good + hi) / 2;
    const s = await step(Math.round(mid * 10) / 10, 'search');
    if (s.generatorBehind && !s.brokenByTarget) return done('generator');
    if (s.holds) good = s.rate;
    else {
      hi = s.rate;
      bad = s.rate;
    }
  }
}
