/**
 * The leak verdict: `leak`, `no-leak` or `inconclusive`, with its evidence, judged from a service timeline sampled
 * through baseline → fault → drain → quiesce.
 *
 * The rule is goleak's "nothing may be left when the test is over", with its settle-and-retry: after the drain the
 * load stops, and after a grace period longer than the client's timeout (the quiesce; checked against it when the
 * caller states it, {@link JudgeOptions.clientTimeoutMs}) the work still left is orphaned, because nothing remains
 * to end it:
 * - reads handed to the client and not settled, wherever they wait (`pending`, counted at the service's door: on
 *   the wire, in a pool's queue, behind a rate limiter, in a retry's sleep);
 * - requests still on the wire to Consul (`inFlight`; blocking queries are held open on purpose and counted apart);
 * - blocking queries (`longPolls`) above their median before the fault: a watch loop started again on an error
 *   while the old one lives on holds one more each time, with no read waiting on it;
 * - active resources (`process.getActiveResourcesInfo()`: ref'd sockets, timers …) above what the service held when
 *   it was ready and idle, before any load and again after the warm-up: the most of each type over a second, so a
 *   poll's timer absent while the poll is in flight does not lower it (idle keep-alive sockets are unref'd and not
 *   listed).
 * Each is the minimum over the quiesce's last second (settle and retry: what is on its way out is not counted).
 * - **leak**: any of them is more than the tolerance ({@link ORPHAN_LIMIT} unless given), whatever the client's
 *   concurrency ceiling;
 * - **no-leak**: none is left;
 * - **inconclusive**: a few (1 to the tolerance) are left, a phase was too short to judge, or the grace was not
 *   longer than the client's stated timeout (what is left may still end).
 * Resource types the caller names in {@link JudgeOptions.ignoreResources} are not judged (goleak's
 * `IgnoreTopFunction`, for a resource the client keeps on purpose, e.g. a ref'd timer per cached key).
 *
 * The trend during the fault (peak, slope, end of the drain, for requests in flight and ESTABLISHED sockets, the
 * Node analogue of the Go articles' goroutine count; docs/MEASUREMENT-NOTES.md, leak signals) is kept as supporting
 * evidence: it says how the work piled up, not whether it was orphaned.
 *
 * @module
 */
import { describeOrphans, fmt, METER_WORDS, metersOver, type OrphanEvidence } from './leak-evidence.ts';

export { describeOrphans, type LeakMeter, metersOver, type OrphanEvidence } from './leak-evidence.ts';

import { linearRegression, median } from 'simple-statistics';

/** The part of a sample the verdict reads. */
export interface VerdictSample {
  /** ms since the measured window started. */
  tMs: number;
  inFlight: number;
  /** Reads at the service's door (absent in timelines recorded before it was measured: counted as 0). */
  pending?: number | undefined;
  /** Blocking queries (watches) open to Consul (absent: counted as 0). */
  longPolls?: number | undefined;
  sockets?: Record<string, number> | undefined;
  resources: Record<string, number>;
}

/** Phase boundaries, ms since the measured window started. */
export interface PhaseBounds {
  faultStartMs: number;
  drainStartMs: number;
  /** End of the drain: the generator sends no request after this, and the quiesce begins once it stops. */
  endMs: number;
  /**
   * When the quiesce began: after the generator stopped, which waits for its last requests' answers or deadlines
   * (up to its timeout) after `endMs`. Absent: at `endMs`.
   */
  quiesceStartMs?: number | undefined;
  /** End of the quiesce. Absent: no quiesce (the verdict is then inconclusive). */
  quiesceEndMs?: number | undefined;
}

/** More orphaned reads, requests or resources of one type than this is a leak. */
export const ORPHAN_LIMIT = 2;
/** Samples at the end of the quiesce whose minimum is judged (1 s at 250 ms a sample): settle and retry. */
export const QUIESCE_TAIL_SAMPLES = 4;

/** Options of {@link judgeLeak}, in the spirit of goleak's. */
export interface JudgeOptions {
  /** More than this many orphaned reads, requests or resources of one type is a leak. Default {@link ORPHAN_LIMIT}. */
  readonly tolerance?: number;
  /** `process.getActiveResourcesInfo()` types not judged, e.g. `['Timeout']`. Default: none. */
  readonly ignoreResources?: readonly string[];
  /**
   * The longest the client may take to settle a read, ms (its request timeout, with retries and backoff). When
   * given, a grace not longer than it gives `inconclusive`, and the reason states the comparison; absent, the
   * reason says the timeout was not stated.
   */
  readonly clientTimeoutMs?: number;
  /**
   * The row's KV reads a second as Consul counted them (`harness/consul/consul-monitor.ts`), with no load: before
   * the warm-up (`idlePerS`) and over the quiesce's last seconds (`quiescePerS`). More after the fault than before
   * it, by over {@link CONSUL_RATE_LIMIT_PER_S} and twice over, is background work the fault left running. Absent:
   * not judged (Consul's log stream unavailable).
   */
  readonly consulRates?: { readonly idlePerS: number; readonly quiescePerS: number };
  /**
   * The memory the service retained after full GCs, bytes (Node: `heapUsed + external`, so Buffers count; Go:
   * `HeapAlloc`): warm and idle before the load, and after the quiesce. Growth beyond {@link RETAINED_HEAP_LIMIT}
   * is judged a leak. Absent: not judged.
   */
  readonly retainedHeap?: { readonly idleBytes: number; readonly afterBytes: number };
}

/** Consul reads a second above the idle rate (and above twice it) that a fault may leave running: more is a leak. */
export const CONSUL_RATE_LIMIT_PER_S = 2;

/**
 * Memory a fault may leave retained above the warm idle figure (after full GCs), bytes, and as a share of it: more
 * than both is a leak (what a client keeps per failed read). On the corpus (docs/LEAK-DIAGNOSIS.md) healthy Node
 * clients retained at most about 0.8 MiB more after a 4 s stall and healthy Go clients about 0.1 MiB, so 4 MiB is
 * about five times the noise; a client must keep about 20 KiB per failed read for 200 failures to pass it.
 */
export const RETAINED_HEAP_LIMIT = { bytes: 4 * 1024 * 1024, share: 0.25 } as const;

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
  /** What was left after the quiesce (the rule). */
  orphans?: OrphanEvidence | undefined;
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
 * What the quiesce left: each signal's minimum over the last {@link QUIESCE_TAIL_SAMPLES} samples, resources as
 * the excess over `idle`. `undefined` when the quiesce has fewer samples than that.
 */
export function orphansAfterQuiesce(
  quiesce: readonly VerdictSample[],
  idle: Readonly<Record<string, number>>,
  graceMs: number,
  ignoreResources: readonly string[] = [],
  baselineLongPolls = 0,
): OrphanEvidence | undefined {
  if (quiesce.length < QUIESCE_TAIL_SAMPLES) return undefined;
  const tail = quiesce.slice(-QUIESCE_TAIL_SAMPLES);
  const least = (f: (s: VerdictSample) => number): number => Math.min(...tail.map(f));
  const resources: Record<string, number> = {};
  for (const type of new Set(tail.flatMap((s) => Object.keys(s.resources)))) {
    if (ignoreResources.includes(type)) continue;
    const excess = least((s) => (s.resources[type] ?? 0) - (idle[type] ?? 0));
    if (excess > 0) resources[type] = excess;
  }
  const pending = Math.max(
    0,
    least((s) => s.pending ?? 0),
  );
  const inFlight = Math.max(
    0,
    least((s) => s.inFlight),
  );
  const longPolls = Math.max(
    0,
    least((s) => (s.longPolls ?? 0) - baselineLongPolls),
  );
  const worst = Math.max(pending, inFlight, longPolls, ...Object.values(resources));
  return { graceMs, samples: quiesce.length, pending, inFlight, longPolls, resources, worst };
}

/** Adds Consul's rates to what the quiesce left: the excess counts as orphaned work when it is judged a leak. */
function withConsulRates(o: OrphanEvidence, r: NonNullable<JudgeOptions['consulRates']>): OrphanEvidence {
  const over = r.quiescePerS - r.idlePerS;
  const excess = over > CONSUL_RATE_LIMIT_PER_S && r.quiescePerS > 2 * r.idlePerS ? over : 0;
  // a rate above the limit is judged as more than the tolerance of things left: one more than it
  const judged = excess > 0 ? Math.max(o.worst, Math.ceil(excess)) : o.worst;
  return { ...o, consulReadsPerS: { idle: r.idlePerS, quiesce: r.quiescePerS, excess }, worst: judged };
}

/** Adds the retained heap to what the quiesce left: growth beyond {@link RETAINED_HEAP_LIMIT} is judged a leak. */
function withRetainedHeap(
  o: OrphanEvidence,
  h: NonNullable<JudgeOptions['retainedHeap']>,
  tolerance: number,
): OrphanEvidence {
  const over = h.afterBytes - h.idleBytes;
  const growth = over > RETAINED_HEAP_LIMIT.bytes && over > RETAINED_HEAP_LIMIT.share * h.idleBytes ? over : 0;
  return {
    ...o,
    retainedHeapBytes: { idle: h.idleBytes, after: h.afterBytes, growth },
    worst: growth > 0 ? Math.max(o.worst, tolerance + 1) : o.worst,
  };
}

/**
 * Judges a timeline by the rule of the module comment. Pure; deterministic.
 * @param samples in time order; `tMs` relative to the measured window's start; samples after `endMs` are the quiesce.
 * @param idle active resources by type when the service was ready and idle (before any load). Default: none.
 * @param options tolerance, resource types not judged, the client's timeout ({@link JudgeOptions}).
 */
export function judgeLeak(
  samples: readonly VerdictSample[],
  bounds: PhaseBounds,
  idle: Readonly<Record<string, number>> = {},
  options: JudgeOptions = {},
): LeakVerdict {
  const tolerance = options.tolerance ?? ORPHAN_LIMIT;
  const base = samples.filter((s) => s.tMs < bounds.faultStartMs);
  const fault = samples.filter((s) => s.tMs >= bounds.faultStartMs && s.tMs < bounds.drainStartMs);
  const drain = samples.filter((s) => s.tMs >= bounds.drainStartMs && s.tMs <= bounds.endMs);
  const quiesceEnd = bounds.quiesceEndMs ?? bounds.endMs;
  const quiesce = samples.filter((s) => s.tMs > bounds.endMs && s.tMs <= quiesceEnd);
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
  for (const type of new Set(samples.flatMap((s) => Object.keys(s.resources)))) {
    const r = signal(pick((s) => s.resources[type] ?? 0));
    if (r.stayedUp) grownResources[type] = Math.round(r.residual);
  }
  const evidence = { inFlight, establishedSockets, grownResources, samples: counts };
  const trend = `${describe('requests in flight to Consul', inFlight)}`;

  const quiesced = orphansAfterQuiesce(
    quiesce,
    idle,
    quiesceEnd - bounds.endMs,
    options.ignoreResources,
    median(base.map((s) => s.longPolls ?? 0)),
  );
  const rated = quiesced && options.consulRates ? withConsulRates(quiesced, options.consulRates) : quiesced;
  const orphans = rated && options.retainedHeap ? withRetainedHeap(rated, options.retainedHeap, tolerance) : rated;
  if (!orphans) {
    return {
      verdict: 'inconclusive',
      reason: `no quiesce to judge (${quiesce.length} samples after the load stopped, need ${QUIESCE_TAIL_SAMPLES}); ${trend}`,
      ...evidence,
    };
  }
  const grace = graceText(orphans.graceMs, quiesceEnd - (bounds.quiesceStartMs ?? bounds.endMs));
  const timeout = options.clientTimeoutMs;
  const ignored = options.ignoreResources?.length ? ` (${options.ignoreResources.join(', ')} not judged)` : '';
  if (orphans.worst > tolerance && timeout !== undefined && orphans.graceMs <= timeout) {
    return {
      verdict: 'inconclusive',
      reason: `${grace}, ${describeOrphans(orphans)}${ignored}, but the client's stated timeout (${fmt(timeout / 1000)} s) is longer: they may still end; ${trend}`,
      ...evidence,
      orphans,
    };
  }
  if (orphans.worst > tolerance) {
    const longer =
      timeout === undefined
        ? "the client's own timeout was not stated"
        : `longer than the client's stated timeout of ${fmt(timeout / 1000)} s`;
    const decidedBy = metersOver(orphans, tolerance);
    return {
      verdict: 'leak',
      reason: `${grace} (${longer}), ${describeOrphans(orphans)}${ignored}: nothing is left to end them (decided by ${decidedBy.map((m) => METER_WORDS[m]).join(', ')}); ${trend}`,
      ...evidence,
      orphans: { ...orphans, decidedBy },
    };
  }
  if (orphans.worst === 0) {
    return {
      verdict: 'no-leak',
      reason: `nothing was left ${grace}${ignored}; ${trend}`,
      ...evidence,
      orphans,
    };
  }
  return {
    verdict: 'inconclusive',
    reason: `${grace}, ${describeOrphans(orphans)}: more than none, not more than ${ORPHAN_LIMIT}; ${trend}`,
    ...evidence,
    orphans,
  };
}

/**
 * How long after the last request was sent the verdict was judged, as measured: with the generator's wait for
 * answers and the quiesce apart where the wait was longer than 0.5 s (e.g. `10.2 s after the last request was sent
 * (the generator's 4.2 s wait for answers, then a 6.0 s quiesce)`).
 */
function graceText(graceMs: number, quiesceMs: number): string {
  const waitMs = graceMs - quiesceMs;
  return waitMs > 500
    ? `${fmt(graceMs / 1000)} s after the last request was sent (the generator's ${fmt(waitMs / 1000)} s wait for answers, then a ${fmt(quiesceMs / 1000)} s quiesce)`
    : `${fmt(graceMs / 1000)} s after the load stopped`;
}

/** One sentence on a signal's trend: baseline, peak and slope during the fault, end of the drain. */
function describe(name: string, e: SignalEvidence): string {
  const slope = `${e.faultSlopePerS >= 0 ? '+' : ''}${fmt(e.faultSlopePerS)}/s`;
  return `${name} went from ${fmt(e.baseline)} to a peak of ${fmt(e.faultPeak)} during the fault (${slope}) and ended the drain at ${fmt(e.drainEnd)}`;
}
