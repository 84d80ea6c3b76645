/**
 * The words and meters of a leak verdict's evidence (`harness/diagnosis/leak-verdict.ts`): what the quiesce left, in
 * one sentence, and which meters were past their thresholds. Pure.
 *
 * @module
 */
/** What was left at the end of the quiesce. */
export interface OrphanEvidence {
  /** Length of the quiesce, ms. */
  graceMs: number;
  /** Samples taken during it. */
  samples: number;
  /** Reads the client had not settled (min over the last second). */
  pending: number;
  /** Requests still on the wire to Consul, long polls aside (min over the last second). */
  inFlight: number;
  /**
   * Blocking queries (watches) open to Consul above the median before the fault (min over the last second): a watch
   * loop started again on an error while the old one lives on. Absent in evidence recorded before it was judged.
   */
  longPolls?: number;
  /**
   * The row's KV reads a second at Consul, idle before the load and at the end of the quiesce, and the excess
   * judged (0 unless it is above both `CONSUL_RATE_LIMIT_PER_S` (leak-verdict.ts) and the idle rate again). Absent: not measured.
   */
  consulReadsPerS?: { idle: number; quiesce: number; excess: number };
  /**
   * The memory retained after full GCs, bytes: warm and idle, after the quiesce, and the growth judged (0 within
   * `RETAINED_HEAP_LIMIT`, leak-verdict.ts).
   */
  retainedHeapBytes?: { idle: number; after: number; growth: number };
  /** Active resource types above the idle baseline, by how many (min over the last second; only those above). */
  resources: Record<string, number>;
  /** The meters past their thresholds, which made the verdict a leak (set on `leak` only). */
  decidedBy?: LeakMeter[];
  /** The largest of the above: the orphaned work judged. */
  worst: number;
}

/** A count or rate as a reason writes it: whole, or to one decimal. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** The meters of what a fault left, each named after the evidence's field that holds it. */
export const LEAK_METERS = ['pending', 'inFlight', 'longPolls', 'resources', 'retainedMemory', 'consulReads'] as const;
/** A meter of what a fault left. */
export type LeakMeter = (typeof LEAK_METERS)[number];

/** What each meter is, in a reason's words. */
export const METER_WORDS: Readonly<Record<LeakMeter, string>> = {
  pending: "the client's pending reads",
  inFlight: 'requests in flight to Consul',
  longPolls: 'blocking queries open',
  resources: 'active resources',
  retainedMemory: 'memory retained after full GCs',
  consulReads: "Consul's count of the row's reads",
};

/** The meters of `o` past their thresholds (`tolerance` for the counts; the judged growth or excess above 0). */
export function metersOver(o: OrphanEvidence, tolerance: number): LeakMeter[] {
  return [
    ...(o.pending > tolerance ? (['pending'] as const) : []),
    ...(o.inFlight > tolerance ? (['inFlight'] as const) : []),
    ...((o.longPolls ?? 0) > tolerance ? (['longPolls'] as const) : []),
    ...(Object.values(o.resources).some((n) => n > tolerance) ? (['resources'] as const) : []),
    ...((o.retainedHeapBytes?.growth ?? 0) > 0 ? (['retainedMemory'] as const) : []),
    ...((o.consulReadsPerS?.excess ?? 0) > 0 ? (['consulReads'] as const) : []),
  ];
}

/**
 * What the quiesce left, in words (only what is above 0): `12 reads still pending in the client, 10 requests still in
 * flight to Consul, TCPSocketWrap +10 over idle`, or `nothing`.
 */
export function describeOrphans(o: OrphanEvidence): string {
  const parts = [
    ...(o.pending > 0 ? [`${o.pending} reads still pending in the client`] : []),
    ...(o.inFlight > 0 ? [`${o.inFlight} requests still in flight to Consul`] : []),
    ...((o.longPolls ?? 0) > 0 ? [`${o.longPolls} more blocking queries (watches) open than before the fault`] : []),
    ...(o.retainedHeapBytes && o.retainedHeapBytes.growth > 0
      ? [
          `the memory retained after full GCs grew from ${mib(o.retainedHeapBytes.idle)} to ${mib(o.retainedHeapBytes.after)} MiB`,
        ]
      : []),
    ...(o.consulReadsPerS && o.consulReadsPerS.excess > 0
      ? [
          `Consul served ${fmt(o.consulReadsPerS.quiesce)} of its reads a second with no load, against ${fmt(o.consulReadsPerS.idle)} idle before it`,
        ]
      : []),
    ...Object.entries(o.resources).map(([type, n]) => `${type} +${n} over idle`),
  ];
  return parts.length ? parts.join(', ') : 'nothing';
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
