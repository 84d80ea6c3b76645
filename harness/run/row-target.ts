/**
 * What a row's load is aimed at: the config service running the row's client (the Node service, or the Go one
 * for a `go-*` row), or, for the `consul-direct`
 * baseline, Consul's KV endpoint itself (`?raw`). Lifecycle: {@link startTarget} → {@link RowTarget} → `stop()`.
 *
 * @module
 */
import { CLIENTS, type ClientEntry, isClientName, kvPath } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { startGoService } from '../service/go-service.ts';
import { ConsulConnectionMeter } from '../service/service-meters.ts';
import { startConfigService } from '../service/service-process.ts';
import type { RowContext, RowTarget, RunEnv } from './row-feature.ts';

/** Connections kept free under Consul's per-client limit when consul-direct is capped (the harness's own admin requests). */
export const CONSUL_DIRECT_HEADROOM = 8;

/**
 * What {@link startTarget} needs of a row: a row's context, or the `ceiling` command's stand-in for one (a row's
 * target without the run's features).
 */
export type TargetContext = Pick<
  RowContext,
  'scenario' | 'spec' | 'prefix' | 'keys' | 'consul' | 'consulUrl' | 'clientToken' | 'launch' | 'nodeOptions'
> & { readonly env: Pick<RunEnv, 'events' | 'teardown' | 'signal'> };

/**
 * Starts the row's target: the config service with the row's client and options (the scenario's `clientOptions`,
 * then the variant's overrides, as validated), or the consul-direct target.
 * @throws {BenchError} `SERVICE_FAILED` when the service does not start.
 */
export async function startTarget(ctx: TargetContext): Promise<RowTarget> {
  const { scenario, spec, prefix, keys, consul } = ctx;
  if (spec.client === 'consul-direct') {
    let connections = scenario.load.connections;
    const flags: string[] = [];
    const limit = consul.httpMaxConnsPerClient;
    if (limit !== undefined && connections > limit - CONSUL_DIRECT_HEADROOM) {
      connections = Math.max(1, limit - CONSUL_DIRECT_HEADROOM);
      flags.push('connections-capped');
      ctx.env.events.emit(
        'notice',
        `consul-direct: ${connections} connections instead of ${scenario.load.connections}, under Consul's http_max_conns_per_client = ${limit}`,
      );
    }
    const directMeter = new ConsulConnectionMeter(Number(new URL(ctx.consulUrl).port));
    return {
      kind: 'consul-direct',
      url: ctx.consulUrl,
      paths: keys.map((k) => `${kvPath(prefix + k)}?raw`),
      ...(ctx.clientToken ? { headers: { 'x-consul-token': ctx.clientToken } } : {}),
      connections,
      flags,
      stats: undefined,
      directMeter,
      stop: async () => directMeter.dispose(),
    };
  }
  const clientOptions = {
    ...scenario.clientOptions,
    ...(spec.options ?? {}),
    consulUrl: ctx.consulUrl,
    token: ctx.clientToken,
    ca: consul.caPem,
    prefix,
    valueBytes: scenario.keys.valueBytes,
  };
  // a Go row: a registered one, or a user's .go file built into the Go config service (see startGoService)
  const goModule = spec.module?.endsWith('.go') ? spec.module : undefined;
  const go =
    goModule !== undefined ||
    (!spec.module && isClientName(spec.client) && (CLIENTS[spec.client] as ClientEntry).runtime === 'go');
  if (go && (ctx.launch || ctx.nodeOptions.length > 0)) {
    throw new BenchError(
      'USAGE',
      `${spec.name} runs the Go config service, which --profile (a Node profiler) cannot profile: leave it out with --clients`,
    );
  }
  const service = go
    ? await startGoService({
        client: spec.client,
        ...(goModule ? { extraSources: [goModule] } : {}),
        clientOptions,
        onProgress: (line) => ctx.env.events.emit('notice', line),
        signal: ctx.env.signal,
        sampleSockets: scenario.phases !== undefined, // a goroutine profile a sample only where a timeline is judged
      })
    : await startConfigService({
        client: spec.client,
        clientModule: spec.module,
        clientOptions,
        nodeOptions: ctx.nodeOptions,
        launch: ctx.launch,
        sampleSockets: scenario.phases !== undefined, // only rows that keep a timeline pay for socket states
      });
  const stop = ctx.env.teardown.defer(`config service (${spec.name})`, () => service.stop());
  return {
    kind: 'service',
    url: service.url,
    pid: service.pid,
    paths: keys.map((k) => `/config/${encodeURIComponent(k)}`),
    connections: scenario.load.connections,
    flags: [],
    stats: () => service.stats(),
    idle: (spanMs) => service.idle(spanMs),
    retainedHeap: () => service.retainedHeap(),
    directMeter: undefined,
    stop,
  };
}
