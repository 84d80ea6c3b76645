/**
 * The library API of `consul-kv-bench` (the package's main export): run scenarios, start and stop Consul, judge a
 * leak, compare reports and gate them on budgets, from a script of your own. The command line (`consul-kv-bench`)
 * is built on the same functions. The in-process leak check for a test suite is `consul-kv-bench/testing`.
 *
 * ```ts
 * import { runScenarios, evaluateBudgets, loadBudgets } from 'consul-kv-bench';
 * const report = await runScenarios({ scenarios: ['light'], quick: true, clientModules: ['./consul-kv-client.ts'] });
 * const results = evaluateBudgets(await loadBudgets('budgets.yml', path.resolve('budgets.yml')), report);
 * ```
 *
 * @module
 */
import path from 'node:path';
import { DEFAULT_SCENARIO } from '../scenarios/index.ts';
import { resolveCustomClients } from './commands/cli-options.ts';
import { scenarioConsuls } from './commands/run.ts';
import { startConsul } from './consul/consul-server.ts';
import type { ConsulBackendChoice } from './consul/consul-types.ts';
import { Teardown } from './lifecycle.ts';
import type { Report } from './report/report-schema.ts';
import { type WrittenReport, writeReport } from './report/report-writer.ts';
import { BenchRun } from './run/bench-run.ts';
import type { RunEmitter } from './run/run-events.ts';
import { loadScenario } from './scenario/load-scenario.ts';
import { applyOverrides, type ScenarioOverrides } from './scenario/scenario-overrides.ts';

export { CLIENT_NAMES } from '../clients/index.ts';
export type * from '../clients/kv-client.ts';
export { SCENARIOS } from '../scenarios/index.ts';
export { type Comparison, compareReports } from './compare/compare-reports.ts';
export { startConsul } from './consul/consul-server.ts';
export type { ConsulBackendChoice, StartConsulOptions, StartedConsul } from './consul/consul-types.ts';
export {
  judgeLeak,
  type LeakVerdict,
  ORPHAN_LIMIT,
  type PhaseBounds,
  type VerdictSample,
} from './diagnosis/leak-verdict.ts';
export { BenchError, type BenchErrorCode } from './errors.ts';
export { type Budgets, loadBudgets, parseBudgets } from './gate/budgets.ts';
export { type BudgetResult, evaluateBudgets } from './gate/gate.ts';
export { readReport } from './report/read-report.ts';
export type { Report, ResultRow, ScenarioResult } from './report/report-schema.ts';
export { type WrittenReport, writeReport } from './report/report-writer.ts';
export { mergeReports } from './results/merge.ts';
export type { BenchRunEvents, RunEmitter } from './run/run-events.ts';

/** Options of {@link runScenarios}. Every field is optional. */
export interface RunScenariosOptions {
  /** Scenario names (see `consul-kv-bench list`). Default `['articles']`. */
  readonly scenarios?: readonly string[];
  /** Rows to run in each scenario (its row names or registered clients). Default: the scenario's own rows. */
  readonly clients?: readonly string[];
  /**
   * Your own client modules (`.ts`, `.js` or `.mjs`, exporting a factory; see `clients/examples/my-client.ts`),
   * run as extra rows. Relative paths are resolved against `cwd`. Default none.
   */
  readonly clientModules?: readonly string[];
  /** Short phases from each scenario's `quick` block. Default `false`. */
  readonly quick?: boolean;
  /** Open model at this arrival rate, req/s. Default: the scenario's load model. */
  readonly rate?: number;
  /** Runs per row, interleaved. Default 1. */
  readonly repeat?: number;
  /** Where Consul comes from. Default `'auto'` (a container when a runtime answers, else a local agent). */
  readonly consul?: ConsulBackendChoice;
  /** Writes report.json, report.md and report.html here after the run (relative to `cwd`). Default: not written. */
  readonly out?: string;
  /** Base of relative paths. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Stops the run after the current phase; the report then has status `interrupted`. */
  readonly signal?: AbortSignal;
  /** Progress lines (Consul start, provisioning). Default: none printed. */
  readonly onProgress?: (line: string) => void;
  /**
   * Called once the run is set up, with its event emitter (`scenario-start`, `row-start`, `phase`, `tick`,
   * `row-done`, `row-failed`, `report`, `notice`; see {@link BenchRunEvents}): subscribe for progress.
   */
  readonly onRun?: (events: RunEmitter) => void;
}

/** What {@link runScenarios} returns. */
export interface RunScenariosResult {
  /** The raw results (the schema of `reports/report.schema.json`). */
  readonly report: Report;
  /** Where it was written, when `out` was given. */
  readonly written?: WrittenReport;
}

/**
 * Measures scenarios against a real Consul, as `consul-kv-bench run` does, and stops everything it started
 * (Consul, Toxiproxy, the services) before it returns or throws.
 * @throws {BenchError} `USAGE` (unknown scenario, row or client module), `CONSUL_*` when Consul cannot start or
 *   stops answering, `TOXIPROXY_UNAVAILABLE` for fault scenarios without Toxiproxy. A row that fails does not
 *   throw: it is listed in `report.failures`.
 */
export async function runScenarios(options: RunScenariosOptions = {}): Promise<RunScenariosResult> {
  const cwd = options.cwd ?? process.cwd();
  const overrides: ScenarioOverrides = {
    ...(options.quick ? { quick: true } : {}),
    ...(options.rate !== undefined ? { rate: options.rate } : {}),
    ...(options.clients ? { clients: options.clients } : {}),
  };
  const scenarios = (options.scenarios ?? [DEFAULT_SCENARIO]).map((n) => applyOverrides(loadScenario(n), overrides));
  const customClients = resolveCustomClients(options.clientModules ?? [], cwd);
  const teardown = new Teardown();
  const signal = options.signal ?? new AbortController().signal;
  const progress = options.onProgress ?? (() => {});
  try {
    const consul = await startConsul({
      backend: options.consul ?? 'auto',
      httpMaxConnsPerClient: scenarios[0]!.consul.httpMaxConnsPerClient,
      onProgress: progress,
      signal,
    });
    teardown.defer('consul', () => consul.stop());
    const run = new BenchRun({
      consul,
      scenarios,
      command: `runScenarios(${JSON.stringify({ ...options, signal: undefined, onProgress: undefined, onRun: undefined })})`,
      teardown,
      signal,
      customClients,
      repeat: options.repeat ?? 1,
      // Toxiproxy, per-scenario Consuls and restartable ones as `run` starts them (ACLs carried over).
      ...scenarioConsuls(consul, progress, signal),
    });
    options.onRun?.(run);
    const report = await run.run();
    const written = options.out ? await writeReport(report, path.resolve(cwd, options.out)) : undefined;
    return written ? { report, written } : { report };
  } finally {
    await teardown.runAll();
  }
}
