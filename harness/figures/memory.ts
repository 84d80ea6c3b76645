/**
 * The service's memory: bytes allocated per answered request (V8 heap, outside it, and both; estimated from V8's
 * heap and external memory around each GC, `v8.GCProfiler`), weighted by requests when runs merge, and its peak RSS
 * (the highest of the runs). Null for `consul-direct`, which has no service.
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

const perRequest = (
  name: 'heapBytesPerRequest' | 'externalBytesPerRequest' | 'allocatedBytesPerRequest',
  description: string,
  gate: 'median' | false,
  compared: boolean,
) =>
  defineFigure({
    name,
    description,
    unit: 'bytes',
    better: 'lower',
    gate,
    compared,
    field: defineRunField({
      key: name,
      schema: z.number().min(0).nullable(),
      of: (row) => row[name] ?? undefined,
      merge: 'weighted',
    }),
    value: (v) => v,
  });

export const HEAP_BYTES_PER_REQUEST = perRequest(
  'heapBytesPerRequest',
  'V8 heap bytes the service allocated per answered request',
  'median',
  false,
);
export const EXTERNAL_BYTES_PER_REQUEST = perRequest(
  'externalBytesPerRequest',
  'bytes outside the V8 heap (Buffer, ArrayBuffer) the service allocated per answered request',
  false,
  false,
);
export const ALLOCATED_BYTES_PER_REQUEST = perRequest(
  'allocatedBytesPerRequest',
  'all the memory the service allocated per answered request',
  'median',
  true,
);

export const PEAK_RSS_BYTES = defineFigure({
  name: 'peakRssBytes',
  description: "the service's highest resident memory in the window",
  unit: 'bytes',
  better: 'lower',
  gate: 'median',
  field: defineRunField({
    key: 'peakRssBytes',
    schema: z.int().min(0).nullable(),
    of: (row) => row.peakRssBytes,
    merge: 'max',
  }),
  value: (v) => v,
});
