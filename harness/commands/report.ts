/**
 * `consul-kv-bench report <report.json…>`: render `report.md` and `report.html` again from raw results, without
 * re-running (after a harness upgrade, or for a report copied elsewhere).
 *
 * @module
 */
import path from 'node:path';
import type { Command } from 'commander';
import { readReport } from '../report/read-report.ts';
import { rewriteRenderings } from '../report/report-writer.ts';
import { userCwd } from './cli-options.ts';

/**
 * Renders each report again beside its JSON.
 * @returns 0.
 * @throws {BenchError} `USAGE` when a file is missing or not a report.
 */
export async function reportCommand(files: readonly string[]): Promise<number> {
  const cwd = userCwd();
  for (const f of files) {
    const abs = path.resolve(cwd, f);
    const report = await readReport(f, abs);
    const out = await rewriteRenderings(report, abs);
    process.stdout.write(`report: ${out.markdown}\n        ${out.html}\n`);
  }
  return 0;
}

/** Adds `report` to the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'render report.md and report.html again from raw results, without re-running (written beside each report.json)',
    )
    .argument('<report...>', 'report.json files')
    .action(async (files: string[]) => {
      process.exitCode = await reportCommand(files);
    });
}
