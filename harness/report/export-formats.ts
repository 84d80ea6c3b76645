/**
 * A report's figures in formats other tools read, rendered from `report.json` (measures nothing): the medians of
 * every gateable figure (the figure registry's, `harness/figures/`) per scenario and row, with their 95%
 * confidence interval over the row's runs (the sign-test interval `compare` uses; equal to the median with fewer
 * than 6 runs).
 *
 * - `csv`: one line per scenario, row and metric (RFC 4180, written by csv-stringify).
 * - `bmf`: Bencher Metric Format, `{ "<scenario>/<row>": { "<metric>": { value, lower_value, upper_value } } }`
 *   (https://bencher.dev/docs/reference/bencher-metric-format); each metric is its own Measure, in the unit the
 *   csv and `--json` give (ms for latencies, not Bencher's built-in `latency` in ns).
 * - `gab`: github-action-benchmark's `customSmallerIsBetter` input, `[{ name, unit, value, range, extra }]`
 *   (https://github.com/benchmark-action/github-action-benchmark). That tool takes one direction a file, so only
 *   the metrics where lower is better are in it (throughput is left out; `bmf` and `csv` have it).
 *
 * @module
 */
import { stringify } from 'csv-stringify/sync';
import { FIGURES, type FigureRegistry } from '../figures/index.ts';
import { runsOf } from '../results/merge.ts';
import { medianCi } from '../stats/compare-stats.ts';
import { rowFlags } from './markdown-report.ts';
import type { Report } from './report-schema.ts';

/** The export formats, as `--export` takes them. */
export const EXPORT_FORMATS = ['csv', 'bmf', 'gab'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One metric of one row, summarised over the row's runs. */
export interface MetricSummary {
  readonly scenario: string;
  readonly row: string;
  /** The figure's name, as budgets and `compare` use it (e.g. `p99`, `rps`). */
  readonly metric: string;
  /** Its unit (e.g. `ms`, `req/s`, `bytes`). */
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** Median over the runs that have it. */
  readonly median: number;
  /** Bounds of the median's 95% confidence interval (the median itself with fewer than 6 runs). */
  readonly low: number;
  readonly high: number;
  /** Runs the median is over. */
  readonly runs: number;
}

/**
 * Every gateable figure of every row of a report, in report and registry order; a metric no run of a row has is
 * left out of that row.
 * @param figures the figure registry. Default {@link FIGURES}.
 */
export function summarizeReport(report: Report, figures: FigureRegistry = FIGURES): MetricSummary[] {
  const metrics = figures.metrics();
  const out: MetricSummary[] = [];
  for (const s of report.scenarios) {
    for (const r of s.results) {
      const runs = runsOf(r, figures);
      for (const [metric, def] of Object.entries(metrics)) {
        const values = runs.map((run) => def.value(run)).filter((v): v is number => v !== null && Number.isFinite(v));
        if (values.length === 0) continue;
        const ci = medianCi(values);
        out.push({
          scenario: s.name,
          row: r.client,
          metric,
          unit: def.unit,
          better: def.better,
          median: ci.median,
          low: ci.low,
          high: ci.high,
          runs: values.length,
        });
      }
    }
  }
  return out;
}

/** A number as exported: 6 significant digits (the histograms' resolution is 3), no exponent for usual sizes. */
const num = (v: number): number => Number(v.toPrecision(6));

/** The lines of a summary as CSV, with a header line. */
export function toCsv(rows: readonly MetricSummary[]): string {
  return stringify(
    rows.map((r) => [r.scenario, r.row, r.metric, r.unit, r.better, num(r.median), num(r.low), num(r.high), r.runs]),
    { header: true, columns: ['scenario', 'row', 'metric', 'unit', 'better', 'median', 'ci_low', 'ci_high', 'runs'] },
  );
}

/** Bencher Metric Format: benchmark `<scenario>/<row>`, one Measure per metric. */
export function toBmf(rows: readonly MetricSummary[]): Record<string, Record<string, BmfMetric>> {
  const out: Record<string, Record<string, BmfMetric>> = {};
  for (const r of rows) {
    const key = `${r.scenario}/${r.row}`;
    const bench = out[key] ?? {};
    out[key] = bench;
    bench[r.metric] = { value: num(r.median), lower_value: num(r.low), upper_value: num(r.high) };
  }
  return out;
}

/** One BMF metric. */
export interface BmfMetric {
  readonly value: number;
  readonly lower_value: number;
  readonly upper_value: number;
}

/** One entry of github-action-benchmark's custom input. */
export interface GabEntry {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** `± <half-width>` of the confidence interval, in `unit`. */
  readonly range: string;
  readonly extra: string;
}

/** github-action-benchmark's `customSmallerIsBetter` input: the metrics where lower is better. */
export function toGab(rows: readonly MetricSummary[]): GabEntry[] {
  return rows
    .filter((r) => r.better === 'lower')
    .map((r) => ({
      name: `${r.scenario}/${r.row}/${r.metric}`,
      unit: r.unit,
      value: num(r.median),
      range: `± ${num(Math.max(r.high - r.median, r.median - r.low))}`,
      extra: `median of ${r.runs} run${r.runs === 1 ? '' : 's'}; 95% CI ${num(r.low)}–${num(r.high)}`,
    }));
}

/** A report in `format`, as text ending in a newline. */
export function exportReport(report: Report, format: ExportFormat, figures: FigureRegistry = FIGURES): string {
  const rows = summarizeReport(report, figures);
  if (format === 'csv') return toCsv(rows);
  return `${JSON.stringify(format === 'bmf' ? toBmf(rows) : toGab(rows), null, 2)}\n`;
}

/**
 * The summary `--json` prints: the package's version, where the reports are, and each row's metrics by name.
 * @param reports paths of the reports written (absent when none was).
 */
export function jsonSummary(
  report: Report,
  extra: { version: string; exitCode: number; reports?: Readonly<{ json: string; markdown: string; html: string }> },
  figures: FigureRegistry = FIGURES,
): unknown {
  const rows = summarizeReport(report, figures);
  return {
    tool: 'consul-kv-bench',
    version: extra.version,
    exitCode: extra.exitCode,
    ...(extra.reports ? { reports: extra.reports } : {}),
    scenarios: report.scenarios.map((s) => ({
      name: s.name,
      loadModel: s.loadModel,
      rows: s.results.map((r) => ({
        row: r.client,
        ...(r.leak ? { leak: r.leak.verdict } : {}),
        flags: rowFlags(r),
        metrics: Object.fromEntries(
          rows
            .filter((m) => m.scenario === s.name && m.row === r.client)
            .map((m) => [
              m.metric,
              { median: num(m.median), low: num(m.low), high: num(m.high), unit: m.unit, runs: m.runs },
            ]),
        ),
      })),
    })),
  };
}
