/**
 * A set of figures and the things derived from it: the run summary's schema (`results[].runs[]`), a run's summary
 * from a measured row, the per-figure part of merging two runs of a row, and the metrics `compare`, `gate` and
 * budgets know. The default set is `FIGURES` (`harness/figures/index.ts`); a test can build one with a figure more
 * and find it everywhere.
 *
 * @module
 */
import { z } from 'zod';
import type { MeasuredRow } from '../report/row-schema.ts';
import type { FigureDef, RunCore, RunField } from './figure.ts';

/** The core of every run summary (not figures: what figures are computed from). */
export const RUN_CORE_SHAPE = {
  startedAtMs: z
    .number()
    .min(0)
    .optional()
    .describe('start of the measured window, ms since the Unix epoch: pairs interleaved base and head runs'),
  durationMs: z.number().min(0),
  requests: z.int().min(0),
  ok: z.int().min(0),
  histogram: z.string().describe("this run's 2xx latency HDR histogram, µs, compressed base64"),
};

/** A run summary as the registry reads it: the core, and any field by key (read with {@link fieldOf}). */
export type AnyRunSummary = RunCore;

/** A run summary's field by key; `undefined` when the run lacks it. */
export function fieldOf(run: AnyRunSummary, key: string): unknown {
  return (run as unknown as Record<string, unknown>)[key];
}

/** A metric as `compare` and `gate` use it: a gateable figure with its value read from a run summary. */
export interface MetricDef {
  readonly better: 'higher' | 'lower';
  readonly unit: string;
  readonly judged: 'median' | 'all';
  readonly value: (run: AnyRunSummary) => number | null;
}

/** A weighted mean of a per-request figure of two rows, by their requests; null when either lacks it. */
function weighted(a: MeasuredRow, b: MeasuredRow, key: string): number | null | undefined {
  const x = (a as Record<string, unknown>)[key] as number | null | undefined;
  const y = (b as Record<string, unknown>)[key] as number | null | undefined;
  if (x === undefined && y === undefined) return undefined;
  if (x === null || y === null || x === undefined || y === undefined) return null;
  return (x * a.requests + y * b.requests) / Math.max(1, a.requests + b.requests);
}

/**
 * Figures and run fields, checked when built.
 * @throws {Error} when two figures share a name, or two different fields share a key.
 */
export class FigureRegistry {
  readonly figures: readonly FigureDef[];
  readonly fields: readonly RunField[];
  readonly #byName: ReadonlyMap<string, FigureDef>;

  /**
   * @param figures the figures, in output order.
   * @param extraFields run fields no figure reads (the leak verdict, the generator's load), kept in run summaries.
   */
  constructor(figures: readonly FigureDef[], extraFields: readonly RunField[] = []) {
    const byName = new Map<string, FigureDef>();
    const byKey = new Map<string, RunField>();
    for (const f of figures) {
      if (byName.has(f.name)) throw new Error(`two figures are named ${f.name}`);
      byName.set(f.name, f);
    }
    for (const field of [...figures.map((f) => f.field), ...extraFields]) {
      const seen = byKey.get(field.key);
      if (seen && seen !== field) throw new Error(`two different run fields have the key ${field.key}`);
      byKey.set(field.key, field);
    }
    this.figures = figures;
    this.fields = [...byKey.values()];
    this.#byName = byName;
  }

  /** A registry with these figures added (a test's, a plugin's). */
  with(...more: FigureDef[]): FigureRegistry {
    const extra = this.fields.filter((f) => !this.figures.some((x) => x.field === f));
    return new FigureRegistry([...this.figures, ...more], extra);
  }

  /** The figure of this name, if any. */
  figure(name: string): FigureDef | undefined {
    return this.#byName.get(name);
  }

  /** The zod schema of one run's summary (`results[].runs[]`): the core, then every field, each optional. */
  runSummarySchema() {
    const shape: Record<string, z.ZodType> = { ...RUN_CORE_SHAPE };
    for (const f of this.fields) shape[f.key] = (f.schema as z.ZodType).optional();
    return z.object(shape).describe('the figures of one run of a row (run --repeat)');
  }

  /** One run's summary from its measured row: the core, then every field the row has. */
  runSummary(row: MeasuredRow): AnyRunSummary {
    const out: Record<string, unknown> = {
      ...(row.startedAtMs !== undefined ? { startedAtMs: row.startedAtMs } : {}),
      durationMs: row.durationMs,
      requests: row.requests,
      ok: row.ok,
      histogram: row.histogram,
    };
    for (const f of this.fields) {
      const v = f.of(row);
      if (v !== undefined) out[f.key] = v;
    }
    return out as unknown as AnyRunSummary;
  }

  /**
   * The row fields that merge by a figure's rule, for two runs of a row and their merged core (counts summed,
   * latency from the merged histograms). Fields with rule `none` are left to the core merge. Sums, peaks and
   * weighted figures come first; figures recomputed from others (functions) then see them merged.
   */
  mergeFields(a: MeasuredRow, b: MeasuredRow, merged: MeasuredRow): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields) {
      if (f.merge === 'none' || typeof f.merge === 'function') continue;
      const x = (a as Record<string, unknown>)[f.key] as number | null | undefined;
      const y = (b as Record<string, unknown>)[f.key] as number | null | undefined;
      let v: number | null | undefined;
      if (f.merge === 'weighted') v = weighted(a, b, f.key);
      else if (x === undefined && y === undefined) v = undefined;
      else if (x === null || y === null || x === undefined || y === undefined) v = null;
      else v = f.merge === 'sum' ? x + y : Math.max(x, y);
      if (v !== undefined) out[f.key] = v;
    }
    const withSums = { ...merged, ...out } as MeasuredRow;
    for (const f of this.fields) {
      if (typeof f.merge !== 'function') continue;
      const v = f.merge(a, b, withSums);
      if (v !== undefined) out[f.key] = v;
    }
    return out;
  }

  /** The gateable figures as `compare` and `gate` use them, by name, in registry order. */
  metrics(): Readonly<Record<string, MetricDef>> {
    const out: Record<string, MetricDef> = {};
    for (const f of this.figures) {
      if (f.gate === false) continue;
      const { field, value } = f;
      out[f.name] = {
        better: f.better,
        unit: f.unit,
        judged: f.gate,
        value: (run) => {
          const v = fieldOf(run, field.key);
          return v === undefined || v === null ? null : value(v, run);
        },
      };
    }
    return out;
  }

  /** The figures `compare` shows by default, in registry order. */
  compared(): string[] {
    return this.figures.filter((f) => f.compared && f.gate !== false).map((f) => f.name);
  }
}
