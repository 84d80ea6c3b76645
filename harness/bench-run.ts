/**
 * Runs scenarios against a started Consul: seeds the keys, then for each row (client or baseline) starts the
 * config service with that client, warms up (discarded), measures under autocannon, collects the service's and
 * Consul's own counters, and stops the service. Emits events; prints nothing (../shared/STYLE.md, rule 8).
 * The {@link Report} it fills is updated in place after every row, so a caller can write what was measured
 * even when the run fails or is interrupted.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENTS, type ClientName, type KvClientOptions, kvPath } from '../clients/index.ts';
import {
  type ConsulRequestCounts,
  consulRequestCounts,
  deleteKeys,
  hasKnownLeader,
  seedKeys,
} from './consul/consul-admin.ts';
import type { StartedConsul } from './consul/consul-server.ts';
import { judgeLeak } from './diagnosis/leak-verdict.ts';
import { BenchError } from './errors.ts';
import type { FaultProxy, StartedToxiproxy } from './faults/toxiproxy-server.ts';
import { analyzeRecovery, analyzeStaleness, type RestartTimes } from './freshness/freshness-analysis.ts';
import { KeyWriter } from './freshness/key-writer.ts';
import { Prober } from './freshness/prober.ts';
import { versionedValue } from './freshness/versioned-value.ts';
import type { Teardown } from './lifecycle.ts';
import { decodeHistogram, encodeHistogram, mergeHistograms, summarize } from './load/latency-histogram.ts';
import { LoadEvents, type LoadResult, type LoadTick, runLoad } from './load/load-runner.ts';
import { describeEnvironment } from './report/environment.ts';
import {
  type PhaseResult,
  REPORT_SCHEMA_VERSION,
  type Report,
  type ResultRow,
  type RunSummary,
  type ScenarioResult,
  type TimelineSample,
} from './report/report-schema.ts';
import { measuredSeconds, rowClient, rowName, type Scenario } from './scenario/scenario-schema.ts';
import { ConsulConnectionMeter } from './service/service-meters.ts';
import { startConfigService } from './service/service-process.ts';
import type { ServiceStats } from './service/service-protocol.ts';

/** Connections kept free under Consul's per-client limit when consul-direct is capped (the harness's own admin requests). */
export const CONSUL_DIRECT_HEADROOM = 8;

/** Events of a run, for progress displays and report writers. */
export interface BenchRunEvents {
  'scenario-start': [{ scenario: Scenario; index: number; total: number; repeat: number }];
  'row-start': [{ scenario: string; client: string; index: number; total: number }];
  phase: [{ scenario: string; client: string; phase: 'warm-up' | 'measure'; durationS: number; connections: number }];
  /** A fault started or ended (fault scenarios). */
  fault: [{ scenario: string; client: string; action: 'start' | 'end'; fault: string }];
  tick: [LoadTick & { scenario: string; client: string; phase: 'warm-up' | 'measure' }];
  'row-done': [{ scenario: string; row: ResultRow }];
  'row-failed': [{ scenario: string; client: string; error: BenchError }];
  /** The report changed (a row or failure was added): write it now to keep what was measured. */
  report: [Report];
  notice: [string];
}

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
  readonly customClients?: ReadonlyArray<{ readonly name: string; readonly path: string }>;
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
   * the run's Consul (e.g. `articles` at the stock 200 and `network-stall` at 4096 in one run): used for that
   * scenario only and stopped after it. Not used with an external Consul (its limit is the agent's own). Absent:
   * the run's Consul serves every scenario.
   */
  readonly startScenarioConsul?: (scenario: Scenario) => Promise<StartedConsul>;
}

/** One row to run: a registered client or baseline, a variant of one, or a user's module. */
export interface RowSpec {
  /** The row's name in reports. */
  readonly name: string;
  /** The registered client the service runs (the row's name for a user's module). */
  readonly client: string;
  /** Client option overrides of a variant row. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly kind: 'client' | 'baseline';
  readonly description: string;
  /** Absolute path of a user's module; absent for registered clients. */
  readonly module?: string;
}

/** Profiles the service of each row (see harness/profile/service-profiler.ts). */
export interface RowProfiler {
  readonly kind: 'flame' | 'cpu' | 'doctor';
  /** node options for the service of this row. */
  nodeOptions(scenario: string, row: string): Promise<string[]>;
  /** A launcher that runs the service under another program (clinic doctor); absent: the usual start. */
  launcher?(scenario: string, row: string): (argv: string[]) => Promise<void>;
  /** After the service stopped: turn raw output into artifacts. Never throws; failures come back in `error`. */
  finish(scenario: string, row: string): Promise<{ files: string[]; error?: string }>;
}

import { seededBytes } from './scenario/seeded-bytes.ts';

export { seededBytes };

/** Key prefix a scenario's keys live under. */
export function scenarioPrefix(scenario: Pick<Scenario, 'name'>): string {
  return `consul-kv-bench/${scenario.name}/`;
}

/** Relative key names of a scenario: `key-0000` … */
export function scenarioKeys(scenario: Pick<Scenario, 'keys'>): string[] {
  return Array.from({ length: scenario.keys.count }, (_, i) => `key-${String(i).padStart(4, '0')}`);
}

/** A run of one or more scenarios. `run()` once; read `report` at any time. */
export class BenchRun extends EventEmitter<BenchRunEvents> {
  readonly report: Report;
  readonly #options: BenchRunOptions;

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
    let consul = this.#options.consul;
    const prefix = scenarioPrefix(scenario);
    const keys = scenarioKeys(scenario);
    const result: ScenarioResult = {
      name: scenario.name,
      description: scenario.description,
      settings: scenario as unknown as Record<string, unknown>,
      loadModel: 'closed',
      results: [],
    };
    this.report.scenarios.push(result);
    let stopOwnConsul: (() => Promise<void>) | undefined;
    if (scenario.restart) {
      if (!this.#options.startRestartableConsul) {
        throw new BenchError(
          'USAGE',
          `${scenario.name} stops and starts Consul, which only works on a Consul the harness runs itself: use --consul local (or auto without Docker)`,
        );
      }
      this.emit(
        'notice',
        `${scenario.name}: starting a persistent single-node Consul server of its own (it will be stopped and started again in every row)`,
      );
      const restartable = await this.#options.startRestartableConsul(scenario);
      stopOwnConsul = teardown.defer(`restartable Consul for ${scenario.name}`, () => restartable.stop());
      consul = restartable;
    } else if (
      this.#options.startScenarioConsul &&
      consul.httpMaxConnsPerClient !== undefined &&
      consul.httpMaxConnsPerClient !== scenario.consul.httpMaxConnsPerClient
    ) {
      this.emit(
        'notice',
        `${scenario.name}: starting a Consul of its own with http_max_conns_per_client = ${scenario.consul.httpMaxConnsPerClient} (the run's has ${consul.httpMaxConnsPerClient})`,
      );
      const own = await this.#options.startScenarioConsul(scenario);
      stopOwnConsul = teardown.defer(`Consul for ${scenario.name}`, () => own.stop());
      consul = own;
    }
    await deleteKeys(consul, prefix, true);
    await seedKeys(consul, scenarioValues(scenario, prefix, keys, 0));
    const cleanupKeys = teardown.defer(`keys under ${prefix}`, () => deleteKeys(consul, prefix, true).catch(() => {}));
    let toxiproxy: StartedToxiproxy | undefined;
    if (scenario.fault) {
      if (!this.#options.startToxiproxy)
        throw new BenchError(
          'TOXIPROXY_UNAVAILABLE',
          `${scenario.name} injects faults and needs Toxiproxy, which this run was not given`,
        );
      toxiproxy = await this.#options.startToxiproxy();
      teardown.defer('toxiproxy', () => toxiproxy?.stop());
      this.report.environment.tools['toxiproxy-server'] = toxiproxy.version;
    }
    const rows: RowSpec[] = [
      ...scenario.clients.map((r): RowSpec => {
        const c = rowClient(r);
        if (typeof r === 'string')
          return { name: r, client: c, kind: CLIENTS[c].kind, description: CLIENTS[c].description };
        const opts = Object.entries(r.options)
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(', ');
        return {
          name: r.name,
          client: c,
          kind: CLIENTS[c].kind,
          description: `${c} with ${opts || 'its defaults'}`,
          options: r.options,
        };
      }),
      ...(this.#options.customClients ?? []).map(
        (c): RowSpec => ({
          name: c.name,
          client: c.name,
          kind: 'client',
          description: `user module ${c.path}`,
          module: c.path,
        }),
      ),
    ];
    const repeat = this.#options.repeat ?? 1;
    if (repeat > 1) result.repeat = repeat;
    const schedule = Array.from({ length: repeat }, (_, r) => rows.map((spec, i) => ({ spec, i, r }))).flat(); // A B C A B C …
    try {
      for (const { spec, i, r } of schedule) {
        const client = spec.name;
        if (this.#aborted) break;
        if (repeat > 1 && i === 0)
          this.emit('notice', `${scenario.name}: repeat ${r + 1} of ${repeat} (rows interleaved)`);
        if (!(await hasKnownLeader(consul, 3000))) {
          throw new BenchError(
            'CONSUL_UNREACHABLE',
            `Consul at ${consul.httpUrl} stopped answering during the run: results so far are kept; check it and run again`,
          );
        }
        this.emit('row-start', { scenario: scenario.name, client, index: i, total: rows.length });
        try {
          this.#lastProfile = undefined;
          if (scenario.freshness) await seedKeys(consul, scenarioValues(scenario, prefix, keys, 0, true));
          const row = await this.#runRow(consul, scenario, spec, prefix, keys, toxiproxy);
          if (this.#lastProfile) row.profile = this.#lastProfile;
          const at = result.results.findIndex((x) => x.client === row.client);
          if (repeat === 1) result.results.push(row);
          else if (at === -1) result.results.push({ ...row, runs: [runSummary(row)] });
          else result.results[at] = mergeRun(result.results[at]!, row);
          this.emit('row-done', { scenario: scenario.name, row });
        } catch (err) {
          const error =
            err instanceof BenchError
              ? err
              : new BenchError('SERVICE_FAILED', (err as Error)?.message ?? String(err), { cause: err });
          this.report.failures.push({ scenario: scenario.name, client, code: error.code, message: error.message });
          this.emit('row-failed', { scenario: scenario.name, client, error });
        }
        this.emit('report', this.report);
      }
    } finally {
      await cleanupKeys();
      await stopOwnConsul?.();
    }
  }

  async #runRow(
    consul: StartedConsul,
    scenario: Scenario,
    spec: RowSpec,
    prefix: string,
    keys: string[],
    toxiproxy: StartedToxiproxy | undefined,
  ): Promise<ResultRow> {
    const { teardown, signal, profiler } = this.#options;
    const client = spec.name;
    const flags: string[] = [];
    let target: string;
    let paths: string[];
    let connections = scenario.load.connections;
    let stopService: (() => Promise<void>) | undefined;
    let stats: (() => Promise<ServiceStats>) | undefined;
    let directMeter: ConsulConnectionMeter | undefined;
    let proxy: FaultProxy | undefined;
    let consulUrl = consul.httpUrl;
    if (toxiproxy) {
      proxy = await toxiproxy.proxy(
        `consul-${this.report.scenarios.length}-${client.replace(/[^a-z0-9-]/gi, '_')}`,
        consul.httpUrl,
      );
      const p = proxy;
      teardown.defer(`toxiproxy proxy for ${client}`, () => p.remove().catch(() => {}));
      consulUrl = proxy.url;
    }

    if (spec.client === 'consul-direct') {
      target = consulUrl;
      paths = keys.map((k) => kvPath(prefix + k) + '?raw');
      const limit = consul.httpMaxConnsPerClient;
      if (limit !== undefined && connections > limit - CONSUL_DIRECT_HEADROOM) {
        connections = Math.max(1, limit - CONSUL_DIRECT_HEADROOM);
        flags.push('connections-capped');
        this.emit(
          'notice',
          `consul-direct: ${connections} connections instead of ${scenario.load.connections}, under Consul's http_max_conns_per_client = ${limit}`,
        );
      }
      directMeter = new ConsulConnectionMeter(Number(new URL(consulUrl).port));
    } else {
      const o = { ...scenario.clientOptions, ...(spec.options ?? {}) } as Scenario['clientOptions'];
      const clientOptions: KvClientOptions = {
        consulUrl,
        token: consul.token,
        prefix,
        requestTimeoutMs: o.requestTimeoutMs,
        maxConnections: o.maxConnections,
        watchWaitMs: o.watchWaitMs,
        consistency: o.consistency,
        pollIntervalMs: o.pollIntervalMs,
        staleIfErrorMs: o.staleIfErrorMs,
        ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
        valueBytes: scenario.keys.valueBytes,
      };
      const nodeOptions = profiler ? await profiler.nodeOptions(scenario.name, client) : [];
      const launch = profiler?.launcher?.(scenario.name, client);
      const service = await startConfigService({
        client: spec.client,
        clientModule: spec.module,
        clientOptions,
        nodeOptions,
        launch,
      });
      stopService = teardown.defer(`config service (${client})`, () => service.stop());
      stats = () => service.stats();
      target = service.url;
      paths = keys.map((k) => `/config/${encodeURIComponent(k)}`);
    }

    const phases = scenario.phases
      ? [
          { name: 'baseline' as const, startMs: 0 },
          { name: 'fault' as const, startMs: scenario.phases.baselineS * 1000 },
          { name: 'drain' as const, startMs: (scenario.phases.baselineS + scenario.phases.faultS) * 1000 },
        ]
      : undefined;
    const timers: NodeJS.Timeout[] = [];
    try {
      const run = async (phase: 'warm-up' | 'measure', durationS: number): Promise<LoadResult> => {
        this.emit('phase', { scenario: scenario.name, client, phase, durationS, connections });
        const events = new LoadEvents();
        events.on('tick', (t) => this.emit('tick', { ...t, scenario: scenario.name, client, phase }));
        return runLoad(
          {
            url: target,
            paths,
            connections,
            durationS,
            timeoutS: scenario.load.timeoutS,
            ...(signal ? { signal } : {}),
            ...(phase === 'measure' && phases ? { phases } : {}),
          },
          events,
        );
      };
      if (scenario.load.warmupS > 0) await run('warm-up', scenario.load.warmupS);
      await stats?.(); // discard the warm-up window
      let before = await consulRequestCounts(consul);
      directMeter?.reset();
      const startedAt = Date.now();
      const originMs = performance.now();
      const fresh = scenario.freshness;
      const probeKeys = fresh ? keys.slice(0, fresh.keys) : [];
      let prober: Prober | undefined;
      let writer: KeyWriter | undefined;
      if (fresh && stats) {
        prober = new Prober({ serviceUrl: target, keys: probeKeys, intervalMs: fresh.probeIntervalMs, originMs });
        await prober.start();
        if (fresh.writesPerSecond > 0) {
          const w = new KeyWriter({
            consul,
            keys: probeKeys.map((k) => prefix + k),
            ratePerSecond: fresh.writesPerSecond,
            valueBytes: scenario.keys.valueBytes,
            originMs,
          });
          writer = w;
          w.start();
          timers.push(setTimeout(() => void w.stop(), Math.max(0, measuredSeconds(scenario) - fresh.settleS) * 1000));
        }
      }
      let restart:
        | Promise<{ times: RestartTimes; countsBeforeDown: ConsulRequestCounts | undefined; startMs: number }>
        | undefined;
      if (scenario.restart && phases) {
        restart = this.#restartConsul(
          consul,
          scenario,
          prefix,
          keys,
          phases[1]!.startMs,
          phases[2]!.startMs,
          originMs,
          client,
        );
        restart.catch(() => {}); // awaited after the load; a failure fails the row there
      }
      if (proxy && scenario.fault && phases) {
        const p = proxy;
        const fault = scenario.fault;
        const label = fault.type;
        timers.push(
          setTimeout(
            () =>
              void p.apply(fault).then(
                () => this.emit('fault', { scenario: scenario.name, client, action: 'start', fault: label }),
                (e: Error) => this.emit('notice', `could not start the fault: ${e.message}`),
              ),
            phases[1]!.startMs,
          ),
        );
        timers.push(
          setTimeout(
            () =>
              void p.end(fault).then(
                () => this.emit('fault', { scenario: scenario.name, client, action: 'end', fault: label }),
                (e: Error) => this.emit('notice', `could not end the fault: ${e.message}`),
              ),
            phases[2]!.startMs,
          ),
        );
      }
      const load = await run('measure', measuredSeconds(scenario));
      for (const t of timers) clearTimeout(t);
      await writer?.stop();
      await prober?.stop();
      const restarted = restart ? await restart : undefined;
      if (restarted) {
        // Consul's counters restarted from 0 with the process: count what it served before the stop, plus since.
        const b = before;
        const d = restarted.countsBeforeDown;
        before = b && d ? { ...b, kvGets: b.kvGets - d.kvGets } : undefined;
      }
      const direct = directMeter?.snapshot();
      const service = await stats?.();
      await proxy?.clear();
      const after = await consulRequestCounts(consul);
      const row = buildRow({
        scenario,
        client,
        description: spec.description,
        kind: spec.kind,
        connections,
        load,
        service,
        direct,
        before,
        after,
        flags,
      });
      if (spec.module) row.clientModule = spec.module;
      if (spec.client !== spec.name && !spec.module) row.strategy = spec.client;
      if (spec.options) row.clientOptions = { ...spec.options };
      if (fresh && prober) {
        const measuredS = load.durationMs / 1000;
        if (restarted) {
          const times = { ...restarted.times, endMs: load.durationMs };
          row.recovery = {
            keepData: scenario.restart?.keepData ?? false,
            consulDownMs: times.backMs - times.downMs,
            consulStartMs: restarted.startMs,
            ...analyzeRecovery(prober.reads, times),
          };
        } else if (writer) {
          row.staleness = {
            keys: fresh.keys,
            writesPerSecond: fresh.writesPerSecond,
            probeIntervalMs: fresh.probeIntervalMs,
            writeFailures: writer.failures,
            ...analyzeStaleness(writer.acks, prober.reads),
            consulRequestsPerSecond:
              row.consulRequests !== null && measuredS > 0 ? row.consulRequests / measuredS : null,
          };
        }
      }
      if (phases && scenario.phases) {
        const endMs = measuredSeconds(scenario) * 1000;
        row.phases = load.phases.map((p, i): PhaseResult => {
          const ok = Object.entries(p.byStatus).reduce(
            (n, [st, c]) => (Number(st) >= 200 && Number(st) < 300 ? n + c : n),
            0,
          );
          const durationMs = (phases[i + 1]?.startMs ?? endMs) - p.startMs;
          return {
            name: p.name as PhaseResult['name'],
            startMs: p.startMs,
            durationMs,
            requests: p.responses,
            ok,
            rps: ok / (durationMs / 1000),
            latencyUs: summarize(p.histogram),
            histogram: encodeHistogram(p.histogram),
            errors: p.responses - ok + p.requestErrors,
          };
        });
        if (service) {
          const faultStartMs = phases[1]!.startMs;
          const drainStartMs = phases[2]!.startMs;
          row.timeline = service.timeline
            .map(
              (smp): TimelineSample => ({
                tMs: smp.t - startedAt,
                phase:
                  smp.t - startedAt < faultStartMs ? 'baseline' : smp.t - startedAt < drainStartMs ? 'fault' : 'drain',
                inFlight: smp.inFlight,
                longPolls: smp.longPolls,
                ...(smp.sockets ? { sockets: smp.sockets } : {}),
                resources: smp.resources,
                heapUsedBytes: smp.heapUsedBytes,
                rssBytes: smp.rssBytes,
                elu: smp.elu,
                eventLoopDelayP99Ms: smp.eventLoopDelayP99Ms,
              }),
            )
            .filter((smp) => smp.tMs >= 0 && smp.tMs <= endMs);
          const verdict = judgeLeak(row.timeline, { faultStartMs, drainStartMs, endMs });
          const { verdict: v, ...evidence } = verdict;
          row.leak = { verdict: v, evidence };
        }
      }
      return row;
    } finally {
      for (const t of timers) clearTimeout(t);
      directMeter?.dispose();
      await stopService?.();
      if (profiler && stopService) {
        const result = await profiler.finish(scenario.name, client);
        this.#lastProfile = { kind: profiler.kind, ...result };
      }
    }
  }

  #lastProfile: ResultRow['profile'];

  /**
   * The restart of a `consul-restart` row, on the run's clock: stop Consul at `downAtMs`, start it at `upAtMs`
   * (on a fresh data dir unless `keepData`; then seed every key again), and write version 1 of each probed key.
   * @throws {BenchError} when Consul does not come back; the row fails and the next row's leader check ends the run.
   */
  async #restartConsul(
    consul: StartedConsul,
    scenario: Scenario,
    prefix: string,
    keys: string[],
    downAtMs: number,
    upAtMs: number,
    originMs: number,
    client: string,
  ): Promise<{ times: RestartTimes; countsBeforeDown: ConsulRequestCounts | undefined; startMs: number }> {
    const control = consul.restart;
    const restart = scenario.restart;
    const fresh = scenario.freshness;
    if (!control || !restart || !fresh)
      throw new BenchError('USAGE', `${scenario.name}: this Consul cannot be restarted by the harness`);
    const signal = this.#options.signal;
    const now = (): number => performance.now() - originMs;
    const waitUntil = async (t: number): Promise<void> => {
      const d = t - now();
      if (d > 0) await sleep(d, undefined, signal ? { signal } : undefined);
    };
    await waitUntil(downAtMs);
    const countsBeforeDown = await consulRequestCounts(consul);
    const downMs = now();
    this.emit('fault', {
      scenario: scenario.name,
      client,
      action: 'start',
      fault: `consul-restart (${restart.keepData ? 'keeping its data' : 'fresh data dir'})`,
    });
    await control.down();
    await waitUntil(upAtMs);
    const upMs = now();
    await control.up({ freshData: !restart.keepData });
    let backMs = now();
    const startMs = backMs - upMs;
    if (restart.keepData) {
      await seedKeys(consul, scenarioValues(scenario, prefix, keys, 1, true));
    } else {
      await seedKeys(consul, scenarioValues(scenario, prefix, keys, 1));
      backMs = now();
    }
    const freshAckMs = now();
    this.emit('fault', { scenario: scenario.name, client, action: 'end', fault: 'consul-restart' });
    return {
      times: { downMs, upMs, backMs, freshAckMs, freshVersions: Array.from({ length: fresh.keys }, () => 1), endMs: 0 },
      countsBeforeDown,
      startMs,
    };
  }
}

/**
 * The values the harness seeds: deterministic random bytes, except the freshness scenarios' probed keys (the
 * first `freshness.keys`), which carry `version` (see harness/freshness/versioned-value.ts).
 * @param onlyProbed only the probed keys.
 */
export function scenarioValues(
  scenario: Pick<Scenario, 'keys' | 'freshness'>,
  prefix: string,
  keys: readonly string[],
  version: number,
  onlyProbed = false,
): Map<string, Uint8Array> {
  const probed = scenario.freshness?.keys ?? 0;
  const size = scenario.keys.valueBytes;
  const out = new Map<string, Uint8Array>();
  keys.forEach((k, i) => {
    if (i < probed) out.set(prefix + k, versionedValue(version, size, i + 1));
    else if (!onlyProbed) out.set(prefix + k, seededBytes(size, i + 1));
  });
  return out;
}

interface RowInputs {
  scenario: Scenario;
  client: string;
  kind: 'client' | 'baseline';
  description: string;
  connections: number;
  load: LoadResult;
  service: ServiceStats | undefined;
  direct: ReturnType<ConsulConnectionMeter['snapshot']> | undefined;
  before: Awaited<ReturnType<typeof consulRequestCounts>>;
  after: Awaited<ReturnType<typeof consulRequestCounts>>;
  flags: string[];
}

/** Turns what a row measured into its raw result. Pure. */
export function buildRow(i: RowInputs): ResultRow {
  const { load, service } = i;
  const ok = Object.entries(load.byStatus).reduce(
    (n, [status, c]) => (Number(status) >= 200 && Number(status) < 300 ? n + c : n),
    0,
  );
  const non2xx = load.responses - ok;
  const causes = service?.causes;
  const consul429 = causes ? causes.consul429 : (load.byStatus['429'] ?? 0);
  const errors = {
    total: non2xx + load.timeouts + load.connectionErrors,
    non2xx,
    timeouts: load.timeouts,
    connection: load.connectionErrors,
    consul429,
    clientTimeout: causes?.clientTimeout ?? 0,
    consulHttp: causes ? causes.consulHttp : non2xx - consul429 - (load.byStatus['404'] ?? 0),
    unreachable: causes?.unreachable ?? 0,
    notFound: causes ? causes.notFound : (load.byStatus['404'] ?? 0),
    rateLimited: causes?.rateLimited ?? 0,
    cacheTooStale: causes?.cacheTooStale ?? 0,
    other: causes?.other ?? 0,
  };
  const served = service ? Object.values(service.byStatus).reduce((a, b) => a + b, 0) : load.responses;
  const consulRequests = i.before && i.after ? Math.max(0, i.after.kvGets - i.before.kvGets) : null;
  const flags = [...i.flags];
  if (load.loadGenerator.saturated) flags.push('load-generator-saturated');
  if (consul429 > 0) flags.push('consul-429');
  if (errors.total > 0) flags.push('errors');
  if (load.aborted) flags.push('interrupted');
  const conns = service?.consulConnections ?? i.direct;
  return {
    client: i.client,
    kind: i.kind,
    description: i.description,
    connections: i.connections,
    durationMs: load.durationMs,
    requests: load.responses,
    ok,
    rps: ok / (load.durationMs / 1000),
    latencyUs: summarize(load.histogram),
    histogram: encodeHistogram(load.histogram),
    errors,
    heapBytesPerRequest: service ? (served > 0 ? service.process.heapAllocatedBytes / served : 0) : null,
    peakRssBytes: service ? service.process.peakRssBytes : null,
    consulConnectionsOpened: conns?.opened ?? 0,
    consulConnectionsPeak: conns?.peakOpen ?? 0,
    consulRequests,
    consulRequestsPerRequest: consulRequests !== null && load.responses > 0 ? consulRequests / load.responses : null,
    service: service
      ? {
          elu: service.process.elu,
          cpuPercent: (service.process.cpuUs / 1000 / Math.max(1, service.process.wallMs)) * 100,
          gcCount: service.process.gcCount,
        }
      : null,
    loadGenerator: load.loadGenerator,
    clientStats: service?.client ?? {},
    flags,
    inFlightPeak: service ? service.inFlightPeak : null,
  };
}

/** The figures of one run of a row, as kept in `results[].runs` (see {@link BenchRunOptions.repeat}). */
export function runSummary(row: ResultRow): RunSummary {
  return {
    durationMs: row.durationMs,
    requests: row.requests,
    ok: row.ok,
    rps: row.rps,
    latencyUs: row.latencyUs,
    histogram: row.histogram,
    errors: row.errors.total,
    consulRequests: row.consulRequests,
    consulRequestsPerRequest: row.consulRequestsPerRequest,
    heapBytesPerRequest: row.heapBytesPerRequest,
    inFlightPeak: row.inFlightPeak,
    ...(row.leak ? { leak: row.leak.verdict } : {}),
    ...(row.staleness
      ? { propagationP99Us: row.staleness.propagationUs.p99, staleShare: row.staleness.staleShare }
      : {}),
    ...(row.recovery ? { recoveryMs: row.recovery.recoveryMs, recovered: row.recovery.recovered } : {}),
  };
}

/**
 * Adds one more run (or a row with runs of its own, e.g. from another report) to a row measured before: latency from the merged HDR histograms (never averaged
 * percentiles), counts summed, RPS as 2xx over the summed windows, flags united. The first run's timeline, phases,
 * leak, staleness and recovery stay as the row's; every run's own figures are in `runs`.
 */
export function mergeRun(merged: ResultRow, run: ResultRow): ResultRow {
  const runs = [...(merged.runs ?? [runSummary(merged)]), ...(run.runs ?? [runSummary(run)])];
  const histogram = mergeHistograms([decodeHistogram(merged.histogram), decodeHistogram(run.histogram)]);
  const sum = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);
  const errors = { ...merged.errors };
  for (const k of Object.keys(errors) as Array<keyof typeof errors>)
    errors[k] = (merged.errors[k] ?? 0) + (run.errors[k] ?? 0);
  const requests = merged.requests + run.requests;
  const ok = merged.ok + run.ok;
  const durationMs = merged.durationMs + run.durationMs;
  const consulRequests = sum(merged.consulRequests, run.consulRequests);
  return {
    ...merged,
    durationMs,
    requests,
    ok,
    rps: ok / (durationMs / 1000),
    latencyUs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    errors,
    consulRequests,
    consulRequestsPerRequest: consulRequests !== null && requests > 0 ? consulRequests / requests : null,
    heapBytesPerRequest:
      merged.heapBytesPerRequest === null || run.heapBytesPerRequest === null
        ? null
        : (merged.heapBytesPerRequest * merged.requests + run.heapBytesPerRequest * run.requests) /
          Math.max(1, requests),
    consulConnectionsOpened: merged.consulConnectionsOpened + run.consulConnectionsOpened,
    consulConnectionsPeak: Math.max(merged.consulConnectionsPeak, run.consulConnectionsPeak),
    inFlightPeak:
      merged.inFlightPeak === null || run.inFlightPeak === null
        ? null
        : Math.max(merged.inFlightPeak, run.inFlightPeak),
    flags: [...new Set([...merged.flags, ...run.flags])],
    runs,
  };
}
