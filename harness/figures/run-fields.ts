/**
 * Run-summary fields that are not numbers to compare (figures read numbers): the load generator's load, the leak
 * verdict (budgeted as `leak == no-leak`) and whether reads recovered after a restart.
 *
 * @module
 */
import { z } from 'zod';
import { defineRunField } from './figure.ts';

export const LOAD_GENERATOR_FIELD = defineRunField({
  key: 'loadGenerator',
  schema: z
    .object({ elu: z.number().min(0).max(1), cpuPercent: z.number().min(0), saturated: z.boolean() })
    .describe('the load generator in this run'),
  of: (row) => row.loadGenerator,
  merge: (a, b) => ({
    elu: Math.max(a.loadGenerator.elu, b.loadGenerator.elu),
    cpuPercent: Math.max(a.loadGenerator.cpuPercent, b.loadGenerator.cpuPercent),
    saturated: a.loadGenerator.saturated || b.loadGenerator.saturated,
  }),
});

export const LEAK_FIELD = defineRunField({
  key: 'leak',
  schema: z.enum(['leak', 'no-leak', 'inconclusive']),
  of: (row) => row.leak?.verdict,
  merge: 'none',
});

export const RECOVERED_FIELD = defineRunField({
  key: 'recovered',
  schema: z.boolean(),
  of: (row) => row.recovery?.recovered,
  merge: 'none',
});
