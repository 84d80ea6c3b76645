/**
 * Measures validated scenarios in one session: Consul started, every row run, the report written after every row
 * (so a failure or a signal loses nothing measured), everything stopped. The body of `run`, `calibrate` and
 * `publish` and of the library's `runScenarios`; the commands add the progress display and the closing tables.
 * Loads no CLI code.
 *
 * @module
 */
import path from 'node:path';
import { usageError } from '../errors.ts';
import type { Report } from '../report/report-schema.ts';
import { runDirName, type WrittenReport, writeReport } from '../report/report-writer.ts';
import { BenchRun } from '../run/bench-run.ts';
import type { RunEmitter } from '../run/run-events.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { resolveCustomClients } from './paths.ts';
import type { RunOptions } from './run-options.ts';
import { scenarioConsuls, withConsul } from './session.ts';

/** Options of {@link measureScenarios} beyond the run's own ({@link RunOptions}: consul, out, clientModules, …). */
export interface MeasureOptions
  extends Pick<RunOptions, 'consul' | 'out' | 'clientModules' | 'profile' | 'repeat' | 'acl' | 'allowRemoteConsul'> {
  /** The command line (or library call) recorded in the report. */
  readonly command: string;
  /** Base of relative paths (`out`, `clientModules`). */
  readonly cwd: string;
  /** Handle SIGINT/SIGTERM (the commands). Default true. */
  readonly handleSignals?: boolean;
  /** The caller's stop signal. */
  readonly signal?: AbortSignal;
  /** Progress lines (Consul's start, provisioning). Default: stderr. */
  readonly onProgress?: (line: string) => void;
  /** Called once the run is set up with its events (`row-done`, `phase`, …): subscribe for progress. */
  readonly onRun?: (events: RunEmitter) => void;
}

/** What {@link measureScenarios} returns. */
export interface Measured {
  /** 0 every row measured, 1 a row failed, 130/143 a signal stopped the run. */
  readonly code: number;
  /** The raw results (undefined only when Consul never started). */
  readonly report: Report | undefined;
  /** Where the report was written (when `out` was given). */
  readonly written: WrittenReport | undefined;
}

/**
 * Runs every row of the scenarios in one session.
 * @throws {BenchError} usage errors (`USAGE`, exit 2: a restart scenario with an external Consul, a bad client
 *   module) and failures that end the run (`CONSUL_*`, `TOXIPROXY_UNAVAILABLE`), after writing what was measured.
 */
export async function measureScenarios(scenarios: readonly Scenario[], options: MeasureOptions): Promise<Measured> {
  const backend = options.consul ?? 'auto';
  const restarts = scenarios.filter((s) => s.restart).map((s) => s.name);
  if (restarts.length > 0 && backend === 'external') {
    throw usageError(
      `${restarts.join(', ')} stops and starts Consul, which the harness cannot do to an external one: drop --consul external (it then runs a Consul server of its own for that scenario)`,
    );
  }
  const outDir = options.out ? path.resolve(options.cwd, options.out) : undefined;
  const customClients = resolveCustomClients(options.clientModules ?? [], options.cwd);
  let run: BenchRun | undefined;
  let written: WrittenReport | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const save = (): Promise<unknown> => {
    if (!run || !outDir) return writing;
    const report = run.report;
    writing = writing.then(async () => (written = await writeReport(report, outDir)));
    return writing;
  };
  const code = await withConsul(
    {
      backend,
      // the first scenario's; a later one that differs gets a Consul of its own (external: the address's scheme)
      httpMaxConnsPerClient: scenarios[0]!.consul.httpMaxConnsPerClient,
      tls: scenarios[0]!.consul.tls,
      acl: options.acl ?? false,
      allowRemote: options.allowRemoteConsul ?? false,
      ...(options.handleSignals !== undefined ? { handleSignals: options.handleSignals } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    async ({ consul, teardown, signal, progress, signalled }) => {
      const createdAt = new Date().toISOString();
      const runDirRelative = path.join('runs', runDirName(createdAt));
      const profiler =
        options.profile && outDir
          ? (await import('../profile/service-profiler.ts')).createServiceProfiler(
              options.profile,
              outDir,
              runDirRelative,
            )
          : undefined;
      run = new BenchRun({
        createdAt,
        consul,
        scenarios,
        command: options.command,
        teardown,
        signal,
        customClients,
        repeat: options.repeat ?? 1,
        ...scenarioConsuls(consul, progress, signal),
        ...(profiler ? { profiler } : {}),
      });
      options.onRun?.(run);
      run.on('report', () => void save());
      await run.run();
      await save();
      const sig = signalled();
      if (sig) return sig === 'SIGINT' ? 130 : 143;
      return run.report.failures.length > 0 ? 1 : 0;
    },
    async (interrupted) => {
      if (!run) return;
      run.report.status = interrupted ? 'interrupted' : 'failed';
      run.report.finishedAt = new Date().toISOString();
      await save().catch(() => {});
      if (written) process.stderr.write(`results measured so far: ${written.json}\n`);
    },
  );
  return { code, report: run?.report, written };
}
