/**
 * How long a capacity step must be for its percentile to mean something.
 *
 * In the open model, latency is counted from each request's intended send time, so one pause of the machine (or of
 * the service) of length `d` during a step of `T` seconds delays every request scheduled in it: about `(d − L) / T`
 * of the step's requests then exceed a threshold `L`. A `pq < L` term is broken by that pause alone once
 * `(d − L) / T > 1 − q`, i.e. for any pause longer than `L + (1 − q)·T`. Over 5 s, a p99 < 50 ms breaks on one pause
 * of 100 ms, whatever the rate: near the knee, the search would measure where pauses land, not the row.
 *
 * @module
 */
import type { SloTerm } from './capacity-search.ts';

/** The quantile behind a latency term; `max` has none (one slow answer breaks it at any step length). */
const QUANTILE: Partial<Record<SloTerm['metric'], number>> = { p50: 0.5, p90: 0.9, p99: 0.99, 'p99.9': 0.999 };

/** A step's length is kept within these bounds, s. */
export const STEP_BOUNDS_S = { min: 5, max: 30 } as const;

/** The pause the default step tolerates, as a multiple of the term's threshold. */
export const PAUSE_TOLERANCE = 4;

/**
 * The longest single pause a step of `stepS` seconds absorbs without it breaking `term` on its own, ms:
 * `L + (1 − q)·T` (see the module's doc). `undefined` for `errors` and for `max` (any pause past the threshold breaks
 * `max`).
 */
export function tolerablePauseMs(term: SloTerm, stepS: number): number | undefined {
  const q = QUANTILE[term.metric];
  if (q === undefined) return undefined;
  return term.value + (1 - q) * stepS * 1000;
}

/**
 * The default `--step` for an SLO, s: long enough that one pause of up to {@link PAUSE_TOLERANCE}× a latency term's
 * threshold cannot break that term alone, `T = (PAUSE_TOLERANCE − 1)·L / (1 − q)`, over the SLO's latency terms, the
 * longest, rounded up to whole seconds and kept within {@link STEP_BOUNDS_S} (5–30 s). `p99<50ms` → 15 s;
 * `p50<10ms` → 5 s; an SLO of `errors` or `max` only → 5 s.
 */
export function defaultStepS(slo: readonly SloTerm[]): number {
  let stepS: number = STEP_BOUNDS_S.min;
  for (const term of slo) {
    const q = QUANTILE[term.metric];
    if (q === undefined) continue;
    const needed = Math.ceil(((PAUSE_TOLERANCE - 1) * term.value) / 1000 / (1 - q) - 1e-9);
    stepS = Math.max(stepS, needed);
  }
  return Math.min(stepS, STEP_BOUNDS_S.max);
}
