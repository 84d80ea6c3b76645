/**
 * Builds a row of the raw results (`report.json`'s `results[]`) from what one row measured: the load generator's
 * counts and HDR histogram, the service's window of statistics, and Consul's own request counters before and
 * after. Pure: it measures nothing and prints nothing, so every renderer, `compare` and `gate` can rely on one
 * definition of each figure.
 *
 * @module
 */
import { ERROR_CAUSE_NAMES, type ErrorCause } from '../../clients/index.ts';
import type { ConsulRequestCounts } from '../consul/consul-admin.ts';
import { encodeHistogram, summarize } from '../load/latency-histogram.ts';
import type { LoadResult } from '../load/load-runner.ts';
import { CLOSED_MODEL } from '../load/models/closed.ts';
import type { ResultRow } from '../report/report-schema.ts';
import type { ConnectionCounts } from '../service/service-meters.ts';
import type { ServiceStats } from '../service/service-protocol.ts';

/** What {@link buildRow} takes. */
export interface RowInputs {
  readonly client: string;
  readonly kind: 'client' | 'baseline';
  readonly description: string;
  /** Load-generator connections used for the row. */
  readonly connections: number;
  readonly load: LoadResult;
  /** The service's statistics of the measured window; `undefined` for `consul-direct` (no service). */
  readonly service: ServiceStats | undefined;
  /** Connections the load generator opened to Consul, for `consul-direct`. */
  readonly direct: ConnectionCounts | undefined;
  /** Consul's counters before and after the window; `undefined` when its metrics are unavailable. */
  readonly before: ConsulRequestCounts | undefined;
  readonly after: ConsulRequestCounts | undefined;
  /** Flags the runner already knows (e.g. `connections-capped`); the ones derived here are added. */
  readonly flags: readonly string[];
  /**
   * What the load model adds to the row (`LoadModelDef.rowResults`: the open model's schedule figures) and its
   * flags (`generator-behind`, `load-generator-saturated`). Default: the closed model's.
   */
  readonly model?: { readonly fields: Readonly<Record<string, unknown>>; readonly flags: readonly string[] };
  /** CPU time the Consul agent used during the measured load, µs; `undefined` when unknown (not run locally). */
  readonly consulCpuUs?: number | undefined;
  /**
   * CPU time of the service process over the load (the window Consul's is read in, not the service's statistics'
   * window, which takes in the quiesce), µs; `undefined` when unknown (consul-direct, no /proc).
   */
  readonly serviceLoadCpuUs?: number | undefined;
  /** CPU time of the processes a feature put on the request path (Toxiproxy) over the load, µs; `undefined`: none. */
  readonly proxyCpuUs?: number | undefined;
  /** Wall time of that window, ms (default: the load's duration). */
  readonly loadWallMs?: number | undefined;
  /** CPU cores of the machine (`os.availableParallelism()`). Default 1. */
  readonly cores?: number;
  /** Start of the measured window, ms since the Unix epoch (pairs interleaved runs in `compare` and `gate`). */
  readonly startedAtMs?: number;
}

/** Generator + service + Consul + proxies at or above this share of all cores: the machine set the pace. */
export const MACHINE_BOUND_SHARE = 0.85;

/** Answers with a 2xx status, from a count by status. */
export function okCount(byStatus: Readonly<Record<string, number>>): number {
  return Object.entries(byStatus).reduce(
    (n, [status, c]) => (Number(status) >= 200 && Number(status) < 300 ? n + c : n),
    0,
  );
}

/**
 * Errors by cause. With a service, its own classification (`ERROR_CAUSES`); without one (`consul-direct`), the
 * load generator saw Consul's answers itself: 429 → `consul429`, 404 → `notFound`, other non-2xx → `consulHttp`.
 */
function errorsOf(load: LoadResult, service: ServiceStats | undefined, non2xx: number): ResultRow['errors'] {
  const byCause = Object.fromEntries(ERROR_CAUSE_NAMES.map((c) => [c, service?.causes[c] ?? 0])) as Record<
    ErrorCause,
    number
  >;
  if (!service) {
    const s429 = load.byStatus['429'] ?? 0;
    const s404 = load.byStatus['404'] ?? 0;
    Object.assign(byCause, { consul429: s429, notFound: s404, consulHttp: non2xx - s429 - s404 });
  }
  return {
    total: non2xx + load.timeouts + load.connectionErrors,
    non2xx,
    timeouts: load.timeouts,
    connection: load.connectionErrors,
    ...byCause,
  };
}

/** Turns what a row measured into its raw result. Pure. */
export function buildRow(i: RowInputs): ResultRow {
  const { load, service } = i;
  const ok = okCount(load.byStatus);
  const errors = errorsOf(load, service, load.responses - ok);
  const served = service ? Object.values(service.byStatus).reduce((a, b) => a + b, 0) : load.responses;
  const perServed = (bytes: number): number => (served > 0 ? bytes / served : 0);
  const consulRequests = i.before && i.after ? Math.max(0, i.after.kvGets - i.before.kvGets) : null;
  const flags = [...i.flags, ...(i.model ?? CLOSED_MODEL.rowResults(load)).flags];
  const seconds = Math.max(1e-9, load.durationMs / 1000);
  const consulCpuPercent = i.consulCpuUs === undefined ? undefined : (i.consulCpuUs / 1e6 / seconds) * 100;
  const samplerCpuUs = service ? service.samplerCost.meanUs * service.samplerCost.samples : 0;
  const serviceOwnCpuUs = service ? Math.max(0, service.process.cpuUs - samplerCpuUs) : 0;
  const serviceCpuPercent = service ? (service.process.cpuUs / 1000 / Math.max(1, service.process.wallMs)) * 100 : 0;
  const cores = i.cores ?? 1;
  // every process on the request path, over the load: the generator, the service, Consul and any proxy
  const windowS = Math.max(1e-9, (i.loadWallMs ?? load.durationMs) / 1000);
  const percentOfWindow = (us: number | undefined) => (us === undefined ? undefined : (us / 1e6 / windowS) * 100);
  const proxyCpuPercent = percentOfWindow(i.proxyCpuUs);
  const machineCpu =
    load.loadGenerator.cpuPercent +
    (percentOfWindow(i.serviceLoadCpuUs) ?? serviceCpuPercent) +
    (percentOfWindow(i.consulCpuUs) ?? 0) +
    (proxyCpuPercent ?? 0);
  const machineBound = machineCpu >= MACHINE_BOUND_SHARE * cores * 100;
  if (machineBound) flags.push('machine-bound');
  if (errors.consul429 > 0) flags.push('consul-429');
  if (errors.total > 0) flags.push('errors');
  if (load.aborted) flags.push('interrupted');
  const conns = service?.consulConnections ?? i.direct;
  return {
    client: i.client,
    kind: i.kind,
    description: i.description,
    connections: i.connections,
    ...(i.startedAtMs !== undefined ? { startedAtMs: i.startedAtMs } : {}),
    durationMs: load.durationMs,
    requests: load.responses,
    ok,
    rps: ok / (load.durationMs / 1000),
    latencyUs: summarize(load.histogram),
    histogram: encodeHistogram(load.histogram),
    errors,
    heapBytesPerRequest: service ? perServed(service.process.heapAllocatedBytes) : null,
    externalBytesPerRequest: service ? perServed(service.process.externalAllocatedBytes) : null,
    allocatedBytesPerRequest: service
      ? perServed(service.process.heapAllocatedBytes + service.process.externalAllocatedBytes)
      : null,
    peakRssBytes: service ? service.process.peakRssBytes : null,
    consulConnectionsOpened: conns?.opened ?? 0,
    consulConnectionsPeak: conns?.peakOpen ?? 0,
    consulRequests,
    consulRequestsPerRequest: consulRequests !== null && load.responses > 0 ? consulRequests / load.responses : null,
    service: service
      ? {
          elu: service.process.elu,
          cpuPercent: serviceCpuPercent,
          gcCount: service.process.gcCount,
          // the sampler's CPU (its socket reads in a worker thread, its ticks on the loop) is reported apart
          cpuUsPerRequest: perServed(serviceOwnCpuUs),
          samplerCostUs: {
            mean: service.samplerCost.meanUs,
            max: service.samplerCost.maxUs,
            ...(service.samplerCost.readsUs !== undefined ? { reads: service.samplerCost.readsUs } : {}),
          },
          samplerCpuShare: serviceOwnCpuUs > 0 ? samplerCpuUs / serviceOwnCpuUs : 0,
          ...(service.samplerCost.heldUs !== undefined
            ? { samplerLoopShare: service.samplerCost.heldUs / 1000 / Math.max(1, service.process.wallMs) }
            : {}),
        }
      : null,
    loadGenerator: load.loadGenerator,
    consul:
      i.consulCpuUs === undefined
        ? null
        : {
            cpuPercent: consulCpuPercent ?? 0,
            cpuUsPerRequest: load.responses > 0 ? i.consulCpuUs / load.responses : 0,
          },
    machine: {
      cpuPercent: machineCpu,
      cores,
      bound: machineBound,
      ...(proxyCpuPercent !== undefined ? { proxyCpuPercent } : {}),
    },
    clientStats: service?.client ?? {},
    flags,
    inFlightPeak: service ? service.inFlightPeak : null,
    ...(i.model?.fields ?? {}),
  };
}
