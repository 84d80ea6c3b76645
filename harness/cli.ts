#!/usr/bin/env node
/**
 * `consul-kv-bench`: the command line, a thin dispatcher. Parsing is commander's; each command is one module in
 * `harness/commands/` that validates its input before anything starts and returns an exit code. Here, errors
 * become one line and an exit code: 2 for bad input (the line names the fix), 1 for a failure, 130/143 when a run
 * was interrupted by SIGINT/SIGTERM (see `commands/run.ts`). `--verbose` adds stack traces and logs.
 *
 * @module
 */
import { Command } from 'commander';
import { registerCalibrate } from './commands/calibrate.ts';
import { registerCapacity } from './commands/capacity.ts';
import { registerCeiling } from './commands/ceiling.ts';
import { registerCompare } from './commands/compare.ts';
import { registerGate } from './commands/gate.ts';
import { registerInit } from './commands/init.ts';
import { registerList } from './commands/list.ts';
import { registerPrCheck } from './commands/pr-check.ts';
import { registerProvision } from './commands/provision.ts';
import { registerPublish } from './commands/publish.ts';
import { registerReport } from './commands/report.ts';
import { registerRun } from './commands/run.ts';
import { BenchError } from './errors.ts';
import { isEntryPoint } from './package-paths.ts';

/** The commands, in `--help` order. */
const COMMANDS = [
  registerRun,
  registerReport,
  registerPublish,
  registerCompare,
  registerGate,
  registerPrCheck,
  registerCalibrate,
  registerCapacity,
  registerCeiling,
  registerList,
  registerInit,
  registerProvision,
];

/** Builds the command tree. Exported for tests of parsing. */
export function buildProgram(): Command {
  const program = new Command('consul-kv-bench')
    .description('Benchmark and diagnose Consul KV clients on Node.js against a real Consul')
    .option('--verbose', "print stack traces and logs (e.g. the tail of Consul's log) with errors")
    .configureOutput({
      outputError: (str, write) => write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see --help)\n`),
    });
  program.exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Entry point: parses argv, runs the command, maps errors to one line and an exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const verbose = argv.includes('--verbose');
  try {
    await buildProgram().parseAsync(argv);
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
