/**
 * `consul-kv-bench compare <base.json> <head.json>`: per scenario, row and metric, the two medians with their
 * confidence intervals, the relative change, and whether it is significant (two-sided Wilcoxon signed-rank over
 * runs paired by time when base and head were measured interleaved, else Mann–Whitney U; α = 0.05,
 * at least {@link MIN_SAMPLES} runs a side; otherwise `~`, "no significance, no conclusion", as benchstat prints).
 * Pure: reads reports, measures nothing.
 *
 * @module
 */
import { FIGURES, type FigureRegistry, type MetricDef } from '../figures/index.ts';
import type { Report, ResultRow } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';

export type { MetricDef } from '../figures/index.ts';

import { type MedianCi, MIN_SAMPLES, medianCi, type RunPoint, testRuns } from '../stats/compare-stats.ts';

/**
 * The metrics `compare` and `gate` know, by the name budgets use: the gateable figures of the figure registry
 * (`harness/figures/`). Latencies in ms.
 */
export const METRICS: Readonly<Record<string, MetricDef>> = FIGURES.metrics();

/** The compared metrics, in output order (the registry's figures marked `compared`). */
export const COMPARED_METRICS: readonly string[] = FIGURES.compared();

/** The samples of one metric of a row (runs that lack it are left out). */
export function samples(row: ResultRow, metric: string, figures: FigureRegistry = FIGURES): number[] {
  return points(row, metric, figures).map((x) => x.value);
}

/** The samples of one metric of a row with each run's start time, for pairing interleaved runs. */
export function points(row: ResultRow, metric: string, figures: FigureRegistry = FIGURES): RunPoint[] {
  const def = figures === FIGURES ? METRICS[metric] : figures.metrics()[metric];
  if (!def) return [];
  return runsOf(row, figures).flatMap((run) => {
    const value = def.value(run);
    return value !== null && Number.isFinite(value) ? [{ value, startedAtMs: run.startedAtMs }] : [];
  });
}

/** One line of a comparison. */
export interface Comparison {
  readonly scenario: string;
  readonly row: string;
  readonly metric: string;
  readonly unit: string;
  readonly base: MedianCi;
  readonly head: MedianCi;
  /** (head − base) / base of the medians; null when base is 0. */
  readonly change: number | null;
  /**
   * Two-sided p-value ({@link testRuns}: Wilcoxon signed-rank over runs paired by time when they were measured
   * interleaved, else Mann–Whitney U); null when a side has fewer than {@link MIN_SAMPLES} samples.
   */
  readonly p: number | null;
  /** How the runs were tested: `paired` or `unpaired`; null without a test. */
  readonly method: 'paired' | 'unpaired' | null;
  /** p < alpha with enough samples. */
  readonly significant: boolean;
  /** The change goes the better way (only meaningful when significant). */
  readonly better: boolean;
}

/**
 * Compares every row present in both reports, scenario by scenario, on {@link COMPARED_METRICS}.
 * @param alpha significance level. Default 0.05.
 * @param figures the figure registry whose compared figures are compared. Default {@link FIGURES}.
 */
export function compareReports(
  base: Report,
  head: Report,
  alpha = 0.05,
  figures: FigureRegistry = FIGURES,
): Comparison[] {
  const out: Comparison[] = [];
  const metrics = figures === FIGURES ? METRICS : figures.metrics();
  const compared = figures === FIGURES ? COMPARED_METRICS : figures.compared();
  for (const hs of head.scenarios) {
    const bs = base.scenarios.find((s) => s.name === hs.name);
    if (!bs) continue;
    for (const hr of hs.results) {
      const br = bs.results.find((r) => r.client === hr.client);
      if (!br) continue;
      for (const metric of compared) {
        const bp = points(br, metric, figures);
        const hp = points(hr, metric, figures);
        if (bp.length === 0 || hp.length === 0) continue;
        const enough = bp.length >= MIN_SAMPLES && hp.length >= MIN_SAMPLES;
        const test = enough ? testRuns(bp, hp) : null;
        const p = test ? test.p : null;
        const bm = medianCi(bp.map((x) => x.value));
        const hm = medianCi(hp.map((x) => x.value));
        const change = bm.median === 0 ? null : (hm.median - bm.median) / Math.abs(bm.median);
        const def = metrics[metric]!;
        out.push({
          scenario: hs.name,
          row: hr.client,
          metric,
          unit: def.unit,
          base: bm,
          head: hm,
          change,
          p,
          method: test ? test.method : null,
          significant: p !== null && p < alpha,
          better: def.better === 'higher' ? hm.median > bm.median : hm.median < bm.median,
        });
      }
    }
  }
  return out;
}

/** A number as printed in comparisons: 3 significant digits, thousands kept whole. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US').replaceAll(',', ' ');
  if (a >= 1e-6) return Number(v.toPrecision(3)).toString();
  return v.toExponential(1);
}

/** `median ±CI` as benchstat prints it: the interval's larger distance from the median, as a percentage. */
export function fmtMedian(m: MedianCi): string {
  if (m.coverage === 0 || m.median === 0) return `${fmt(m.median)}`;
  const spread = Math.max(m.high - m.median, m.median - m.low) / Math.abs(m.median);
  return `${fmt(m.median)} ±${(spread * 100).toFixed(0)}%`;
}

/** The change column: `+12.3%` when significant, else `~`, with the p-value and sample counts. */
export function fmtChange(c: Comparison): string {
  const n = `n=${c.base.n}+${c.head.n}`;
  if (c.p === null) return `~ (${n}: need ≥ ${MIN_SAMPLES} runs a side, run --repeat ${MIN_SAMPLES})`;
  const paired = c.method === 'paired' ? ' paired' : '';
  if (!c.significant || c.change === null) return `~ (p=${c.p.toFixed(3)} ${n}${paired})`;
  return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}% (p=${c.p.toFixed(3)} ${n}${paired})`;
}
