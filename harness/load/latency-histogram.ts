/**
 * Latency in HDR histograms at microsecond resolution (autocannon's, which the closed model once used, records whole ms).
 * Range 1 µs – 120 s, 3 significant digits. Runs are combined by adding histograms, never by averaging
 * percentiles (docs/STYLE.md, rule 9).
 *
 * @module
 */
import hdr from 'hdr-histogram-js';

/** Declared range and precision of every latency histogram, in µs. */
export const LATENCY_HISTOGRAM = {
  lowestDiscernibleUs: 1,
  highestTrackableUs: 120_000_000,
  significantDigits: 3,
} as const;

export type LatencyHistogram = hdr.Histogram;

/** Creates an empty latency histogram (µs, see {@link LATENCY_HISTOGRAM}). */
export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: LATENCY_HISTOGRAM.lowestDiscernibleUs,
    highestTrackableValue: LATENCY_HISTOGRAM.highestTrackableUs,
    numberOfSignificantValueDigits: LATENCY_HISTOGRAM.significantDigits,
  });
}

/** Records a latency given in ms (fractional, as `performance.now()` differences are) as whole µs, clamped to the range. */
export function recordMs(h: LatencyHistogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(Math.min(Math.max(us, LATENCY_HISTOGRAM.lowestDiscernibleUs), LATENCY_HISTOGRAM.highestTrackableUs));
}

/** Percentiles of a latency histogram, µs (values within 3 significant digits). All zero when it is empty. */
export interface LatencySummaryUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Recorded values. */
  count: number;
}

/** Reads the percentiles the report shows. */
export function summarize(h: LatencyHistogram): LatencySummaryUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    // p100 rather than maxValue: an encoded-then-decoded histogram only knows the bucket, and a report
    // regenerated from raw results must show the same max (within the declared 3 significant digits).
    max: h.getValueAtPercentile(100),
    mean: Math.round(h.mean),
    count: h.totalCount,
  };
}

/** Encodes a histogram for raw results (HdrHistogram's compressed base64 format, readable by every HDR port). */
export function encodeHistogram(h: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes {@link encodeHistogram}'s output. */
export function decodeHistogram(encoded: string): LatencyHistogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds histograms into a new one (merging runs). */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const h of histograms) merged.add(h);
  return merged;
}
