/**
 * The hooks a row concern (a fault, phases and the leak verdict, freshness, a Consul restart, profiling) plugs
 * into the runner with, in the spirit of undici's dispatcher hooks: the runner does the common path (start the
 * target, warm up, measure, build the row) and calls each feature's hooks at fixed points. Adding a concern is one
 * file in `harness/run/features/` plus one line in its registry (`features/index.ts`).
 *
 * A row's path, with the hooks in order:
 *
 * ```
 * beforeTarget → start the target (service or consul-direct) → warm-up (discarded)
 *   → beforeMeasure → timeline + measured load → settle → the service's statistics
 *   → afterLoad → Consul's counters → build the row → addResults
 *   → (always) stop the target → afterRow
 * ```
 *
 * @module
 */
import type { ConsulRequestCounts } from '../consul/consul-admin.ts';
import type { StartedConsul } from '../consul/consul-types.ts';
import type { StartedToxiproxy } from '../faults/toxiproxy-server.ts';
import type { Prober } from '../freshness/prober.ts';
import type { Teardown } from '../lifecycle.ts';
import type { LoadResult } from '../load/load-runner.ts';
import type { RowProfiler } from '../profile/service-profiler.ts';
import type { ResultRow } from '../report/report-schema.ts';
import type { PhaseMark, Scenario } from '../scenario/scenario-schema.ts';
import type { ConsulConnectionMeter } from '../service/service-meters.ts';
import type { ServiceStats } from '../service/service-protocol.ts';
import type { RowSpec, RunEmitter } from './run-events.ts';
import type { StepTimeline } from './step-timeline.ts';

/** A started target: the config service, or Consul itself for `consul-direct` (see `row-target.ts`). */
export interface RowTarget {
  readonly kind: 'service' | 'consul-direct';
  /** Origin the load goes to, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** Request paths, cycled per connection. */
  readonly paths: readonly string[];
  /** Headers of every request (consul-direct: the ACL token). Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Load-generator connections (consul-direct may be capped under Consul's connection limit). */
  readonly connections: number;
  /** Flags the target adds to the row (`connections-capped`). */
  readonly flags: readonly string[];
  /** The service's statistics since the previous call (a window); absent for consul-direct. */
  readonly stats: (() => Promise<ServiceStats>) | undefined;
  /**
   * Takes the service's idle baseline again (after the warm-up), the most of each resource type over `spanMs` (ms,
   * default 0: one snapshot), with its retained heap; absent for consul-direct.
   */
  readonly idle?: ((spanMs?: number) => Promise<{ heapBytes?: number | undefined }>) | undefined;
  /** The heap the service retains now, after a full GC, bytes; absent for consul-direct. */
  readonly retainedHeap?: (() => Promise<number | undefined>) | undefined;
  /** consul-direct: the load generator's connections to Consul. */
  readonly directMeter: ConsulConnectionMeter | undefined;
  /** The service's process id (its CPU over the load counts in the row's machine CPU); absent for consul-direct. */
  readonly pid?: number | undefined;
  /** Stops the service (idempotent) or disposes the meter. */
  stop(): Promise<void>;
}

/** What the run offers every feature. */
export interface RunEnv {
  readonly teardown: Teardown;
  /** Aborted on SIGINT/SIGTERM: stop after the current phase. */
  readonly signal: AbortSignal | undefined;
  readonly events: RunEmitter;
  /** Starts Toxiproxy (fault scenarios); absent when the run was given none. */
  readonly startToxiproxy: (() => Promise<StartedToxiproxy>) | undefined;
  /** Profiles each row's service (`--profile`); absent: no profiling. */
  readonly profiler: RowProfiler | undefined;
  /** Records a tool's version in the report's environment (e.g. `toxiproxy-server`). */
  noteTool(name: string, version: string): void;
}

/** One scenario as the features see it. */
export interface ScenarioContext {
  readonly scenario: Scenario;
  /** The Consul this scenario runs on (its own, for a restart or another connection limit). */
  readonly consul: StartedConsul;
  /** Key prefix, e.g. `consul-kv-bench/articles/`. */
  readonly prefix: string;
  /** Relative key names (`key-0000` …). */
  readonly keys: readonly string[];
  /** Position of the scenario in the run, from 1 (names resources uniquely). */
  readonly ordinal: number;
  /**
   * The token the scenario's clients read with: one limited to the scenario's prefix when Consul enforces ACLs
   * (`StartedConsul.acl`), else Consul's own `token` (e.g. `CONSUL_HTTP_TOKEN`), else none.
   */
  readonly clientToken?: string | undefined;
}

/** One row as the features see it. Fields marked "set by" are filled as the row goes. */
export interface RowContext extends ScenarioContext {
  readonly spec: RowSpec;
  readonly env: RunEnv;
  /** Where the client reaches Consul: Consul itself, or a proxy a feature put in between (`beforeTarget`). */
  consulUrl: string;
  /** Extra `node` flags of the service (profiling). */
  nodeOptions: string[];
  /** Runs the service under another program (clinic doctor); absent: the usual start. */
  launch: ((argv: string[]) => Promise<void>) | undefined;
  /** Phases of the measured window (scenarios with `phases`); the load splits its results by them. */
  readonly phases: readonly PhaseMark[] | undefined;
  /** Steps at offsets of the measured window (fault on/off, Consul down/up, writer stop). */
  readonly timeline: StepTimeline;
  /** Set by the runner once the target is up. */
  target: RowTarget | undefined;
  /** `performance.now()` at the start of the measured window (set by the runner before `beforeMeasure`). */
  originMs: number;
  /** Set by the freshness feature: reads the probed keys through the service. */
  prober: Prober | undefined;
  /**
   * Processes a feature put on the request path (a Toxiproxy), by pid: their CPU over the load counts in the row's
   * machine CPU with the generator's, the service's and Consul's.
   */
  readonly pathPids: Set<number>;
}

/** What the common path measured, handed to `afterLoad` and `addResults`. */
export interface RowMeasurement {
  readonly load: LoadResult;
  /** The service's window of statistics; `undefined` for consul-direct. */
  readonly service: ServiceStats | undefined;
  /** `Date.now()` at the start of the measured window (the service's samples are on that clock). */
  readonly startedAtEpochMs: number;
  /** Consul's counters at the start of the window; `afterLoad` may correct them (a restart resets them). */
  before: ConsulRequestCounts | undefined;
}

/** One feature's hooks for one row; every hook is optional. A hook that throws fails the row. */
export interface RowHooks {
  /** Before the target starts: seed keys, put a proxy in front of Consul, choose node flags. */
  beforeTarget?(): Promise<void>;
  /** After the target is up and took its idle baseline, before the warm-up: measure the target idle. */
  afterTarget?(): Promise<void>;
  /** After the warm-up load ended, before the measured load is readied: e.g. retake the idle baseline, warm. */
  afterWarmup?(): Promise<void>;
  /** After the warm-up, as the measured window starts: start helpers, add steps to the timeline. */
  beforeMeasure?(): Promise<void>;
  /** After the load, before the service's statistics are taken: stop the harness's own helpers (the prober), then the quiesce, while the service keeps sampling. Called in registry order. */
  settle?(): Promise<void>;
  /** After the load and the service's statistics, before Consul's counters are read: stop helpers, undo faults. */
  afterLoad?(measured: RowMeasurement): Promise<void>;
  /** With the built row: add this feature's results to it. */
  addResults?(row: ResultRow, measured: RowMeasurement): Promise<void> | void;
  /** Always, after the target stopped; `row` when the row succeeded. Must not throw. */
  afterRow?(row: ResultRow | undefined): Promise<void>;
}

/** A feature's part in one scenario. */
export interface ScenarioFeature {
  /** The hooks of one row. */
  forRow(row: RowContext): RowHooks;
  /** After the scenario's last row (or its failure): free what `forScenario` started. */
  close?(): Promise<void>;
}

/** A row concern. */
export interface RowFeature {
  readonly name: string;
  /**
   * Its part in a scenario, or `undefined` when it takes no part (e.g. no `fault`). May start scenario-wide
   * resources (Toxiproxy), registering their teardown with `env.teardown`.
   * @throws {BenchError} when the scenario needs something the run lacks (e.g. `TOXIPROXY_UNAVAILABLE`).
   */
  forScenario(
    scenario: ScenarioContext,
    env: RunEnv,
  ): ScenarioFeature | undefined | Promise<ScenarioFeature | undefined>;
}
