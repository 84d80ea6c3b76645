/**
 * Every client strategy against a real Consul serving its API over HTTPS only (the harness's `--tls`: a CA and
 * server certificate from `consul tls ca create` / `consul tls cert create -server`): exact bytes with the CA; a
 * clear TLS error, not a hang, without it. And the added round trip (`--rtt`, Toxiproxy's latency toxic): a
 * `fresh-connection` read pays the handshake's round trip and the request's, a warm `pooled` read one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES, CLIENTS, type StrategyClient } from '../../clients/index.ts';
import { deleteKeys, putKey } from '../../harness/consul/consul-admin.ts';
import { startConsul } from '../../harness/consul/consul-server.ts';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { type StartedToxiproxy, startToxiproxy } from '../../harness/faults/toxiproxy-server.ts';
import { splitRtt } from '../../harness/run/features/network.ts';

const prefix = 'test/tls/';
const values = new Map<string, Uint8Array>([
  [`${prefix}text`, new TextEncoder().encode('hello, consul over TLS')],
  [`${prefix}empty`, new Uint8Array(0)],
  [`${prefix}binary`, Uint8Array.from({ length: 256 }, (_, i) => i)],
  [`${prefix}nested/deeper/key`, new TextEncoder().encode('nested')],
  [`${prefix}large`, Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff)],
]);
const strategies = CLIENT_NAMES.filter((n) => 'factory' in CLIENTS[n] && n !== 'no-consul');

function factoryOf(name: (typeof strategies)[number]) {
  const entry = CLIENTS[name];
  if (!('factory' in entry)) throw new Error(`${name} has no factory`);
  return entry.factory;
}

let consul: StartedConsul;
beforeAll(async () => {
  consul = await startConsul({ backend: 'local', tls: true, httpMaxConnsPerClient: 200 });
  for (const [k, v] of values) await putKey(consul, k, v);
}, 120_000);
afterAll(async () => {
  if (!consul) return;
  await deleteKeys(consul, prefix, true).catch(() => {});
  await consul.stop();
});

describe('a Consul started with tls', () => {
  it('serves HTTPS only, with a CA the harness made', async () => {
    expect(consul.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(consul.tls).toBe(true);
    expect(consul.caPem).toMatch(/-----BEGIN CERTIFICATE-----/);
    // plain HTTP on the same port is refused by Consul's TLS listener
    const plain = await fetch(consul.httpUrl.replace('https:', 'http:') + '/v1/status/leader').then(
      (r) => r.status,
      () => 'failed',
    );
    expect(plain).not.toBe(200);
  });
});

describe.each(strategies)('%s over TLS', (name) => {
  let client: StrategyClient;
  beforeAll(async () => {
    client = factoryOf(name)({ consulUrl: consul.httpUrl, ca: consul.caPem, prefix, requestTimeoutMs: 5000 });
    await client.start();
  });
  afterAll(() => client?.close());

  it.each([...values.keys()])('reads exactly the bytes written for %s', async (key) => {
    const got = await client.get(key);
    expect(got).toBeDefined();
    expect(Buffer.from(got!).equals(Buffer.from(values.get(key)!))).toBe(true);
  });

  it('without the CA fails with a TLS error naming the fix, within 10 s', async () => {
    const untrusting = factoryOf(name)({ consulUrl: consul.httpUrl, prefix, requestTimeoutMs: 2000 });
    const started = performance.now();
    const outcome = await Promise.race([
      untrusting
        .start()
        .then(() => untrusting.get(`${prefix}text`))
        .then(
          () => 'read',
          (err: unknown) => err,
        ),
      new Promise((r) => setTimeout(() => r('hang'), 10_000).unref()),
    ]);
    await untrusting.close();
    expect(outcome).toMatchObject({ code: 'CONSUL_UNREACHABLE' });
    expect((outcome as Error).message).toMatch(/TLS [A-Z_]+: Consul's certificate is not trusted/);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);
});

describe('a round trip through Toxiproxy', () => {
  let toxiproxy: StartedToxiproxy;
  let url: string;
  beforeAll(async () => {
    toxiproxy = await startToxiproxy();
    const proxy = await toxiproxy.proxy('tls-rtt', consul.httpUrl);
    const [upstreamMs, downstreamMs] = splitRtt(5);
    await proxy.addLatency({ upstreamMs, downstreamMs });
    url = proxy.url;
  }, 60_000);
  afterAll(() => toxiproxy?.stop());

  it('splits an RTT into whole ms each way, the odd ms on the way back', () => {
    expect(splitRtt(5)).toEqual([2, 3]);
    expect(splitRtt(1)).toEqual([0, 1]);
    expect(splitRtt(0)).toEqual([0, 0]);
  });

  it('keeps the https scheme through the proxy', () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a fresh-connection read pays the TLS handshake and the request: at least two round trips of 5 ms', async () => {
    const client = factoryOf('fresh-connection')({ consulUrl: url, ca: consul.caPem, prefix });
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        expect(await client.get(`${prefix}text`)).toBeDefined();
        expect(performance.now() - t0).toBeGreaterThanOrEqual(10);
      }
    } finally {
      await client.close();
    }
  });

  it('a warm pooled read pays one round trip, and less than a fresh connection', async () => {
    const pooled = factoryOf('pooled')({ consulUrl: url, ca: consul.caPem, prefix });
    const fresh = factoryOf('fresh-connection')({ consulUrl: url, ca: consul.caPem, prefix });
    const timed = async (client: typeof pooled): Promise<number> => {
      const t0 = performance.now();
      expect(await client.get(`${prefix}text`)).toBeDefined();
      return performance.now() - t0;
    };
    try {
      await pooled.get(`${prefix}text`); // connect and handshake
      const warm: number[] = [];
      const cold: number[] = [];
      // interleaved, so a noisy moment on a shared machine falls on both
      for (let i = 0; i < 5; i++) {
        warm.push(await timed(pooled));
        cold.push(await timed(fresh));
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[2]!;
      expect(Math.min(...warm)).toBeGreaterThanOrEqual(5);
      // one round trip, not two: compared with the fresh connection's reads of the same run, not with a fixed time
      expect(median(warm)).toBeLessThan(median(cold));
    } finally {
      await Promise.all([pooled.close(), fresh.close()]);
    }
  });
});
