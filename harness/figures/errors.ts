/**
 * Errors: failed requests of a run (non-2xx answers, the generator's timeouts, connection errors) and their share.
 * The row keeps them by cause (`errors`, merged cause by cause by the core merge); a run keeps the total.
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

/** A run's failed requests (`errors.total` of the run). */
export const ERRORS_FIELD = defineRunField({
  key: 'errors',
  schema: z.int().min(0).describe('errors.total of this run'),
  of: (row) => row.errors.total,
  merge: 'none',
});

export const ERRORS = defineFigure({
  name: 'errors',
  description: 'failed requests: non-2xx answers + timeouts + connection errors',
  unit: 'requests',
  better: 'lower',
  gate: 'all',
  compared: true,
  field: ERRORS_FIELD,
  value: (v) => v,
});

export const ERROR_RATE = defineFigure({
  name: 'errorRate',
  description: 'failed requests as a share of answered requests',
  unit: 'share',
  better: 'lower',
  gate: 'all',
  field: ERRORS_FIELD,
  value: (v, run) => v / Math.max(1, run.requests),
});
