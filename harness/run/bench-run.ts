/**
 * Runs scenarios against a started Consul: for each scenario, picks its Consul, seeds the keys, starts the
 * features that take part (`features/`), then runs each row (`row-runner.ts`), interleaving repeated runs. Emits
 * events; prints nothing (docs/STYLE.md, rule 8). The {@link Report} it fills is updated in place after every row,
 * so a caller can write what was measured even when the run fails or is interrupted.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createScopedToken, deleteScopedToken } from '../consul/consul-acl.ts';
import { deleteKeys, hasKnownLeader, seedKeys } from '../consul/consul-admin.ts';
import type { StartedConsul } from '../consul/consul-types.ts';
import { BenchError, usageError } from '../errors.ts';
import type { StartedToxiproxy } from '../faults/toxiproxy-server.ts';
import type { Teardown } from '../lifecycle.ts';
import type { RowProfiler } from '../profile/service-profiler.ts';
import { describeEnvironment } from '../report/environment.ts';
import { REPORT_SCHEMA_VERSION, type Report, type ScenarioResult } from '../report/report-schema.ts';
import { addRun } from '../results/merge.ts';
import { scenarioKeys, scenarioPrefix, scenarioValues } from '../scenario/scenario-keys.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { ROW_FEATURES } from './features/index.ts';
import type { RowFeature, RunEnv, ScenarioContext, ScenarioFeature } from './row-feature.ts';
import { runRow } from './row-runner.ts';
import { type CustomClient, rowSpecs } from './row-specs.ts';
import type { BenchRunEvents } from './run-events.ts';
import { acquireScenarioConsul } from './scenario-consul.ts';

/** Options of {@link BenchRun}. */
export interface BenchRunOptions {
  readonly consul: StartedConsul;
  readonly scenarios: readonly Scenario[];
  /** The exact command line, for the report. */
  readonly command: string;
  /** ISO time the run started (names the timestamped report folder). Default: now. */
  readonly createdAt?: string;
  readonly teardown: Teardown;
  /** Stops the run after the current phase (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  /** Users' client modules (`--client ./file.ts`), run as extra rows after each scenario's own. */
  readonly customClients?: readonly CustomClient[];
  /**
   * Runs of every row per scenario, interleaved (A B C A B C …, as Node core's benchmark/compare.js does) so a
   * machine that slows down mid-run slows every row alike. Each run's figures and raw histogram are kept in
   * `results[].runs`; the row's own figures are then the merged ones. Default 1.
   */
  readonly repeat?: number;
  /** Starts Toxiproxy for fault scenarios (injected so tests and the CLI share one provisioning path). */
  readonly startToxiproxy?: () => Promise<StartedToxiproxy>;
  /** Service profiling: node options per row, and what to do with the artifacts afterwards. */
  readonly profiler?: RowProfiler;
  /**
   * Starts a Consul the harness can stop and start again (a persistent local server), for scenarios with a
   * `restart`. It is used for that scenario only and stopped after it. Absent: such scenarios fail with `USAGE`.
   */
  readonly startRestartableConsul?: (scenario: Scenario) => Promise<StartedConsul>;
  /**
   * Starts a Consul with a scenario's own `consul.httpMaxConnsPerClient`, for a scenario whose limit differs from
   * the run's Consul: used for that scenario only and stopped after it. Not used with an external Consul (its
   * limit is the agent's own). Absent: the run's Consul serves every scenario.
   */
  readonly startScenarioConsul?: (scenario: Scenario) => Promise<StartedConsul>;
  /** The row features, in hook order. Default {@link ROW_FEATURES}. */
  readonly features?: readonly RowFeature[];
}

/** A run of one or more scenarios. `run()` once; read `report` at any time. */
export class BenchRun extends EventEmitter<BenchRunEvents> {
  readonly report: Report;
  readonly #options: BenchRunOptions;
  readonly #env: RunEnv;
  /** Names this run's keys apart from another run's on the same Consul (see `scenarioPrefix`). */
  readonly #runToken = randomUUID().slice(0, 8);

  constructor(options: BenchRunOptions) {
    super();
    this.#options = options;
    this.report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      createdAt: options.createdAt ?? new Date().toISOString(),
      finishedAt: null,
      status: 'running',
      command: options.command,
      environment: describeEnvironment(options.consul),
      scenarios: [],
      failures: [],
    };
    this.#env = {
      teardown: options.teardown,
      signal: options.signal,
      events: this,
      startToxiproxy: options.startToxiproxy,
      profiler: options.profiler,
      noteTool: (name, version) => {
        this.report.environment.tools[name] = version;
      },
    };
  }

  get #aborted(): boolean {
    return this.#options.signal?.aborted ?? false;
  }

  /**
   * Runs every scenario. Row failures are recorded in `report.failures` and the run goes on; a Consul that stops
   * answering ends the run.
   * @throws {BenchError} `CONSUL_UNREACHABLE` when Consul stops answering between rows.
   */
  async run(): Promise<Report> {
    const { scenarios } = this.#options;
    for (const [i, scenario] of scenarios.entries()) {
      if (this.#aborted) break;
      this.emit('scenario-start', { scenario, index: i, total: scenarios.length, repeat: this.#options.repeat ?? 1 });
      await this.#runScenario(scenario);
    }
    this.report.status = this.#aborted ? 'interrupted' : 'complete';
    this.report.finishedAt = new Date().toISOString();
    this.emit('report', this.report);
    return this.report;
  }

  async #runScenario(scenario: Scenario): Promise<void> {
    const { teardown } = this.#options;
    const result: ScenarioResult = {
      name: scenario.name,
      description: scenario.description,
      settings: scenario as unknown as Record<string, unknown>,
      loadModel: scenario.load.model,
      results: [],
    };
    this.report.scenarios.push(result);
    const own = await acquireScenarioConsul(scenario, this.#options.consul, this.#options, teardown, this);
    const consul = own.consul;
    // What the scenario ran on, not only what it asked for (an external Consul's TLS follows its address).
    result.settings = { ...scenario, consul: { ...scenario.consul, tls: consul.tls ?? false } };
    const prefix = scenarioPrefix(scenario, this.#runToken);
    const keys = scenarioKeys(scenario);
    const features: ScenarioFeature[] = [];
    let cleanupKeys: (() => Promise<void>) | undefined;
    let dropToken: (() => Promise<void>) | undefined;
    try {
      await deleteKeys(consul, prefix, true);
      await seedKeys(consul, scenarioValues(scenario, prefix, keys, 0));
      cleanupKeys = teardown.defer(`keys under ${prefix}`, () => deleteKeys(consul, prefix, true).catch(() => {}));
      // ACLs enforced: the scenario's clients read with a token limited to its prefix, never the harness's own.
      let clientToken = consul.token;
      if (consul.acl) {
        const scoped = await createScopedToken(consul, prefix, scenario.name);
        clientToken = scoped.secretId;
        dropToken = teardown.defer(`ACL token for ${prefix}`, () => deleteScopedToken(consul, scoped));
      }
      const context: ScenarioContext = {
        scenario,
        consul,
        prefix,
        keys,
        ordinal: this.report.scenarios.length,
        clientToken,
      };
      for (const feature of this.#options.features ?? ROW_FEATURES) {
        const part = await feature.forScenario(context, this.#env);
        if (part) features.push(part);
      }
      await this.#runRows(context, result, features);
    } finally {
      await dropToken?.();
      await cleanupKeys?.();
      for (const f of features.reverse()) await f.close?.();
      await own.release();
    }
  }

  async #runRows(context: ScenarioContext, result: ScenarioResult, features: readonly ScenarioFeature[]) {
    const { scenario, consul } = context;
    const rows = rowSpecs(scenario, this.#options.customClients);
    if (consul.remote && rows.some((r) => r.client === 'consul-direct'))
      throw usageError(
        `${scenario.name}: consul-direct aims the load at Consul itself, which is remote (${consul.httpUrl}); the harness sends load only to loopback: leave it out with --clients`,
      );
    const repeat = this.#options.repeat ?? 1;
    if (repeat > 1) result.repeat = repeat;
    for (let r = 0; r < repeat; r++) {
      for (const [i, spec] of rows.entries()) {
        if (this.#aborted) return;
        if (repeat > 1 && i === 0)
          this.emit('notice', `${scenario.name}: repeat ${r + 1} of ${repeat} (rows interleaved)`);
        if (!(await hasKnownLeader(consul, 3000))) {
          throw new BenchError(
            'CONSUL_UNREACHABLE',
            `Consul at ${consul.httpUrl} stopped answering during the run: results so far are kept; check it and run again`,
          );
        }
        this.emit('row-start', { scenario: scenario.name, client: spec.name, index: i, total: rows.length });
        try {
          const row = await runRow(context, spec, this.#env, features);
          addRun(result, row, repeat);
          this.emit('row-done', { scenario: scenario.name, row });
        } catch (err) {
          const error =
            err instanceof BenchError
              ? err
              : new BenchError('SERVICE_FAILED', (err as Error)?.message ?? String(err), { cause: err });
          this.report.failures.push({
            scenario: scenario.name,
            client: spec.name,
            code: error.code,
            message: error.message,
          });
          this.emit('row-failed', { scenario: scenario.name, client: spec.name, error });
        }
        this.emit('report', this.report);
      }
    }
  }
}
