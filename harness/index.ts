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
import { DEFAULT_SCENARIO } from '../scenarios/index.ts';
import type { Report } from './report/report-schema.ts';
import type { WrittenReport } from './report/report-writer.ts';
import type { RunEmitter } from './run/run-events.ts';
import { loadScenario } from './scenario/load-scenario.ts';
import { applyOverrides } from './scenario/scenario-overrides.ts';
import { measureScenarios } from './session/measure.ts';
import { checkRunOptions, type RunOptions, scenarioOverrides } from './session/run-options.ts';

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

/**
 * Options of {@link runScenarios}: the `run` command's options by the same names and with the same ranges
 * ({@link RunOptions}, declared once in `harness/session/run-options.ts`: `clients`, `connections`, `duration` (s),
 * `warmup` (s), `quick`, `rate` (req/s, open model), `arrival`, `maxInFlight`, `workers`, `repeat`, `consul`,
 * `clientModules`, `acl`, `allowRemoteConsul`, `tls`, `rtt` (ms), `out`, `consistency`, `rateLimit`, `profile`),
 * plus what only a library caller has. Every field is optional. Defaults: the scenario's own settings; `repeat` 1;
 * `consul` `'auto'` (a container when a runtime answers, else a local agent); `out` not written.
 */
export interface RunScenariosOptions extends RunOptions {
  /** Scenario names (see `consul-kv-bench list`). Default `['articles']`. */
  readonly scenarios?: readonly string[];
  /** Base of relative paths (`clientModules`, `out`). Default `process.cwd()`. */
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
 * Measures scenarios against a real Consul, as `consul-kv-bench run` does (the same session code), and stops
 * everything it started (Consul, Toxiproxy, the services) before it returns or throws. Installs no signal handlers:
 * stop it with `signal`.
 * @throws {BenchError} `USAGE` (an option out of range, an unknown scenario, row or client module),
 *   `CONSUL_*` when Consul cannot start or stops answering, `TOXIPROXY_UNAVAILABLE` for fault scenarios without
 *   Toxiproxy, `INTERRUPTED` when `signal` stopped it before Consul was up. A row that fails does not throw: it is
 *   listed in `report.failures`.
 */
export async function runScenarios(options: RunScenariosOptions = {}): Promise<RunScenariosResult> {
  const { scenarios: names, cwd = process.cwd(), signal, onProgress, onRun, ...run } = options;
  checkRunOptions(run);
  const overrides = scenarioOverrides(run);
  const scenarios = (names ?? [DEFAULT_SCENARIO]).map((n) => applyOverrides(loadScenario(n), overrides));
  const { report, written } = await measureScenarios(scenarios, {
    ...run,
    command: `runScenarios(${JSON.stringify({ ...options, signal: undefined, onProgress: undefined, onRun: undefined })})`,
    cwd,
    handleSignals: false,
    onProgress: onProgress ?? (() => {}),
    ...(signal ? { signal } : {}),
    ...(onRun ? { onRun } : {}),
  });
  if (!report) throw new Error('runScenarios: the run ended before it started');
  return written ? { report, written } : { report };
}
