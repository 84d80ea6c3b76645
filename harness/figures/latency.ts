/**
 * Latency figures: p50 … max of a run's 2xx answers (closed model) or of every answer and censored request (open
 * model, corrected for coordinated omission), read from its HDR histogram in µs and compared in ms. The row's
 * `latencyUs` is recomputed from the merged histograms when runs merge (never averaged percentiles); that is the
 * core merge's, so the field's rule is `none`.
 *
 * @module
 */
import { LatencyUsSchema } from '../report/row-schema.ts';
import { defineFigure, defineRunField } from './figure.ts';

/** A run's latency summary, µs (the field p50 … max read). */
export const LATENCY_FIELD = defineRunField({
  key: 'latencyUs',
  schema: LatencyUsSchema,
  of: (row) => row.latencyUs,
  merge: 'none',
});

const percentile = (name: string, pick: 'p50' | 'p90' | 'p99' | 'p999' | 'max', compared: boolean) =>
  defineFigure({
    name,
    description: `${name} latency, ms (from the run's HDR histogram)`,
    unit: 'ms',
    better: 'lower',
    gate: 'median',
    compared,
    field: LATENCY_FIELD,
    value: (l) => l[pick] / 1000,
  });

export const P50 = percentile('p50', 'p50', true);
export const P90 = percentile('p90', 'p90', false);
export const P99 = percentile('p99', 'p99', true);
export const P999 = percentile('p99.9', 'p999', true);
export const MAX = percentile('max', 'max', false);
