/**
 * Capacity at an SLO: the highest open-model arrival rate a row sustains while holding a service-level objective,
 * as an interval with its repeats. The search is the one Nighthawk's adaptive load controller and wrk2 users run by
 * hand (an exponential ramp, ×2 a step, until the SLO breaks, then a binary search between the last rate that held
 * and the first that broke), with one difference: a p99 over a few seconds is a noisy variable (a random pause
 * decides it near the knee), so every rate near the knee is judged on **repeats**, not one draw:
 * - a rate **held** when it held the SLO in every repeat (default 3);
 * - it **broke** when it broke it in most repeats;
 * - otherwise it is **mixed**: neither held nor broken; the search treats it as not held.
 * The repeats are sequential: they stop as soon as the rate's verdict cannot change (two breaks of three decide
 * `broken`; one break rules out `held`). Ramp steps far below the knee are probed once; the last rate the ramp held
 * is judged on repeats before it counts. A step the machine or the generator set the pace of (`machine-bound`, or
 * the generator behind its schedule while the target itself kept the SLO on service time) is re-run, not counted.
 * The result is `[sustainableRps, firstBrokenRps]`: the highest rate held in every repeat and the lowest broken in
 * most. Two rows whose intervals overlap are not ranked ({@link overlaps}).
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
  /** The machine's CPU (generator, service and Consul together) was near all its cores: the machine set the pace. */
  readonly machineBound?: boolean;
  /** Answers behind the latency percentiles (a p99 of 500 answers rests on 5 of them). */
  readonly samples?: number;
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
  /** Which repeat of this rate it was (1-based); re-runs of a flagged step keep the repeat's number. */
  readonly repeat: number;
  /** False for a step the machine or the generator set the pace of: re-run, not counted. */
  readonly counted: boolean;
  readonly holds: boolean;
  /** The terms it broke, e.g. `p99 < 50ms (measured 212 ms)`. */
  readonly broken: readonly string[];
  /** The generator fell behind, but the target broke the SLO on its own (see {@link searchCapacity}). */
  readonly brokenByTarget?: boolean;
}

/** One rate's verdict over its repeats. */
export interface RateVerdict {
  readonly rate: number;
  /**
   * `held`: in every repeat; `broken`: in most; `mixed`: neither; `once`: a ramp step, held on its one probe;
   * `unmeasured`: the machine or the generator set the pace in every re-run (not held, and not broken either).
   */
  readonly verdict: 'held' | 'broken' | 'mixed' | 'once' | 'unmeasured';
  readonly held: number;
  readonly broken: number;
}

/** The outcome for one row. */
export interface CapacityResult {
  /** Highest rate held in every repeat, req/s; null when none was (down to `minRate`). */
  readonly sustainableRps: number | null;
  /** Lowest rate broken in most repeats, req/s; null when none was (up to `maxRate`). */
  readonly firstBrokenRps: number | null;
  /** Repeats a rate near the knee was judged on. */
  readonly repeats: number;
  /** Every rate judged, in the order judged. */
  readonly rates: readonly RateVerdict[];
  /** Why the search stopped. */
  readonly stoppedBy: 'resolution' | 'max-rate' | 'steps' | 'generator' | 'machine' | 'min-rate';
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
  /** Most steps, re-runs included. Default 40. */
  readonly maxSteps?: number;
  /** Repeats a rate near the knee is judged on (sequentially, stopping once its verdict is settled). Default 3. */
  readonly repeats?: number;
  /** Re-runs of a step the machine or the generator set the pace of, before the search stops on it. Default 2. */
  readonly reruns?: number;
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

/** Thrown by a step flagged in every re-run. */
class Unmeasured extends Error {
  readonly reason: 'machine' | 'generator';
  constructor(reason: 'machine' | 'generator') {
    super(reason);
    this.reason = reason;
  }
}

/** Thrown inside the search to end it early with a reason. */
class Stop extends Error {
  readonly reason: CapacityResult['stoppedBy'];
  constructor(reason: CapacityResult['stoppedBy']) {
    super(reason);
    this.reason = reason;
  }
}

/**
 * Searches for the highest rate that holds `slo` (see the module's doc): ×2 from `startRate` until a step breaks it
 * (or `maxRate`), each ramp rate probed once; the rate that broke and the last that held are then judged on
 * `repeats`, and the search halves the interval between the highest rate held in every repeat and the lowest not
 * held, until they are within `resolution` of the latter or `maxSteps` probes are spent.
 *
 * A step whose generator fell behind counts only where the target broke the SLO on its own: its uncorrected latency
 * (service time, free of the generator's lateness) broke a latency term too, or errors broke one. (On a 2-core
 * machine an overloaded service starves the generator of CPU: its lag is then the target's doing.) Otherwise, and
 * for a `machineBound` step, the step is re-run up to `reruns` times; still flagged, the rate is `unmeasured` (beyond
 * it, the machine, not the row, sets the figure): the search goes on below it, or stops there (`stoppedBy:
 * 'generator'` or `'machine'`) where no lower rate has held.
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
  const maxSteps = options.maxSteps ?? 40;
  const repeats = options.repeats ?? 3;
  const reruns = options.reruns ?? 2;
  const steps: CapacityStep[] = [];
  const rates: RateVerdict[] = [];

  /** One counted probe of `rate` (re-running flagged ones). */
  const step = async (rate: number, phase: CapacityStep['phase'], repeat: number): Promise<CapacityStep> => {
    for (let run = 0; ; run++) {
      if (steps.length >= maxSteps) throw new Stop('steps');
      const m = await probe(rate);
      const broken = brokenTerms(slo, m);
      const byTarget = m.generatorBehind && broken.length > 0 && targetBrokeIt(slo, m);
      const flagged = m.machineBound === true ? 'machine' : m.generatorBehind && !byTarget ? 'generator' : undefined;
      const s: CapacityStep = {
        ...m,
        rate,
        phase,
        repeat,
        counted: flagged === undefined,
        holds: broken.length === 0 && !m.generatorBehind,
        broken,
        ...(byTarget ? { brokenByTarget: true } : {}),
      };
      steps.push(s);
      options.onStep?.(s);
      if (!flagged) return s;
      if (run >= reruns) throw new Unmeasured(flagged);
    }
  };
  /**
   * Judges `rate` on up to `times` repeats, stopping once its verdict is settled; `prior` are probes of it already
   * made (a ramp step's one), which count as its first repeats.
   */
  const judge = async (
    rate: number,
    phase: CapacityStep['phase'],
    times: number,
    prior: { held: number; broken: number } = { held: 0, broken: 0 },
  ): Promise<RateVerdict> => {
    let { held, broken } = prior;
    const most = Math.floor(times / 2) + 1;
    while (held + broken < times) {
      let s: CapacityStep;
      try {
        s = await step(rate, phase, held + broken + 1);
      } catch (err) {
        if (!(err instanceof Unmeasured)) throw err;
        // nothing below it has held: there is no interval to search, and the reason is the answer
        if (!rates.some((r) => r.rate < rate && (r.verdict === 'held' || r.verdict === 'once'))) {
          throw new Stop(err.reason);
        }
        const v = { rate, verdict: 'unmeasured' as const, held, broken };
        rates.push(v);
        return v;
      }
      if (s.holds) held++;
      else broken++;
      if (broken >= most) break; // broken in most
      if (broken > 0 && held > times - most) break; // mixed: neither can happen now
    }
    const verdict: RateVerdict['verdict'] =
      held === times ? (times < repeats ? 'once' : 'held') : broken >= most ? 'broken' : 'mixed';
    const v = { rate, verdict, held, broken };
    rates.push(v);
    return v;
  };
  const sustainable = (): number | null => {
    const held = rates.filter((r) => r.verdict === 'held').map((r) => r.rate);
    return held.length ? Math.max(...held) : null;
  };
  const firstBroken = (): number | null => {
    const broken = rates.filter((r) => r.verdict === 'broken').map((r) => r.rate);
    return broken.length ? Math.min(...broken) : null;
  };
  const done = (stoppedBy: CapacityResult['stoppedBy']): CapacityResult => ({
    sustainableRps: sustainable(),
    firstBrokenRps: firstBroken(),
    repeats,
    rates,
    stoppedBy,
    steps,
  });

  try {
    // ramp: one probe a rate while it holds; the first that does not is judged on repeats (one break may be noise)
    const onceHeld: number[] = [];
    const ramp = async (): Promise<number | 'max-rate'> => {
      for (let rate = Math.min(options.startRate ?? 100, maxRate); ; rate = Math.min(rate * 2, maxRate)) {
        const once = await judge(rate, 'ramp', 1);
        if (once.verdict === 'held') return rate >= maxRate ? 'max-rate' : ramp1(rate); // repeats = 1
        if (once.verdict === 'once' && rate < maxRate) {
          onceHeld.push(rate);
          continue;
        }
        if (once.verdict === 'unmeasured') return rate;
        // not held on its one probe, or held at the top: judged on repeats (its probe counts) before either is said
        rates.pop();
        const v = await judge(rate, 'ramp', repeats, once);
        if (v.verdict !== 'held') return rate;
        return 'max-rate';
      }
    };
    /** With one repeat a rate, every rate the ramp held is held: go on from `rate`. */
    const ramp1 = async (rate: number): Promise<number | 'max-rate'> => {
      for (let r = Math.min(rate * 2, maxRate); ; r = Math.min(r * 2, maxRate)) {
        const v = await judge(r, 'ramp', 1);
        if (v.verdict !== 'held') return r;
        if (r >= maxRate) return 'max-rate';
      }
    };
    const top = await ramp();
    if (top === 'max-rate') return done('max-rate');
    let hi = top; // lowest rate not held in every repeat
    // the upper end: a rate broken in most repeats (a mixed rate is not held, nor broken)
    for (let up = hi; firstBroken() === null && up < maxRate; ) {
      if (rates.some((r) => r.rate === up && r.verdict === 'unmeasured')) break; // higher is the machine's
      up = Math.min(up * 2, maxRate);
      await judge(up, 'ramp', repeats);
    }
    // the lower end: the highest rate below `hi` held in every repeat (the ramp's held once, judged again: their
    // one probe counts)
    let lo: number | null = sustainable();
    for (let i = onceHeld.length - 1; i >= 0 && lo === null; i--) {
      const held = rates.findIndex((r) => r.rate === onceHeld[i] && r.verdict === 'once');
      rates.splice(held, 1);
      const v = await judge(onceHeld[i]!, 'search', repeats, { held: 1, broken: 0 });
      if (v.verdict === 'held') lo = v.rate;
      else hi = v.rate;
    }
    // binary search between lo (or minRate) and hi
    for (;;) {
      if (lo !== null && (hi - lo) / hi <= resolution) return done('resolution');
      if (lo === null && hi <= minRate) return done('min-rate');
      const mid: number = Math.round((lo === null ? Math.max(minRate, hi / 2) : (lo + hi) / 2) * 10) / 10;
      const v = await judge(mid, 'search', repeats);
      if (v.verdict === 'held') lo = mid;
      else hi = mid;
    }
  } catch (err) {
    if (err instanceof Stop) return done(err.reason);
    throw err;
  }
}

/**
 * Whether two rows' capacity intervals overlap, so that neither ranks above the other: a row ranks above another
 * only where the rate it held in every repeat is at or above the rate the other broke in most. An open end (no
 * broken rate found, or none held) reaches to infinity (or zero).
 */
export function overlaps(
  a: Pick<CapacityResult, 'sustainableRps' | 'firstBrokenRps'>,
  b: Pick<CapacityResult, 'sustainableRps' | 'firstBrokenRps'>,
): boolean {
  const above = (x: typeof a, y: typeof a) =>
    x.sustainableRps !== null && y.firstBrokenRps !== null && x.sustainableRps >= y.firstBrokenRps;
  return !above(a, b) && !above(b, a);
}
