/**
 * `consul-kv-bench run [scenario…]`: measure every row of the given scenarios against a real Consul and write
 * `report.json`, `report.md` and `report.html`; `--json` / `--export <format>` also put a summary or the figures on
 * stdout (the tables then on stderr). Bad input exits 2 before anything starts; a failed row exits 1
 * with every other row kept; SIGINT exits 130 and SIGTERM 143 after stopping everything the run started and
 * writing what it measured (a second signal stops at once).
 *
 * The flags are built from the run options' table (`harness/session/run-options.ts`), which the library's
 * `runScenarios` shares; the session itself is `harness/session/`.
 *
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_SCENARIO } from '../../scenarios/index.ts';
import { PACKAGE_VERSION } from '../package-paths.ts';
import { attachProgress } from '../progress.ts';
import { type ExportFormat, exportReport, jsonSummary } from '../report/export-formats.ts';
import { renderTerminalTable } from '../report/terminal-table.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { type MeasureOptions, measureScenarios as measure } from '../session/measure.ts';
import { userCwd } from '../session/paths.ts';
import { type RunOptions, scenarioOverrides } from '../session/run-options.ts';
import { addRunOptions, machineOptions, outputErrorsAs } from './cli-options.ts';

/** Where `run` puts a machine-readable form of its results: on stdout, the tables then on stderr. */
export interface MachineOutput {
  /** Print a JSON summary (`jsonSummary` in `harness/report/export-formats.ts`). */
  json?: boolean;
  /** Print the figures in another tool's format. */
  export?: ExportFormat;
}

/** Options of `run`, as commander parses them: the run options by their library names, and the output's form. */
export type RunFlags = RunOptions & MachineOutput;

/**
 * Runs the `run` command.
 * @param argv the command line after `node cli.ts`, for the report.
 * @returns the exit code: 0 every row measured, 1 a row failed, 130/143 interrupted.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1), after writing what was measured.
 */
export async function runCommand(scenarioArgs: string[], flags: RunFlags, argv: string[]): Promise<number> {
  const names = scenarioArgs.length > 0 ? scenarioArgs : [DEFAULT_SCENARIO];
  const overrides = scenarioOverrides(flags);
  const scenarios: Scenario[] = names.map((name) => applyOverrides(loadScenario(name), overrides));
  return measureScenarios(scenarios, flags, argv, flags);
}

/**
 * Measures validated scenarios as a command (`run`, `calibrate`, `publish`): the session's measurement
 * (`harness/session/measure.ts`) with a progress display, then the terminal tables and where the reports are.
 * @returns the exit code: 0 every row measured, 1 a row failed, 130/143 interrupted.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1), after writing what was measured.
 */
export async function measureScenarios(
  scenarios: readonly Scenario[],
  flags: Pick<RunOptions, 'consul' | 'out' | 'clientModules' | 'profile' | 'repeat' | 'acl' | 'allowRemoteConsul'>,
  argv: string[],
  output: MachineOutput = {},
): Promise<number> {
  const options: MeasureOptions = {
    ...flags,
    command: ['consul-kv-bench', ...argv].join(' '),
    cwd: userCwd(),
    onRun: attachProgress,
  };
  const { code, report, written } = await measure(scenarios, options);
  const machine = output.json || output.export !== undefined;
  const human = machine ? process.stderr : process.stdout;
  for (const s of report?.scenarios ?? []) human.write(renderTerminalTable(s) + '\n');
  if (written) human.write(reportPaths(written));
  if (report && output.json) {
    const summary = jsonSummary(report, {
      version: PACKAGE_VERSION,
      exitCode: code,
      ...(written ? { reports: written } : {}),
    });
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (report && output.export) process.stdout.write(exportReport(report, output.export));
  return code;
}

/** The closing lines of a run: where the reports are, the HTML one as a file:// URL to open in a browser. */
function reportPaths(written: { json: string; markdown: string; html: string }): string {
  return [
    `report: ${written.markdown}`,
    `        ${written.json}`,
    `HTML report (charts; open in a browser): ${pathToFileURL(path.resolve(written.html)).href}`,
    '',
  ].join('\n');
}

/** Adds `run` to the program. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .configureOutput(outputErrorsAs('run'))
    .description(
      `measure every client in the given scenarios (default: ${DEFAULT_SCENARIO}) and write report.json, report.md and report.html (charts)`,
    )
    .argument('[scenario...]', `scenarios to run: ${scenarioNames().join(', ')}`);
  addRunOptions(command);
  command.addOption(machineOptions.json()).addOption(machineOptions.export());
  command.action(async (scenarios: string[], flags: RunFlags) => {
    process.exitCode = await runCommand(scenarios, flags, process.argv.slice(2));
  });
}
