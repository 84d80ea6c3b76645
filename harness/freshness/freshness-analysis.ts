/**
 * Pure analysis of the freshness scenarios' raw records (writer acknowledgements, probe reads): propagation
 * delay and stale reads for `watch-propagation`, the error window and recovery for `consul-restart`.
 * All times are ms on the run's clock; delays go into µs HDR histograms like every latency in the harness.
 *
 * @module
 */
import {
  createLatencyHistogram,
  encodeHistogram,
  type LatencySummaryUs,
  recordMs,
  summarize,
} from '../load/latency-histogram.ts';
import type { WriteAck } from './key-writer.ts';
import type { ProbeRead } from './prober.ts';

/** Staleness figures of one row. */
export interface StalenessAnalysis {
  /** Acknowledged writes that count (sent before the settle period). */
  writes: number;
  /** Writes whose new value (or a newer one) some probe read returned. */
  writesSeen: number;
  /** Writes never seen by the end of the row (the settle period included). */
  writesUnseen: number;
  /**
   * Upper bound of the delay from a write's acknowledgement until the service served it: to the first probe
   * response carrying it (or a newer value), µs. It includes the probe read's own latency.
   */
  propagationUs: LatencySummaryUs;
  /** The same delays as a compressed HDR histogram (µs). */
  propagationHistogram: string;
  /**
   * Lower bound of the same delay: to the send time of the last probe read that still got the old value (0 when
   * that read was sent before the acknowledgement), µs. The write became visible within [lower, upper].
   */
  propagationLowerUs: LatencySummaryUs;
  /** The lower bounds as a compressed HDR histogram (µs). */
  propagationLowerHistogram: string;
  /** Probe reads answered 200 with a versioned value. */
  reads: number;
  /** Of those, reads that returned an older version than the newest acknowledged before the read was sent. */
  staleReads: number;
  /** `staleReads / reads` (0 when there were no reads). */
  staleShare: number;
  /** Probe reads that did not get a 200 (errors, timeouts). */
  failedReads: number;
}

/**
 * Computes propagation delays and the stale-read share.
 *
 * Rules: a write (key k, version v, acknowledged at a) is seen by the first probe response for k, by time
 * received, whose version is ≥ v; its delay is at most that time minus a (0 when the response came before the
 * acknowledgement did), and at least the send time of the last response for k with an older version minus a (0 when
 * that read was sent before the acknowledgement): the write became visible within that bracket. A read is stale when its version is lower than the highest version of its key
 * acknowledged before the read was sent (the linearizability check: a read may not miss a write that had
 * completed when it began).
 */
export function analyzeStaleness(acks: readonly WriteAck[], reads: readonly ProbeRead[]): StalenessAnalysis {
  const byKey = new Map<number, ProbeRead[]>();
  let failedReads = 0;
  for (const r of reads) {
    if (r.status !== 200 || r.version === null) {
      failedReads++;
      continue;
    }
    const list = byKey.get(r.keyIndex) ?? [];
    if (list.length === 0) byKey.set(r.keyIndex, list);
    list.push(r);
  }
  for (const list of byKey.values()) list.sort((x, y) => x.receivedMs - y.receivedMs);

  const histogram = createLatencyHistogram();
  const lowerHistogram = createLatencyHistogram();
  let seen = 0;
  for (const w of acks) {
    const list = byKey.get(w.keyIndex) ?? [];
    const at = list.findIndex((r) => (r.version ?? -1) >= w.version);
    if (at === -1) continue;
    seen++;
    const upper = Math.max(0, list[at]!.receivedMs - w.ackMs);
    recordMs(histogram, upper);
    // The bracket's other end: the last read answered with an older value was sent before the write was visible.
    let lastStale: ProbeRead | undefined;
    for (let j = at - 1; j >= 0 && !lastStale; j--) if ((list[j]!.version ?? -1) < w.version) lastStale = list[j];
    recordMs(lowerHistogram, Math.min(upper, Math.max(0, (lastStale?.sentMs ?? w.ackMs) - w.ackMs)));
  }

  const acksByKey = new Map<number, WriteAck[]>();
  for (const w of acks) {
    const list = acksByKey.get(w.keyIndex) ?? [];
    if (list.length === 0) acksByKey.set(w.keyIndex, list);
    list.push(w);
  }
  for (const list of acksByKey.values()) list.sort((x, y) => x.ackMs - y.ackMs);
  let staleReads = 0;
  let okReads = 0;
  for (const [keyIndex, list] of byKey) {
    const keyAcks = acksByKey.get(keyIndex) ?? [];
    for (const r of list) {
      okReads++;
      const newest = newestAckedBefore(keyAcks, r.sentMs);
      if (newest !== undefined && (r.version ?? -1) < newest) staleReads++;
    }
  }
  return {
    writes: acks.length,
    writesSeen: seen,
    writesUnseen: acks.length - seen,
    propagationUs: summarize(histogram),
    propagationHistogram: encodeHistogram(histogram),
    propagationLowerUs: summarize(lowerHistogram),
    propagationLowerHistogram: encodeHistogram(lowerHistogram),
    reads: okReads,
    staleReads,
    staleShare: okReads > 0 ? staleReads / okReads : 0,
    failedReads,
  };
}

/**
 * The version of the last acknowledgement (sorted by `ackMs`) at or before `t`. The writer sends one write at a
 * time, so a key's versions grow with their acknowledgement times and the last one is the highest.
 */
function newestAckedBefore(sorted: readonly WriteAck[], t: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.ackMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? sorted[lo - 1]!.version : undefined;
}

/** When things happened around a Consul restart, ms on the run's clock. */
export interface RestartTimes {
  /** Consul was asked to stop. */
  readonly downMs: number;
  /** Consul was started again. */
  readonly upMs: number;
  /** Consul had a known leader again (and, on a fresh data dir, its keys were seeded again). */
  readonly backMs: number;
  /** The post-restart values were acknowledged (one new version per probed key). */
  readonly freshAckMs: number;
  /** The new version of each probed key, by key index. */
  readonly freshVersions: readonly number[];
  /** End of the measured window. */
  readonly endMs: number;
}

/** Recovery figures of one row. */
export interface RecoveryAnalysis {
  /** From the first failed probe read (sent after Consul was stopped) to the last failed one (answered), ms; null without failures. */
  errorWindowMs: number | null;
  /** Probe reads after the stop that did not get a 200. */
  failedReads: number;
  /** Probe reads answered 200 while Consul was down (from the stop until it was back): served from a cache. */
  staleWhileDown: number;
  /** Probe reads answered 200 with a pre-restart value, sent after the post-restart values were acknowledged. */
  staleAfterBack: number;
  /** From the post-restart acknowledgement to the first fresh response of the slowest key, ms; null when some key never got there. */
  recoveryMs: number | null;
  /** Every probed key served its post-restart value and the last read of every key was a fresh 200. */
  recovered: boolean;
  /** The last probe read of every key got an HTTP answer (the service was not wedged). */
  serviceAnswering: boolean;
}

/** Computes the error window and recovery of one row around a Consul restart. */
export function analyzeRecovery(reads: readonly ProbeRead[], t: RestartTimes): RecoveryAnalysis {
  const after = reads.filter((r) => r.sentMs >= t.downMs).sort((x, y) => x.receivedMs - y.receivedMs);
  const failed = after.filter((r) => r.status !== 200);
  const errorWindowMs =
    failed.length > 0 ? Math.max(0, failed.at(-1)!.receivedMs - Math.min(...failed.map((r) => r.sentMs))) : null;
  const staleWhileDown = after.filter((r) => r.status === 200 && r.receivedMs <= t.backMs).length;
  const isFresh = (r: ProbeRead): boolean =>
    r.status === 200 && r.version !== null && r.version >= (t.freshVersions[r.keyIndex] ?? Number.POSITIVE_INFINITY);
  const staleAfterBack = after.filter((r) => r.sentMs >= t.freshAckMs && r.status === 200 && !isFresh(r)).length;
  let recoveryMs: number | null = 0;
  let recovered = true;
  let serviceAnswering = true;
  for (let k = 0; k < t.freshVersions.length; k++) {
    const keyReads = after.filter((r) => r.keyIndex === k);
    const firstFresh = keyReads.find((r) => isFresh(r) && r.receivedMs >= t.freshAckMs) ?? keyReads.find(isFresh);
    if (!firstFresh) recoveryMs = null;
    else if (recoveryMs !== null) recoveryMs = Math.max(recoveryMs, Math.max(0, firstFresh.receivedMs - t.freshAckMs));
    const last = keyReads.at(-1);
    if (!last || !isFresh(last)) recovered = false;
    if (!last || last.status === 0) serviceAnswering = false;
  }
  return {
    errorWindowMs,
    failedReads: failed.length,
    staleWhileDown,
    staleAfterBack,
    recoveryMs,
    recovered,
    serviceAnswering,
  };
}
