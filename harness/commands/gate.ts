/**
 * `consul-kv-bench gate --budgets <file> <report…>`: check reports against latency budgets, optionally against a
 * baseline measured on the same runner. Exit 0 when every budget holds, 1 when one failed, 2 on bad input.
 * Reads reports; runs nothing.
 *
 * @module
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../errors.ts';
import { loadBudgets } from '../gate/budgets.ts';
import { evaluateBudgets } from '../gate/gate.ts';
import {
  gateHeadline,
  gateJunit,
  gateMarkdown,
  gateTable,
  historyMarkdown,
  historyTable,
} from '../gate/gate-output.ts';
import { appendHistory, historyEntry, historyFalseAlarm, judgeHistory, readHistory } from '../gate/history.ts';
import { renderTrendHtml } from '../gate/history-html.ts';
import { readReport } from '../report/read-report.ts';
import { mergeReports } from '../results/merge.ts';
import { positiveInt, userCwd } from './cli-options.ts';

/** Options of `gate`. */
export interface GateFlags {
  /** Budgets file, YAML or JSON. */
  budgets: string;
  /** report.json files of the baseline (repeatable). */
  baseline: string[];
  /** Where to write JUnit XML. */
  junit?: string;
  /** `--history <file.jsonl>`: judge the head against the rolling median of past runs. */
  history?: string;
  /** `--record`: append this run to the history (on the default branch). */
  record?: boolean;
  /** `--history-window <n>`: runs in the rolling window. Default 10. */
  historyWindow: number;
  /**
   * `--history-fail`: a regression against history fails the gate (default: reported only), when the checks'
   * false-alarm bound is within the budgets' `alpha` (`historyFalseAlarm`); else they are reported.
   */
  historyFail?: boolean;
  /** `--trend <file.html>`: the trend page. Default `<history>.html` beside the history file. */
  trend?: string;
}

/**
 * Runs `gate`; appends a markdown summary to `$GITHUB_STEP_SUMMARY` when it is set.
 * @returns 0 every budget holds, 1 a budget failed.
 * @throws {BenchError} `USAGE` for a bad budgets file or an unreadable report (exit 2).
 */
export async function gateCommand(reportFiles: readonly string[], flags: GateFlags): Promise<number> {
  const cwd = userCwd();
  const read = async (files: readonly string[]) =>
    mergeReports(await Promise.all(files.map((f) => readReport(f, path.resolve(cwd, f)))));
  const head = await read(reportFiles);
  // Rows of users' client modules are known from the reports being gated.
  const reportRows = [...new Set(head.scenarios.flatMap((s) => s.results.map((r) => r.client)))];
  const budgets = await loadBudgets(flags.budgets, path.resolve(cwd, flags.budgets), reportRows);
  const baseline = flags.baseline.length ? await read(flags.baseline) : undefined;
  const results = evaluateBudgets(budgets, head, baseline);
  const against = baseline
    ? ` against the baseline ${flags.baseline.join(', ')} (alpha ${budgets.alpha}, minEffect ${(budgets.minEffect * 100).toFixed(0)}%)`
    : '';
  const env = head.environment;
  const context = `Budgets ${flags.budgets} on ${reportFiles.join(', ')}${against}; measured ${head.createdAt} on ${env.cpuModel} (${env.cpuCount} CPUs), Node ${env.node}, Consul ${env.consul.version}.`;
  process.stdout.write(`${gateTable(results)}\n${gateHeadline(results)}\n`);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await appendFile(process.env.GITHUB_STEP_SUMMARY, `${gateMarkdown(results, context)}\n`);
  }
  let historyRegressions = 0;
  let historyCanFail = false;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (flags.history) {
    const abs = path.resolve(cwd, flags.history);
    const history = await readHistory(flags.history, abs);
    const judged = judgeHistory(budgets, head, history, { window: flags.historyWindow });
    historyRegressions = judged.filter((r) => r.verdict === 'regression').length;
    const fa = historyFalseAlarm(judged, budgets.alpha);
    historyCanFail = fa.checks > 0 && fa.family <= budgets.alpha;
    process.stdout.write(`${historyTable(judged)}\n`);
    process.stdout.write(
      `history false alarms: at most ${pct(fa.perCheck)} a check, ${pct(fa.family)} over ${fa.checks} check(s) (rank test; a window of ${fa.windowForAlpha} runs keeps it within alpha ${budgets.alpha})${flags.historyFail && !historyCanFail ? ': too high for --history-fail to fail the gate, regressions are reported' : ''}\n`,
    );
    process.stdout.write(
      `history: ${judged.length} row metric(s) against the last ${Math.min(flags.historyWindow, history.length)} recorded run(s); ${historyRegressions} regression(s)${historyRegressions && !flags.historyFail ? ' (reported; --history-fail makes them fail the gate)' : ''}\n`,
    );
    if (process.env.GITHUB_STEP_SUMMARY)
      await appendFile(process.env.GITHUB_STEP_SUMMARY, `${historyMarkdown(judged, flags.historyWindow)}\n`);
    const trend = path.resolve(cwd, flags.trend ?? `${flags.history.replace(/\.jsonl?$/, '')}.html`);
    await mkdir(path.dirname(trend), { recursive: true });
    await writeFile(trend, renderTrendHtml(history, judged, { window: flags.historyWindow }));
    process.stdout.write(`trend: ${trend}\n`);
    if (flags.record) {
      await appendHistory(
        abs,
        historyEntry(head, { commit: process.env.GITHUB_SHA, ref: process.env.GITHUB_REF_NAME }),
      );
      process.stdout.write(`recorded this run in ${flags.history} (${history.length + 1} runs)\n`);
    }
  } else if (flags.record) throw usageError('--record appends to a history file: add --history <file.jsonl>');
  if (flags.junit) {
    const out = path.resolve(cwd, flags.junit);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, gateJunit(results));
    process.stdout.write(`JUnit XML: ${out}\n`);
  }
  return results.every((r) => r.pass) && !(flags.historyFail && historyCanFail && historyRegressions > 0) ? 0 : 1;
}

/** Adds `gate` to the program. */
export function registerGate(program: Command): void {
  program
    .command('gate')
    .description(
      'check a report against latency budgets (k6-style thresholds, relative budgets); exit 0 all hold, 1 a budget failed, 2 bad input',
    )
    .requiredOption('--budgets <file>', 'budgets file, YAML or JSON (see docs/examples/budgets.yml)')
    .argument('<report...>', 'report.json files of the run to gate (their scenarios are taken together)')
    .option(
      '--baseline <report>',
      'report.json of the baseline measured on the same runner (repeatable): a violated budget then fails only on a significant regression larger than minEffect',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--junit <file>', 'also write JUnit XML, one test case per budget')
    .option(
      '--history <file.jsonl>',
      'judge the head against the rolling median of the runs recorded in this file (Bencher-style), beside the same-run baseline; writes the trend page',
    )
    .option('--record', "append this run's row medians to --history (do it on the default branch)")
    .option('--history-window <n>', 'runs in the rolling window', positiveInt('--history-window'), 10)
    .option('--history-fail', 'a regression against history fails the gate (default: reported, not failed)')
    .option('--trend <file.html>', 'where the trend page goes (default: the history file with .html)')
    .action(async (reportFiles: string[], flags: GateFlags) => {
      process.exitCode = await gateCommand(reportFiles, flags);
    });
}
