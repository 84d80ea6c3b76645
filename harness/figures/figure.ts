/**
 * A figure of a row, declared once: its name (the metric `compare`, `gate` and budgets use), unit, better direction,
 * whether it can be gated, where one run keeps it in `report.json` (`results[].runs[]`, with its schema), how it is
 * read from a measured row, how repeated runs of a row merge it, and its column in tables. The registry
 * (`harness/figures/index.ts`) derives the run summary's schema, `runSummary`, the per-figure part of `mergeRun`,
 * compare's metrics, the budgets' vocabulary and the figure table from these declarations (fastify/benchmarks:
 * one small file and one registry line per contender; undici's one table per list that several files need).
 *
 * @module
 */
import type { z } from 'zod';
import type { MeasuredRow } from '../report/row-schema.ts';

/** The fields every run summary has whatever the registry holds (not figures: what the figures are computed from). */
export interface RunCore {
  /** Start of the measured window, ms since the Unix epoch (pairs interleaved runs). */
  readonly startedAtMs?: number | undefined;
  /** Measured wall time, ms. */
  readonly durationMs: number;
  /** Answers of any status. */
  readonly requests: number;
  /** 2xx answers. */
  readonly ok: number;
  /** The run's 2xx latency HDR histogram, µs, compressed base64. */
  readonly histogram: string;
}

/**
 * How the row's own field of a run field's key combines when runs of a row are merged (`run --repeat`, merged
 * reports): `sum` (counts), `max` (peaks), `weighted` (per-request figures, weighted by each run's requests), `none`
 * (the row has no such field, or the core merge handles it: the runs keep it), or a function of the two rows and the
 * merged core (counts already summed, latency from the merged histogram) for figures recomputed from others (RPS as
 * 2xx over the summed windows). `null` on either side gives `null` for `sum`, `max` and `weighted`.
 */
export type MergeRule =
  | 'sum'
  | 'max'
  | 'weighted'
  | 'none'
  | ((a: MeasuredRow, b: MeasuredRow, merged: MeasuredRow) => unknown);

/**
 * Where one run keeps a figure: a key of the run summary, its schema, how it is read from a measured row, and how
 * the row's field of that key merges. Several figures may read one field (p50 … max read `latencyUs`).
 */
export interface RunField<V = unknown, K extends string = string> {
  /** The key in `results[].runs[]` (and, for merge rules other than `none`, in `results[]`). */
  readonly key: K;
  /** Its zod schema (with `.describe()`, which goes into the published JSON Schema). */
  readonly schema: z.ZodType<V>;
  /** Its value in a run, from the measured row; `undefined` leaves it out of the run summary. */
  of(row: MeasuredRow): V | undefined;
  /** How the row's own field of this key merges across runs. */
  readonly merge: MergeRule;
}

/** A figure: a number per run that can be reported, compared and (if `gate` is set) budgeted. */
export interface FigureDef<V = unknown, K extends string = string> {
  /** The metric's name in `compare`, `gate` and budgets (`p99 < 50ms`). Unique in a registry. */
  readonly name: string;
  /** What it is, one sentence. */
  readonly description: string;
  /** Unit as printed (`ms`, `req/s`, `bytes`, `requests`, `share`, …); `ms` figures take `us`, `ms`, `s` in budgets. */
  readonly unit: string;
  /** Which direction is better. */
  readonly better: 'higher' | 'lower';
  /**
   * How a budget reads the runs by default: `median` for measures, `all` for counts of things that must not happen
   * (errors: `errors == 0` fails when any run had errors); `false`: reported, not comparable or budgeted.
   */
  readonly gate: 'median' | 'all' | false;
  /** In `compare`'s table (and history's trend) by default. Default false. */
  readonly compared?: boolean;
  /** Where one run keeps the figure. */
  readonly field: RunField<V, K>;
  /** The figure's value in one run, in `unit`, from its field (and the run's core counts); null when it lacks it. */
  value(field: V, run: RunCore): number | null;
}

/**
 * Declares a figure (typed by its field). Validates nothing at run time: the registry checks names and keys when it
 * is built ({@link FigureDef}).
 */
export function defineFigure<V, const K extends string>(def: FigureDef<V, K>): FigureDef<V, K> {
  return def;
}

/** Declares a run field (a place in `results[].runs[]`), shared by the figures that read it. */
export function defineRunField<V, const K extends string>(field: RunField<V, K>): RunField<V, K> {
  return field;
}

/** The run-summary fields of a list of figures and fields, by key, each optional (a run may lack it). */
export type RunFieldsOf<F extends readonly RunField<unknown, string>[]> = {
  readonly [X in F[number] as X['key']]?: X extends RunField<infer V, string> ? V : never;
};
