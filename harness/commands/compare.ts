/**
 * `consul-kv-bench compare <base> <head>`: medians with confidence intervals, change, and significance
 * (Wilcoxon signed-rank over runs paired by time when measured interleaved, else Mann–Whitney U; `~` when not significant) for every row both reports have. Reads reports; runs nothing.
 *
 * @module
 */
import path from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { markdownTable } from 'markdown-table';
import { compareReports, fmtChange, fmtMedian } from '../compare/compare-reports.ts';
import { usageError } from '../errors.ts';
import { readReport } from '../report/read-report.ts';
import type { Report } from '../report/report-schema.ts';
import { mergeReports } from '../results/merge.ts';
import { userCwd } from './cli-options.ts';

/** Reads a comma-separated list of report.json files and takes them together, run by run. */
async function readList(list: string, cwd: string): Promise<Report> {
  const files = list.split(',').filter(Boolean);
  return mergeReports(await Promise.all(files.map((f) => readReport(f, path.resolve(cwd, f)))));
}

/**
 * Runs `compare`.
 * @returns 0.
 * @throws {BenchError} `USAGE` for unreadable reports or reports that share no scenario and row.
 */
export async function compareCommand(
  baseFile: string,
  headFile: string,
  flags: { markdown?: boolean },
): Promise<number> {
  const cwd = userCwd();
  const rows = compareReports(await readList(baseFile, cwd), await readList(headFile, cwd));
  if (rows.length === 0) {
    throw usageError(`${baseFile} and ${headFile} share no scenario and row: compare reports of the same scenarios`);
  }
  const cells = rows.map((c) => [
    c.scenario,
    c.row,
    `${c.metric} (${c.unit})`,
    fmtMedian(c.base),
    fmtMedian(c.head),
    fmtChange(c),
  ]);
  const headRow = ['scenario', 'row', 'metric', 'base median', 'head median', 'change'];
  if (flags.markdown) process.stdout.write(`${markdownTable([headRow, ...cells])}\n`);
  else {
    const table = new Table({ head: headRow, style: { head: [], border: [] } });
    for (const c of cells) table.push(c);
    process.stdout.write(`${table.toString()}\n`);
  }
  process.stdout.write(
    'medians ± the larger half-width of their 95% confidence interval; change: two-sided Wilcoxon signed-rank over runs paired by time when measured interleaved (paired), else Mann–Whitney U, at α = 0.05; ~ = no significant difference\n',
  );
  return 0;
}

/** Adds `compare` to the program. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two report.json files: medians with confidence intervals, change, and significance (paired Wilcoxon signed-rank when the runs interleave, else Mann–Whitney U; ~ when not significant)',
    )
    .argument(
      '<base>',
      'report.json of the baseline (e.g. the main branch); several, comma-separated, are taken together run by run',
    )
    .argument('<head>', 'report.json of the change; several, comma-separated, are taken together')
    .option('--markdown', 'print a markdown table (for a pull-request comment) instead of the terminal table')
    .action(async (baseFile: string, headFile: string, flags: { markdown?: boolean }) => {
      process.exitCode = await compareCommand(baseFile, headFile, flags);
    });
}
