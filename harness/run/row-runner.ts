/**
 * The common path of one row: start the target, warm up (discarded), measure under the load generator, collect
 * the service's and Consul's counters, build the row, and stop the target, calling the features' hooks at fixed
 * points (see `row-feature.ts` for the order). Everything a row starts is stopped whatever happens.
 *
 * @module
 */
import os from 'node:os';
import { consulRequestCounts } from '../consul/consul-admin.ts';
import { LoadEvents, type LoadResult } from '../load/load-runner.ts';
import { loadModelOf } from '../load/models/index.ts';
import type { ResultRow } from '../report/report-schema.ts';
import { buildRow } from '../results/build-row.ts';
import { measuredSeconds, phaseMarks } from '../scenario/scenario-schema.ts';
import { processCpuUs } from '../service/process-cpu.ts';
import type { RowContext, RowHooks, RowMeasurement, RunEnv, ScenarioContext, ScenarioFeature } from './row-feature.ts';
import { startTarget } from './row-target.ts';
import type { RowSpec } from './run-events.ts';
import { StepTimeline } from './step-timeline.ts';

/** Calls one hook of every feature, in order. */
async function each(hooks: readonly RowHooks[], call: (h: RowHooks) => Promise<void> | void): Promise<void> {
  for (const h of hooks) await call(h);
}

/**
 * Runs one row of a scenario.
 * @param features the scenario's features (from their `forScenario`), in registry order.
 * @returns the row's raw result.
 * @throws whatever failed the row (a `BenchError` or the cause); the caller records it as a row failure.
 */
export async function runRow(
  scenario: ScenarioContext,
  spec: RowSpec,
  env: RunEnv,
  features: readonly ScenarioFeature[],
): Promise<ResultRow> {
  const s = scenario.scenario;
  const ctx: RowContext = {
    ...scenario,
    spec,
    env,
    consulUrl: scenario.consul.httpUrl,
    nodeOptions: [],
    launch: undefined,
    phases: s.phases ? phaseMarks(s.phases) : undefined,
    timeline: new StepTimeline(),
    target: undefined,
    originMs: 0,
    prober: undefined,
    pathPids: new Set(),
  };
  const hooks = features.map((f) => f.forRow(ctx));
  const model = loadModelOf(s.load.model);
  let row: ResultRow | undefined;
  /** Stops an open-model load whose workers were readied but never started (a hook failed in between). */
  let cancelLoad: (() => Promise<void>) | undefined;
  try {
    await each(hooks, (h) => h.beforeTarget?.());
    const target = await startTarget(ctx);
    ctx.target = target;
    await each(hooks, (h) => h.afterTarget?.());
    /**
     * Readies one load and returns its start: the open model's workers are loaded first, so the measured window,
     * its phases and the fault's timeline start when the schedule does, not a worker's boot time earlier.
     */
    const prepareLoad = async (
      phase: 'warm-up' | 'measure',
      durationS: number,
    ): Promise<(startAtMs: number) => Promise<LoadResult>> => {
      const base = { scenario: s.name, client: spec.name, phase };
      const connections = model.connections(s.load, target.connections);
      const shape = model.describe(s.load, connections);
      env.events.emit('phase', { ...base, durationS, connections, shape });
      const events = new LoadEvents();
      events.on('tick', (t) => env.events.emit('tick', { ...t, ...base }));
      const signal = env.signal ? { signal: env.signal } : {};
      const phases = phase === 'measure' && ctx.phases ? { phases: ctx.phases } : {};
      const { url, paths, headers } = target;
      const common = { url, paths, ...(headers ? { headers } : {}), durationS, ...signal, ...phases };
      const prepared = await model.prepare(common, s.load, target.connections, events);
      cancelLoad = () => prepared.cancel();
      return (startAtMs) => {
        cancelLoad = undefined;
        return prepared.run(startAtMs);
      };
    };

    if (s.load.warmupS > 0) await (await prepareLoad('warm-up', s.load.warmupS))(performance.now());
    await each(hooks, (h) => h.afterWarmup?.());
    await target.stats?.(); // discard the warm-up window
    const before = await consulRequestCounts(ctx.consul);
    target.directMeter?.reset();
    const startLoad = await prepareLoad('measure', measuredSeconds(s));
    const startedAtEpochMs = Date.now();
    ctx.originMs = performance.now();
    await each(hooks, (h) => h.beforeMeasure?.());
    const consulPid = ctx.consul.processId?.();
    const consulCpu0 = processCpuUs(consulPid);
    // the machine's CPU in one window, the load's: the service's and the path's processes beside Consul's
    const pathMeter = windowCpu([target.pid, ...ctx.pathPids]);
    ctx.timeline.start(ctx.originMs);
    const loadResult = await startLoad(ctx.originMs);
    const consulCpu1 = consulPid === ctx.consul.processId?.() ? processCpuUs(consulPid) : undefined;
    const consulCpuUs = consulCpu0 !== undefined && consulCpu1 !== undefined ? consulCpu1 - consulCpu0 : undefined;
    const pathWindow = pathMeter();
    const [serviceLoadCpuUs, ...pathCpuUs] = pathWindow.cpuUs;
    await ctx.timeline.stop();
    await each(hooks, (h) => h.settle?.());

    const direct = target.directMeter?.snapshot();
    const service = await target.stats?.();
    const measured: RowMeasurement = { load: loadResult, service, startedAtEpochMs, before };
    await each(hooks, (h) => h.afterLoad?.(measured));
    const after = await consulRequestCounts(ctx.consul);
    const built = buildRow({
      client: spec.name,
      kind: spec.kind,
      description: spec.description,
      connections: target.connections,
      load: loadResult,
      service,
      direct,
      before: measured.before,
      after,
      flags: target.flags,
      model: model.rowResults(loadResult),
      consulCpuUs,
      serviceLoadCpuUs,
      loadWallMs: pathWindow.wallMs,
      proxyCpuUs: pathCpuUs.some((x) => x !== undefined)
        ? pathCpuUs.reduce<number>((a, b) => a + (b ?? 0), 0)
        : undefined,
      cores: os.availableParallelism(),
      startedAtMs: startedAtEpochMs,
    });
    if (spec.module) built.clientModule = spec.module;
    if (spec.client !== spec.name && !spec.module) built.strategy = spec.client;
    if (spec.options) built.clientOptions = { ...spec.options };
    await each(hooks, (h) => h.addResults?.(built, measured));
    row = built;
    return built;
  } finally {
    await cancelLoad?.();
    await ctx.timeline.stop();
    await ctx.target?.stop();
    await each(hooks, (h) => h.afterRow?.(row));
  }
}

/**
 * Starts a CPU window over processes by pid (`/proc/<pid>/stat`); the returned function ends it and gives each
 * process's CPU time in it, µs, or `undefined` where one could not be read at both ends.
 */
function windowCpu(
  pids: ReadonlyArray<number | undefined>,
): () => { wallMs: number; cpuUs: Array<number | undefined> } {
  const start = pids.map((p) => processCpuUs(p));
  const from = performance.now();
  return () => ({
    wallMs: performance.now() - from,
    cpuUs: pids.map((p, i) => {
      const end = processCpuUs(p);
      return end !== undefined && start[i] !== undefined ? end - start[i]! : undefined;
    }),
  });
}
