/** Small pure pieces: histograms, Prometheus parsing, teardown order, loopback checks, row building. */
import { describe, expect, it } from 'vitest';
import { parseConsulRequestCounts } from '../../harness/consul/consul-admin.ts';
import { normaliseConsulAddr } from '../../harness/consul/external-consul.ts';
import { LogTail, Teardown } from '../../harness/lifecycle.ts';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  recordMs,
  summarize,
} from '../../harness/load/latency-histogram.ts';
import { assertLoopback, isLoopbackAddress } from '../../harness/loopback.ts';
import { latencyCell } from '../../harness/report/format.ts';
import { buildRow } from '../../harness/results/build-row.ts';
import { seededBytes } from '../../harness/scenario/seeded-bytes.ts';

describe('latency histograms', () => {
  it('record fractional ms at µs resolution and keep sub-millisecond values apart', () => {
    const h = createLatencyHistogram();
    recordMs(h, 0.25);
    recordMs(h, 0.75);
    const s = summarize(h);
    expect(s.count).toBe(2);
    expect(s.p50).toBe(250);
    expect(s.max).toBeGreaterThanOrEqual(749);
    expect(s.max).toBeLessThanOrEqual(751);
  });

  it('merge by adding counts (a p99 of merged runs is not the mean of their p99s)', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    for (let i = 0; i < 990; i++) recordMs(a, 1);
    for (let i = 0; i < 10; i++) recordMs(a, 100);
    for (let i = 0; i < 1000; i++) recordMs(b, 1);
    const merged = summarize(mergeHistograms([a, b]));
    expect(merged.count).toBe(2000);
    expect(merged.p99).toBeLessThan(2000); // 10 slow of 2000 is 0.5%: p99 is fast
    expect(summarize(a).p99).toBeLessThan(2000);
    expect(summarize(a).p999).toBeGreaterThan(99_000);
  });

  it('round-trip through the compressed base64 encoding', () => {
    const h = createLatencyHistogram();
    for (const ms of [0.1, 1, 10, 100, 1000]) recordMs(h, ms);
    expect(summarize(decodeHistogram(encodeHistogram(h)))).toEqual(summarize(h));
  });

  it('clamp out-of-range values instead of throwing', () => {
    const h = createLatencyHistogram();
    recordMs(h, 0);
    recordMs(h, 10_000_000);
    expect(summarize(h).count).toBe(2);
  });
});

describe('latency cells', () => {
  it('mark a percentile ≥ where more requests were censored than lie above it, never in the closed model', () => {
    const l = { count: 1000, p50: 2_000, p90: 9_000, p99: 10_000_000, p999: 10_000_000, max: 10_000_000 };
    // 20 of 1 000 given up at the timeout: the p99 and above are among them, the p90 and p50 are not
    expect(['p50', 'p90', 'p99', 'p999', 'max'].map((k) => latencyCell(l, 20, k as 'p99'))).toEqual([
      '2.00',
      '9.00',
      '≥ 10000',
      '≥ 10000',
      '≥ 10000',
    ]);
    expect(latencyCell(l, 10, 'p99')).toBe('10000'); // exactly 1%: the p99 is the last answer below them
    expect(latencyCell(l, 1, 'max')).toBe('≥ 10000');
    expect(latencyCell(l, undefined, 'max')).toBe('10000');
  });
});

describe('Consul Prometheus counters', () => {
  it('sum consul_api_http_count by method and path', () => {
    const text = [
      '# TYPE consul_api_http summary',
      'consul_api_http_count 0',
      'consul_api_http{method="GET",path="v1_kv_",quantile="0.5"} 0.2',
      'consul_api_http_sum{method="GET",path="v1_kv_"} 1.8',
      'consul_api_http_count{method="GET",path="v1_kv_"} 6',
      'consul_api_http_count{method="PUT",path="v1_kv_"} 3',
      'consul_api_http_count{method="GET",path="v1_status_leader"} 1',
    ].join('\n');
    expect(parseConsulRequestCounts(text)).toEqual({ kvGets: 6, all: 10 });
  });
});

describe('Teardown', () => {
  it('runs steps last-in first-out, once, and collects failures', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.defer('a', () => void order.push('a'));
    const runB = t.defer('b', () => void order.push('b'));
    t.defer('c', () => {
      throw new Error('boom');
    });
    await runB();
    await runB();
    const errors = await t.runAll();
    expect(order).toEqual(['b', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['teardown of c failed: boom']);
    expect(await t.runAll()).toBe(errors);
  });

  it('LogTail keeps the last lines', () => {
    const tail = new LogTail(2);
    tail.push('one\ntwo\nthr');
    tail.push('ee\n');
    expect(tail.toString()).toBe('two\nthree');
  });
});

describe('loopback only', () => {
  it.each(['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1'])('%s is loopback', (a) =>
    expect(isLoopbackAddress(a)).toBe(true),
  );
  it.each(['10.0.0.1', '192.168.1.1', '8.8.8.8', '::', 'fe80::1'])('%s is not', (a) =>
    expect(isLoopbackAddress(a)).toBe(false),
  );
  it('refuses a non-loopback target with NOT_LOOPBACK', async () => {
    await expect(assertLoopback('http://192.0.2.10:8500', 'target')).rejects.toMatchObject({ code: 'NOT_LOOPBACK' });
    await expect(assertLoopback('http://localhost:8500', 'target')).resolves.toBeUndefined();
  });
  it('normalises CONSUL_HTTP_ADDR forms', () => {
    expect(normaliseConsulAddr('127.0.0.1:8500')).toBe('http://127.0.0.1:8500');
    expect(normaliseConsulAddr('https://127.0.0.1:8501/')).toBe('https://127.0.0.1:8501');
  });
});

describe('buildRow', () => {
  const h = createLatencyHistogram();
  recordMs(h, 2);
  const load = {
    histogram: h,
    responses: 10,
    byStatus: { '200': 7, '503': 2, '404': 1 },
    connectionErrors: 1,
    timeouts: 2,
    durationMs: 2000,
    loadGenerator: { elu: 0.95, cpuPercent: 90, eventLoopDelayP99Ms: 12, saturated: true },
    aborted: false,
    phases: [],
  };
  it('counts errors by cause and derives RPS from 2xx only', () => {
    const row = buildRow({
      client: 'pooled',
      kind: 'client',
      description: '',
      connections: 5,
      load,
      service: {
        byStatus: { '200': 7, '503': 2, '404': 1 },
        causes: {
          notFound: 1,
          consul429: 2,
          clientTimeout: 0,
          consulHttp: 0,
          unreachable: 0,
          rateLimited: 0,
          cacheTooStale: 0,
          other: 0,
        },
        consulConnections: { opened: 3, peakOpen: 2, open: 0, failed: 0 },
        process: {
          heapAllocatedBytes: 1000,
          externalAllocatedBytes: 500,
          gcCount: 1,
          peakRssBytes: 5,
          elu: 0.5,
          cpuUs: 1_000_000,
          wallMs: 2000,
        },
        client: {},
        inFlightPeak: 4,
        pendingPeak: 4,
        idleResources: {},
        samplerCost: { meanUs: 120, maxUs: 300, samples: 8 },
        timeline: [],
      },
      direct: undefined,
      before: { kvGets: 100, all: 200 },
      after: { kvGets: 108, all: 210 },
      flags: [],
      consulCpuUs: 200_000,
      cores: 2,
    });
    expect(row.ok).toBe(7);
    expect(row.rps).toBe(3.5);
    expect(row.errors).toMatchObject({ total: 6, non2xx: 3, timeouts: 2, connection: 1, consul429: 2, notFound: 1 });
    expect(row.heapBytesPerRequest).toBe(100);
    expect(row.consulRequests).toBe(8);
    expect(row.consulRequestsPerRequest).toBe(0.8);
    expect(row.service?.cpuPercent).toBe(50);
    expect(row.flags).toEqual(['load-generator-saturated', 'consul-429', 'errors']);
    // per request: 1 000 ms of service CPU, less its sampler's 8 × 120 µs, over 10 answers; 200 ms of Consul CPU
    expect(row.service?.cpuUsPerRequest).toBe((1_000_000 - 8 * 120) / 10);
    expect(row.service?.samplerCostUs).toEqual({ mean: 120, max: 300 });
    expect(row.consul).toEqual({ cpuPercent: 10, cpuUsPerRequest: 20_000 });
    expect(row.machine).toEqual({ cpuPercent: 150, cores: 2, bound: false });
    expect(row.allocatedBytesPerRequest).toBe(150);
  });
  it('flags a machine-bound row from total CPU, whatever the generator alone says', () => {
    // The committed report's no-consul row: generator ELU 0.87 (under 0.9), 93% CPU; the service 88% of the other core.
    const row = buildRow({
      client: 'no-consul',
      kind: 'baseline',
      description: '',
      connections: 500,
      load: {
        ...load,
        byStatus: { '200': 10 },
        timeouts: 0,
        connectionErrors: 0,
        loadGenerator: { elu: 0.87, cpuPercent: 93, eventLoopDelayP99Ms: 15, saturated: false },
      },
      service: undefined,
      direct: undefined,
      before: undefined,
      after: undefined,
      flags: [],
      cores: 2,
    });
    expect(row.flags).toEqual([]);
    const withService = buildRow({
      client: 'no-consul',
      kind: 'baseline',
      description: '',
      connections: 500,
      load: {
        ...load,
        byStatus: { '200': 10 },
        timeouts: 0,
        connectionErrors: 0,
        loadGenerator: { elu: 0.87, cpuPercent: 93, eventLoopDelayP99Ms: 15, saturated: false },
      },
      service: {
        byStatus: { '200': 10 },
        causes: {
          notFound: 0,
          consul429: 0,
          clientTimeout: 0,
          consulHttp: 0,
          unreachable: 0,
          rateLimited: 0,
          cacheTooStale: 0,
          other: 0,
        },
        consulConnections: { opened: 0, peakOpen: 0, open: 0, failed: 0 },
        process: {
          heapAllocatedBytes: 0,
          externalAllocatedBytes: 0,
          gcCount: 0,
          peakRssBytes: 1,
          elu: 0.9,
          cpuUs: 1_760_000,
          wallMs: 2000,
        },
        client: {},
        inFlightPeak: 0,
        pendingPeak: 0,
        idleResources: {},
        samplerCost: { meanUs: 0, maxUs: 0, samples: 0 },
        timeline: [],
      },
      direct: undefined,
      before: undefined,
      after: undefined,
      flags: [],
      cores: 2,
    });
    expect(withService.machine).toEqual({ cpuPercent: 181, cores: 2, bound: true });
    expect(withService.flags).toEqual(['machine-bound']);
    // In one window, the load's: the service's statistics window (with an idle quiesce, 40% of a core) would leave
    // the row unflagged; over the load the service used 90%, Consul 10% and Toxiproxy, on the path, 8%: 178% of 200.
    const oneWindow = buildRow({
      client: 'pooled',
      kind: 'client',
      description: '',
      connections: 50,
      load: {
        ...load,
        durationMs: 1000,
        byStatus: { '200': 10 },
        timeouts: 0,
        connectionErrors: 0,
        loadGenerator: { elu: 0.7, cpuPercent: 70, eventLoopDelayP99Ms: 5, saturated: false },
      },
      service: undefined,
      direct: undefined,
      before: undefined,
      after: undefined,
      flags: [],
      cores: 2,
      consulCpuUs: 100_000,
      serviceLoadCpuUs: 900_000,
      proxyCpuUs: 80_000,
      loadWallMs: 1000,
    });
    expect(oneWindow.machine).toMatchObject({ cores: 2, bound: true, proxyCpuPercent: 8 });
    expect(oneWindow.machine!.cpuPercent).toBeCloseTo(178, 6);
    expect(oneWindow.flags).toContain('machine-bound');
  });
  it('consul-direct counts 429s from status codes and has no service figures', () => {
    const row = buildRow({
      client: 'consul-direct',
      kind: 'baseline',
      description: '',
      connections: 5,
      load: { ...load, byStatus: { '200': 8, '429': 2 } },
      service: undefined,
      direct: { opened: 5, peakOpen: 5, open: 5, failed: 0 },
      before: undefined,
      after: undefined,
      flags: ['connections-capped'],
    });
    expect(row.errors.consul429).toBe(2);
    expect(row.heapBytesPerRequest).toBeNull();
    expect(row.consulRequests).toBeNull();
    expect(row.consulConnectionsOpened).toBe(5);
    expect(row.flags[0]).toBe('connections-capped');
  });
});

describe('seeded values', () => {
  it('are deterministic per seed and differ between seeds', () => {
    expect(seededBytes(64, 1)).toEqual(seededBytes(64, 1));
    expect(seededBytes(64, 1)).not.toEqual(seededBytes(64, 2));
  });
});
