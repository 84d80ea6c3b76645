/**
 * Small reports built in code, for tests of what reads reports (gate, history, compare, calibration, merge): the one
 * place in the tests that writes a whole row out, so a new required field of a row is added here once.
 */
import { createLatencyHistogram, encodeHistogram } from '../harness/load/latency-histogram.ts';
import type { Report, ResultRow, RunSummary } from '../harness/report/report-schema.ts';

const emptyHistogram = encodeHistogram(createLatencyHistogram());

/** One run with a given p99, ms. */
export function run(p99Ms: number, extra: Partial<RunSummary> = {}): RunSummary {
  const us = Math.round(p99Ms * 1000);
  return {
    durationMs: 1000,
    requests: 1000,
    ok: 1000,
    rps: 1000,
    latencyUs: { p50: us / 2, p90: us, p99: us, p999: us, max: us, mean: us / 2, count: 1000 },
    histogram: emptyHistogram,
    errors: 0,
    consulRequests: 1000,
    consulRequestsPerRequest: 1,
    heapBytesPerRequest: 100,
    inFlightPeak: 1,
    ...extra,
  };
}

/**
 * A row of runs (the first run's figures as the row's).
 * @param leak the row's verdict (its evidence's reason is the verdict's name).
 * @param extra fields that replace the built ones.
 */
export function row(
  client: string,
  runs: RunSummary[],
  leak?: 'leak' | 'no-leak',
  extra: Partial<ResultRow> = {},
): ResultRow {
  const first = runs[0]!;
  return {
    client,
    kind: 'client',
    description: '',
    connections: 1,
    durationMs: first.durationMs,
    requests: first.requests,
    ok: first.ok,
    rps: first.rps ?? 0,
    latencyUs: first.latencyUs!,
    histogram: first.histogram,
    errors: {
      total: first.errors ?? 0,
      non2xx: 0,
      timeouts: 0,
      connection: 0,
      consul429: 0,
      clientTimeout: 0,
      consulHttp: 0,
      unreachable: 0,
      notFound: 0,
      other: 0,
    },
    heapBytesPerRequest: first.heapBytesPerRequest ?? null,
    peakRssBytes: 0,
    consulConnectionsOpened: 0,
    consulConnectionsPeak: 0,
    consulRequests: first.consulRequests ?? null,
    consulRequestsPerRequest: first.consulRequestsPerRequest ?? null,
    service: null,
    loadGenerator: { elu: 0, cpuPercent: 0, saturated: false },
    clientStats: {},
    flags: [],
    inFlightPeak: first.inFlightPeak ?? null,
    ...(runs.length > 1 ? { runs } : {}),
    ...(leak
      ? {
          leak: {
            verdict: leak,
            evidence: { reason: leak, grownResources: {}, samples: { baseline: 0, fault: 0, drainTail: 0 } },
          },
        }
      : {}),
    ...extra,
  };
}

/** A report of one scenario, measured in the closed model. */
export function report(scenario: string, rows: ResultRow[]): Report {
  return {
    schemaVersion: 1,
    createdAt: '2026-11-21T00:00:00Z',
    finishedAt: null,
    status: 'complete',
    command: 'test',
    environment: {
      node: 'v26',
      platform: 'linux',
      osRelease: '',
      arch: 'x64',
      cpuModel: 'cpu',
      cpuCount: 2,
      totalMemoryBytes: 1,
      consul: { version: '1.22.7', backend: 'local', provenance: '', httpMaxConnsPerClient: 200 },
      tools: {},
    },
    scenarios: [{ name: scenario, description: '', settings: {}, loadModel: 'closed', results: rows }],
    failures: [],
  };
}
