/**
 * `consul-kv-bench compare <base> <head>`: medians with confidence intervals, change, and significance
 * (Wilcoxon signed-rank over runs paired by time when measured interleaved, else Mann–Whitney U; `~` when not
 * significant) for every row both reports have. Reads reports; runs nothing. `--json` and `--export` put a machine-
 * readable form on stdout (the tables then go to stderr); `--fail-on-regression` makes a significant worsening exit 1.
 *
 * @module
 */
import path from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { markdownTable } from 'markdown-table';
import { type Comparison, compareReports, fmtChange, fmtMedian } from '../compare/compare-reports.ts';
import { usageError } from '../errors.ts';
import { type ExportFormat, exportReport } from '../report/export-formats.ts';
import { readReport } from '../report/read-report.ts';
import type { Report } from '../report/report-schema.ts';
import { mergeReports } from '../results/merge.ts';
import { MIN_SAMPLES } from '../stats/compare-stats.ts';
import { machineOptions, outputErrorsAs, share, userCwd } from './cli-options.ts';

/** Reads a comma-separated list of report.json files and takes them together, run by run. */
async function readList(list: string, cwd: string): Promise<Report> {
  const files = list.split(',').filter(Boolean);
  return mergeReports(await Promise.all(files.map((f) => readReport(f, path.resolve(cwd, f)))));
}

/** Options of `compare`. */
export interface CompareFlags {
  /** Print a markdown table instead of the terminal table. */
  markdown?: boolean;
  /** Print a JSON summary of the comparison on stdout (tables go to stderr). */
  json?: boolean;
  /** Print the head report's figures in this format on stdout instead (csv also has base, change and p). */
  export?: ExportFormat;
  /**
   * Exit 1 when a metric is significantly worse, by more than this share (0.05 = 5%); `true` (the flag without a
   * value) is 0. Metrics with fewer than 6 values a side are listed as not tested; none testable at all is exit 2.
   */
  failOnRegression?: number | true;
}

/** A comparison's regressions: significant changes the worse way by more than `minChange` (a share). */
export function regressions(rows: readonly Comparison[], minChange: number): Comparison[] {
  return rows.filter((c) => c.significant && !c.better && c.change !== null && Math.abs(c.change) > minChange);
}

/**
 * Runs `compare`.
 * @returns 0, or 1 with `--fail-on-regression` when a metric is significantly worse.
 * @throws {BenchError} `USAGE` for unreadable reports, reports that share no scenario and row, and
 *   `--fail-on-regression` where no metric has 6 values a side (no test could find a regression).
 */
export async function compareCommand(baseFile: string, headFile: string, flags: CompareFlags): Promise<number> {
  const cwd = userCwd();
  const head = await readList(headFile, cwd);
  const rows = compareReports(await readList(baseFile, cwd), head);
  if (rows.length === 0) {
    throw usageError(`${baseFile} and ${headFile} share no scenario and row: compare reports of the same scenarios`);
  }
  const minChange = flags.failOnRegression === true ? 0 : flags.failOnRegression;
  const untested = rows.filter((c) => c.p === null);
  if (minChange !== undefined && untested.length === rows.length) {
    const short = untested[0]!;
    throw usageError(
      `compare --fail-on-regression needs ≥ ${MIN_SAMPLES} runs a side to test a change (${short.scenario}/${short.row} has ${short.base.n} base and ${short.head.n} head): measure both with --repeat ${MIN_SAMPLES}`,
    );
  }
  const worse = minChange === undefined ? [] : regressions(rows, minChange);
  const code = worse.length > 0 ? 1 : 0;
  const machine = flags.json || flags.export !== undefined;
  const human = machine ? process.stderr : process.stdout;
  human.write(flags.markdown ? comparisonMarkdown(rows) : comparisonTable(rows));
  human.write(
    'medians ± the larger half-width of their 95% confidence interval; change: two-sided Wilcoxon signed-rank over runs paired by time when measured interleaved (paired), else Mann–Whitney U, at α = 0.05; ~ = no significant difference\n',
  );
  for (const c of worse) {
    human.write(`regression: ${c.scenario}/${c.row} ${c.metric} ${fmtChange(c)}\n`);
  }
  if (minChange !== undefined && untested.length > 0) {
    // a metric some runs lack (e.g. a row without a value in one run) has fewer samples than its row's runs
    human.write(
      `not tested (fewer than ${MIN_SAMPLES} values a side): ${untested.map((c) => `${c.scenario}/${c.row} ${c.metric} (${c.base.n}+${c.head.n})`).join(', ')}\n`,
    );
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ exitCode: code, comparisons: rows }, null, 2)}\n`);
  else if (flags.export === 'csv') process.stdout.write(comparisonCsv(rows));
  else if (flags.export) process.stdout.write(exportReport(head, flags.export));
  return code;
}

const HEAD_ROW = ['scenario', 'row', 'metric', 'base median', 'head median', 'change'];

const cellsOf = (rows: readonly Comparison[]): string[][] =>
  rows.map((c) => [c.scenario, c.row, `${c.metric} (${c.unit})`, fmtMedian(c.base), fmtMedian(c.head), fmtChange(c)]);

/** The comparison as a markdown table. */
function comparisonMarkdown(rows: readonly Comparison[]): string {
  return `${markdownTable([HEAD_ROW, ...cellsOf(rows)])}\n`;
}

/** The comparison as a terminal table. */
function comparisonTable(rows: readonly Comparison[]): string {
  const table = new Table({ head: HEAD_ROW, style: { head: [], border: [] } });
  for (const c of cellsOf(rows)) table.push(c);
  return `${table.toString()}\n`;
}

/** The comparison as CSV: one line per scenario, row and metric. */
function comparisonCsv(rows: readonly Comparison[]): string {
  return stringify(
    rows.map((c) => [
      c.scenario,
      c.row,
      c.metric,
      c.unit,
      c.base.median,
      c.base.n,
      c.head.median,
      c.head.n,
      c.change ?? '',
      c.p ?? '',
      c.method ?? '',
      c.significant,
      c.significant ? (c.better ? 'better' : 'worse') : '',
    ]),
    {
      header: true,
      columns: [
        'scenario',
        'row',
        'metric',
        'unit',
        'base_median',
        'base_runs',
        'head_median',
        'head_runs',
        'change',
        'p',
        'test',
        'significant',
        'direction',
      ],
    },
  );
}

/** Adds `compare` to the program. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .configureOutput(outputErrorsAs('compare'))
    .description(
      'compare two report.json files: medians with confidence intervals, change, and significance (paired Wilcoxon signed-rank when the runs interleave, else Mann–Whitney U; ~ when not significant). Exit 0, or 1 with --fail-on-regression when a metric is significantly worse',
    )
    .argument(
      '<base>',
      'report.json of the baseline (e.g. the main branch); several, comma-separated, are taken together run by run',
    )
    .argument('<head>', 'report.json of the change; several, comma-separated, are taken together')
    .option('--markdown', 'print a markdown table (for a pull-request comment) instead of the terminal table')
    .addOption(machineOptions.json())
    .addOption(machineOptions.export())
    .option(
      '--fail-on-regression [change]',
      'exit 1 when a metric is significantly worse by more than change (default 0; e.g. 5%); needs ≥ 6 runs a side',
      share('--fail-on-regression'),
    )
    .action(async (baseFile: string, headFile: string, flags: CompareFlags) => {
      process.exitCode = await compareCommand(baseFile, headFile, flags);
    });
}
