#!/usr/bin/env node
/**
 * `consul-kv-bench`: the command line, a thin dispatcher. Parsing is commander's; each command is one module in
 * `harness/commands/` that validates its input before anything starts and returns an exit code, loaded only when
 * the command line names it (`--help` lists the others by their summary, without loading them). Here, errors
 * become one line and an exit code: 2 for bad input (the line names the fix), 1 for a failure, 130/143 when a run
 * was interrupted by SIGINT/SIGTERM (see `commands/run.ts`). `--verbose` adds stack traces and logs.
 *
 * @module
 */
import { Command } from 'commander';
import { BenchError } from './errors.ts';
import { isEntryPoint, PACKAGE_VERSION } from './package-paths.ts';

type Register = (program: Command) => void;

/**
 * The commands, in `--help` order: each one's summary for the top-level help, and its module, loaded only when the
 * command line names it (so `--help` and a mistyped command load no measuring code, statistics or charts).
 */
const COMMANDS: ReadonlyArray<readonly [name: string, usage: string, summary: string, load: () => Promise<Register>]> =
  [
    [
      'run',
      '[scenario...]',
      'measure clients in scenarios; write report.json, report.md and report.html',
      async () => (await import('./commands/run.ts')).registerRun,
    ],
    [
      'report',
      '<report...>',
      'render report.md and report.html again from report.json',
      async () => (await import('./commands/report.ts')).registerReport,
    ],
    [
      'publish',
      '',
      'the comparison report to commit (reports/README.md)',
      async () => (await import('./commands/publish.ts')).registerPublish,
    ],
    [
      'compare',
      '<base> <head>',
      'compare two reports: medians, CIs, significance; --fail-on-regression',
      async () => (await import('./commands/compare.ts')).registerCompare,
    ],
    [
      'gate',
      '<report...>',
      'check reports against budgets (exit 1 when one fails)',
      async () => (await import('./commands/gate.ts')).registerGate,
    ],
    [
      'pr-check',
      '',
      "the GitHub Action's steps: base and head in rounds, compare, gate",
      async () => (await import('./commands/pr-check.ts')).registerPrCheck,
    ],
    [
      'calibrate',
      '',
      "measure the gate's false-alarm rate and power on this machine",
      async () => (await import('./commands/calibrate.ts')).registerCalibrate,
    ],
    [
      'capacity',
      '<scenario>',
      'per row, the highest open-model rate that holds an SLO',
      async () => (await import('./commands/capacity.ts')).registerCapacity,
    ],
    [
      'ceiling',
      '',
      "benchmark the harness's own load generators",
      async () => (await import('./commands/ceiling.ts')).registerCeiling,
    ],
    ['list', '', 'list scenarios and clients', async () => (await import('./commands/list.ts')).registerList],
    [
      'init',
      '',
      'scaffold your repository: client module, budgets, leak test, workflow',
      async () => (await import('./commands/init.ts')).registerInit,
    ],
    [
      'provision',
      '',
      'find or build the Consul, Toxiproxy and Go service binaries',
      async () => (await import('./commands/provision.ts')).registerProvision,
    ],
  ];

/** The command the arguments name (`help <command>` names it too), or undefined. */
function namedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Builds the command tree: the named command in full, the others as their summary (enough for `--help` and for
 * commander's "unknown command" with its suggestion). Exported for tests of parsing.
 * @param argv the whole command line, as `process.argv`.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('consul-kv-bench')
    .description('Benchmark and diagnose Consul KV clients on Node.js against a real Consul')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
    .option('--verbose', "print stack traces and logs (e.g. the tail of Consul's log) with errors")
    .configureOutput({
      outputError: (str, write) => write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see --help)\n`),
    });
  program.exitOverride();
  const wanted = namedCommand(argv.slice(2));
  for (const [name, usage, summary, load] of COMMANDS) {
    if (name === wanted) (await load())(program);
    else {
      const stub = program.command(name).summary(summary).description(summary);
      for (const arg of usage.split(' ').filter(Boolean)) stub.argument(arg);
    }
  }
  return program;
}

/** Entry point: parses argv, runs the command, maps errors to one line and an exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const verbose = argv.includes('--verbose');
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander already printed its message (help, version, or a parse error).
      const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
      process.exitCode = shown.includes(e.code) ? 0 : 2;
      return;
    }
    if (err instanceof BenchError) {
      process.stderr.write(`consul-kv-bench: ${err.message}\n`);
      if (verbose) {
        if (err.details) process.stderr.write(`${err.details}\n`);
        process.stderr.write(`${err.stack ?? ''}\n`);
      }
      process.exitCode = err.isUsage ? 2 : 1;
      return;
    }
    const message = (err as Error)?.message ?? String(err);
    process.stderr.write(`consul-kv-bench: ${message} (run again with --verbose for details)\n`);
    if (verbose) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

if (isEntryPoint(import.meta.url)) await main();
