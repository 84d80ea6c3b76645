/**
 * Throughput: 2xx answers per second of the measured window. Merged runs recompute it as 2xx answers over the
 * summed windows (never an average of rates).
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

export const RPS = defineFigure({
  name: 'rps',
  description: '2xx answers per second of the measured window',
  unit: 'req/s',
  better: 'higher',
  gate: 'median',
  compared: true,
  field: defineRunField({
    key: 'rps',
    schema: z.number().min(0),
    of: (row) => row.rps,
    merge: (_a, _b, m) => m.ok / (m.durationMs / 1000),
  }),
  value: (v) => v,
});
