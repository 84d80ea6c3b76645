/**
 * The figures of a row, one registry line each: the run summary's schema, `runSummary`, the per-figure merge,
 * `compare`'s metrics and the budgets' vocabulary are all derived from this list. A new figure is one file (its
 * `defineFigure`, plus the meter that measures it) and one line here; its place in the list is its place in
 * `compare`'s output.
 *
 * @module
 */

import { CONNECTIONS_PER_REQUEST, IN_FLIGHT_PEAK } from './connections.ts';
import { CONSUL_REQUESTS, CONSUL_REQUESTS_PER_REQUEST } from './consul-load.ts';
import { ERROR_RATE, ERRORS } from './errors.ts';
import type { RunCore, RunFieldsOf } from './figure.ts';
import { PROPAGATION_P99, RECOVERY_MS, STALE_SHARE } from './freshness.ts';
import { MAX, P50, P90, P99, P999 } from './latency.ts';
import {
  ALLOCATED_BYTES_PER_REQUEST,
  EXTERNAL_BYTES_PER_REQUEST,
  HEAP_BYTES_PER_REQUEST,
  PEAK_RSS_BYTES,
} from './memory.ts';
import { FigureRegistry } from './registry.ts';
import { LEAK_FIELD, LOAD_GENERATOR_FIELD, RECOVERED_FIELD } from './run-fields.ts';
import { RPS } from './throughput.ts';

/** Every figure, in output order. */
export const FIGURE_LIST = [
  RPS,
  P50,
  P90,
  P99,
  P999,
  MAX,
  ERRORS,
  ERROR_RATE,
  CONSUL_REQUESTS,
  CONSUL_REQUESTS_PER_REQUEST,
  HEAP_BYTES_PER_REQUEST,
  EXTERNAL_BYTES_PER_REQUEST,
  ALLOCATED_BYTES_PER_REQUEST,
  PEAK_RSS_BYTES,
  IN_FLIGHT_PEAK,
  CONNECTIONS_PER_REQUEST,
  PROPAGATION_P99,
  STALE_SHARE,
  RECOVERY_MS,
] as const;

/** Run fields that no figure reads. */
export const EXTRA_RUN_FIELDS = [LOAD_GENERATOR_FIELD, LEAK_FIELD, RECOVERED_FIELD] as const;

/** The default registry. */
export const FIGURES = new FigureRegistry(FIGURE_LIST, EXTRA_RUN_FIELDS);

/** The figures of one run of a row, as kept in `results[].runs[]` (`run --repeat N`). */
export type RunSummary = RunCore &
  RunFieldsOf<[...(typeof FIGURE_LIST)[number]['field'][], ...typeof EXTRA_RUN_FIELDS]>;

export { defineFigure, defineRunField, type FigureDef, type MergeRule, type RunField } from './figure.ts';
export { type AnyRunSummary, FigureRegistry, type MetricDef } from './registry.ts';
