/**
 * The leak verdict: `leak`, `no-leak` or `inconclusive`, with its evidence, judged from a service timeline
 * sampled through baseline → fault → drain (docs/MEASUREMENT-NOTES.md, leak signals):
 *
 * - **leak**: requests in flight to Consul (or client sockets ESTABLISHED to it) rose above baseline during the
 *   fault and are still above it at the end of the drain. The drain is longer than any client timeout plus
 *   keep-alive, so what remains has nothing left to end it.
 * - **no-leak**: both are back to baseline at the end of the drain. A client with a per-request timeout may
 *   hold about arrival rate × timeout in flight during a stall (Little's law); that is healthy if it returns.
 * - **inconclusive**: a phase too short to judge, or the signals disagree.
 *
 * Blocking queries (watches) are held open on purpose: the sampler counts them apart (`longPolls`) and they
 * never count as in flight. "Back to baseline" allows a tolerance of max(5, 25% of the fault's rise), so noise
 * on a flat timeline is not a leak.
 *
 * @module
 */
import { linearRegression, median } from 'simple-statistics';

/** The part of a sample the verdict reads. */
export interface VerdictSample {
  /** ms since the measured window started. */
  tMs: number;
  inFlight: number;
  sockets?: Record<string, number> | undefined;
  resources: Record<string, number>;
}

/** Phase boundaries, ms since the measured window started. */
export interface PhaseBounds {
  faultStartMs: number;
  drainStartMs: number;
  endMs: number;
}

/** Minimum samples per phase to judge (at 250 ms per sample: 1 s of baseline, 2 s of fault, the last 1 s of drain). */
export const VERDICT_MIN_SAMPLES = { baseline: 4, fault: 8, drainTail: 4 } as const;
/** Absolute floor of the tolerance, in requests or sockets. */
export const VERDICT_MIN_TOLERANCE = 5;
/** Relative tolerance: share of the fault's rise above baseline that may remain. */
export const VERDICT_RELATIVE_TOLERANCE = 0.25;

/** What one signal (in-flight requests, or ESTABLISHED sockets) did. */
export interface SignalEvidence {
  /** Median during the baseline. */
  baseline: number;
  /** Highest during the fault. */
  faultPeak: number;
  /** Least-squares slope during the fault, per second. */
  faultSlopePerS: number;
  /** Median over the last quarter of the drain (at least the last 4 samples). */
  drainEnd: number;
  /** drainEnd − baseline. */
  residual: number;
  /** What may remain and still count as back to baseline: max(5, 25% of faultPeak − baseline). */
  tolerance: number;
  /** faultPeak − baseline > tolerance. */
  rose: boolean;
  /** residual > tolerance. */
  stayedUp: boolean;
}

/** A verdict with its evidence. */
export interface LeakVerdict {
  verdict: 'leak' | 'no-leak' | 'inconclusive';
  /** One sentence a reader can check against the timeline. */
  reason: string;
  inFlight?: SignalEvidence | undefined;
  establishedSockets?: SignalEvidence | undefined;
  /** Resource types (`process.getActiveResourcesInfo()`) whose count at the end of the drain exceeds the baseline median by more than the tolerance. */
  grownResources: Record<string, number>;
  samples: { baseline: number; fault: number; drainTail: number };
}

function signal(values: { base: number[]; fault: Array<[number, number]>; drainTail: number[] }): SignalEvidence {
  const baseline = median(values.base);
  const faultPeak = Math.max(...values.fault.map(([, v]) => v));
  const slope = values.fault.length >= 2 ? linearRegression(values.fault.map(([t, v]) => [t / 1000, v])).m : 0;
  const drainEnd = median(values.drainTail);
  const tolerance = Math.max(VERDICT_MIN_TOLERANCE, VERDICT_RELATIVE_TOLERANCE * Math.max(0, faultPeak - baseline));
  const residual = drainEnd - baseline;
  return {
    baseline,
    faultPeak,
    faultSlopePerS: Number.isFinite(slope) ? slope : 0,
    drainEnd,
    residual,
    tolerance,
    rose: faultPeak - baseline > tolerance,
    stayedUp: residual > tolerance,
  };
}

/**
 * Judges a timeline. Pure; deterministic.
 * @param samples in time order; `tMs` relative to the measured window's start.
 */
export function judgeLeak(samples: readonly VerdictSample[], bounds: PhaseBounds): LeakVerdict {
  const base = samples.filter((s) => s.tMs < bounds.faultStartMs);
  const fault = samples.filter((s) => s.tMs >= bounds.faultStartMs && s.tMs < bounds.drainStartMs);
  const drain = samples.filter((s) => s.tMs >= bounds.drainStartMs && s.tMs <= bounds.endMs);
  const tailCount = Math.max(VERDICT_MIN_SAMPLES.drainTail, Math.ceil(drain.length / 4));
  const drainTail = drain.slice(-tailCount);
  const counts = {
    baseline: base.length,
    fault: fault.length,
    drainTail: drain.length >= VERDICT_MIN_SAMPLES.drainTail ? drainTail.length : drain.length,
  };
  if (
    base.length < VERDICT_MIN_SAMPLES.baseline ||
    fault.length < VERDICT_MIN_SAMPLES.fault ||
    drain.length < VERDICT_MIN_SAMPLES.drainTail
  ) {
    return {
      verdict: 'inconclusive',
      reason: `too short to judge: ${base.length} baseline, ${fault.length} fault and ${drain.length} drain samples (need ${VERDICT_MIN_SAMPLES.baseline}, ${VERDICT_MIN_SAMPLES.fault} and ${VERDICT_MIN_SAMPLES.drainTail})`,
      grownResources: {},
      samples: counts,
    };
  }
  const pick = (f: (s: VerdictSample) => number) => ({
    base: base.map(f),
    fault: fault.map((s) => [s.tMs, f(s)] as [number, number]),
    drainTail: drainTail.map(f),
  });
  const inFlight = signal(pick((s) => s.inFlight));
  const hasSockets = samples.every((s) => s.sockets !== undefined);
  const establishedSockets = hasSockets ? signal(pick((s) => s.sockets?.ESTABLISHED ?? 0)) : undefined;

  const grownResources: Record<string, number> = {};
  const types = new Set(samples.flatMap((s) => Object.keys(s.resources)));
  for (const type of types) {
    const r = signal(pick((s) => s.resources[type] ?? 0));
    if (r.stayedUp) grownResources[type] = Math.round(r.residual);
  }

  const leaked = [inFlight, establishedSockets].filter((e): e is SignalEvidence => e?.rose === true && e.stayedUp);
  const back = [inFlight, establishedSockets].every((e) => e === undefined || !e.stayedUp);
  const describe = (name: string, e: SignalEvidence) =>
    `${name} went from ${fmt(e.baseline)} to a peak of ${fmt(e.faultPeak)} during the fault (${e.faultSlopePerS >= 0 ? '+' : ''}${fmt(e.faultSlopePerS)}/s) and ended the drain at ${fmt(e.drainEnd)}`;
  if (leaked.length > 0) {
    const e = leaked[0]!;
    const name = e === inFlight ? 'requests in flight to Consul' : 'sockets ESTABLISHED to Consul';
    return {
      verdict: 'leak',
      reason: `${describe(name, e)}, ${fmt(e.residual)} above baseline (tolerance ${fmt(e.tolerance)}): nothing ended them`,
      inFlight,
      establishedSockets,
      grownResources,
      samples: counts,
    };
  }
  if (back) {
    return {
      verdict: 'no-leak',
      reason: `${describe('requests in flight to Consul', inFlight)}: back within ${fmt(inFlight.tolerance)} of baseline${establishedSockets ? `; sockets ESTABLISHED ended at ${fmt(establishedSockets.drainEnd)} (baseline ${fmt(establishedSockets.baseline)})` : ''}`,
      inFlight,
      establishedSockets,
      grownResources,
      samples: counts,
    };
  }
  return {
    verdict: 'inconclusive',
    reason: `a signal stayed above baseline at the end of the drain without having risen during the fault: ${describe('requests in flight', inFlight)}${establishedSockets ? `; ${describe('sockets ESTABLISHED', establishedSockets)}` : ''}`,
    inFlight,
    establishedSockets,
    grownResources,
    samples: counts,
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
