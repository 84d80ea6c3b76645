/**
 * The counters a row reports, through the real config service under real (small, bounded) load against a real
 * Consul: fresh-connection opens about one TCP connection per Consul request, pooled never more than its
 * bound, watch-cached sends almost no Consul requests per service request.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consulRequestCounts, deleteKeys, seedKeys } from '../../harness/consul/consul-admin.ts';
import { runLoad } from '../../harness/load/load-runner.ts';
import { startConfigService } from '../../harness/service/service-process.ts';
import type { ServiceStats } from '../../harness/service/service-protocol.ts';

const consulUrl = inject('consulUrl');
const prefix = 'test/counters/';
const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);

beforeAll(() => seedKeys({ httpUrl: consulUrl }, new Map(keys.map((k) => [prefix + k, new Uint8Array(512).fill(7)]))));
afterAll(() => deleteKeys({ httpUrl: consulUrl }, prefix, true));

/** Starts the service with `client`, runs 1.5 s of load with 20 connections, returns the window's figures. */
async function measure(client: string, clientOptions: Record<string, unknown> = {}) {
  const service = await startConfigService({ client, clientOptions: { consulUrl, prefix, ...clientOptions } });
  try {
    await service.stats();
    const before = await consulRequestCounts({ httpUrl: consulUrl });
    const load = await runLoad({
      url: service.url,
      paths: keys.map((k) => `/config/${k}`),
      connections: 20,
      durationS: 1.5,
      timeoutS: 10,
    });
    const stats: ServiceStats = await service.stats();
    const after = await consulRequestCounts({ httpUrl: consulUrl });
    return { load, stats, consulRequests: after!.kvGets - before!.kvGets };
  } finally {
    await service.stop();
  }
}

describe('row counters', () => {
  it('fresh-connection opens about one connection per Consul request', async () => {
    const { load, stats, consulRequests } = await measure('fresh-connection');
    expect(load.byStatus['200']).toBeGreaterThan(100);
    const perRequest = stats.consulConnections.opened / consulRequests;
    expect(perRequest).toBeGreaterThan(0.9);
    expect(perRequest).toBeLessThan(1.1);
  });

  it('pooled never holds more connections than its bound', async () => {
    const { load, stats, consulRequests } = await measure('pooled', { maxConnections: 4 });
    expect(load.byStatus['200']).toBeGreaterThan(100);
    expect(stats.consulConnections.peakOpen).toBeGreaterThan(0);
    expect(stats.consulConnections.peakOpen).toBeLessThanOrEqual(4);
    expect(consulRequests / load.responses).toBeGreaterThan(0.9);
  });

  it('watch-cached sends almost no Consul requests per service request', async () => {
    const { load, stats, consulRequests } = await measure('watch-cached');
    expect(load.byStatus['200']).toBeGreaterThan(100);
    expect(consulRequests / load.responses).toBeLessThan(0.01);
    expect(stats.consulConnections.peakOpen).toBeLessThanOrEqual(1);
  });

  it('the service reports heap allocation and RSS for the window', async () => {
    const { stats } = await measure('pooled');
    expect(stats.process.heapAllocatedBytes).toBeGreaterThan(0);
    expect(stats.process.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(stats.causes.consul429).toBe(0);
  });
});
