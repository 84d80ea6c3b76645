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
import { loadBudgets } from '../gate/budgets.ts';
import { evaluateBudgets } from '../gate/gate.ts';
import { gateHeadline, gateJunit, gateMarkdown, gateTable } from '../gate/gate-output.ts';
import { readReport } from '../report/read-report.ts';
import { mergeReports } from '../results/merge.ts';
import { userCwd } from './cli-options.ts';

/** Options of `gate`. */
export interface GateFlags {
  /** Budgets file, YAML or JSON. */
  budgets: string;
  /** report.json files of the baseline (repeatable). */
  baseline: string[];
  /** Where to write JUnit XML. */
  junit?: string;
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
  const budgets = await loadBudgets(flags.budgets, path.resolve(cwd, flags.budgets));
  const head = await read(reportFiles);
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
  if (flags.junit) {
    const out = path.resolve(cwd, flags.junit);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, gateJunit(results));
    process.stdout.write(`JUnit XML: ${out}\n`);
  }
  return results.every((r) => r.pass) ? 0 : 1;
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
    .action(async (reportFiles: string[], flags: GateFlags) => {
      process.exitCode = await gateCommand(reportFiles, flags);
    });
}
