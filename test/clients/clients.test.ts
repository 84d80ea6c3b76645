/**
 * Every client strategy against a real Consul: exact bytes for present keys (text, empty, binary, awkward key
 * names), `undefined` for missing ones, and the shared lifecycle (idempotent close, use-after-close error).
 */
import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_NAMES, CLIENTS, KvClientError, type StrategyClient } from '../../clients/index.ts';
import { deleteKeys, putKey } from '../../harness/consul/consul-admin.ts';

const consulUrl = inject('consulUrl');
const prefix = 'test/clients/';
const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
const values = new Map<string, Uint8Array>([
  [`${prefix}text`, new TextEncoder().encode('hello, consul')],
  [`${prefix}empty`, new Uint8Array(0)],
  [`${prefix}binary`, binary],
  [`${prefix}nested/deeper/key`, new TextEncoder().encode('nested')],
  [`${prefix}with space?and#hash%`, new TextEncoder().encode('awkward')],
  [`${prefix}large`, Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff)],
]);

const strategies = CLIENT_NAMES.filter((n) => 'factory' in CLIENTS[n] && n !== 'no-consul');

beforeAll(async () => {
  await deleteKeys({ httpUrl: consulUrl }, prefix, true);
  for (const [k, v] of values) await putKey({ httpUrl: consulUrl }, k, v);
});
afterAll(() => deleteKeys({ httpUrl: consulUrl }, prefix, true));

describe.each(strategies)('%s', (name) => {
  let client: StrategyClient;
  beforeAll(async () => {
    const entry = CLIENTS[name];
    if (!('factory' in entry)) throw new Error('no factory');
    client = entry.factory({ consulUrl, prefix, requestTimeoutMs: 2000 });
    await client.start();
  });
  afterAll(() => client.close());

  it.each([...values.keys()])('returns exactly the bytes written for %s', async (key) => {
    const got = await client.get(key);
    expect(got).toBeDefined();
    expect(Buffer.from(got!).equals(Buffer.from(values.get(key)!))).toBe(true);
  });

  it('returns undefined for a missing key, inside and outside the prefix', async () => {
    expect(await client.get(`${prefix}missing`)).toBeUndefined();
    expect(await client.get('test/elsewhere/missing')).toBeUndefined();
  });

  it('counts hits and misses', () => {
    expect(client.counters.hits).toBeGreaterThanOrEqual(values.size);
    expect(client.counters.misses).toBeGreaterThanOrEqual(2);
    expect(client.counters.errors).toBe(0);
  });

  it('closes idempotently and rejects get() after close with CLIENT_CLOSED', async () => {
    const entry = CLIENTS[name];
    if (!('factory' in entry)) throw new Error('no factory');
    const other = entry.factory({ consulUrl, prefix });
    await other.start();
    const first = other.close();
    expect(other.close()).toBe(first);
    await first;
    await expect(other.get(`${prefix}text`)).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(other.get(`${prefix}text`)).rejects.toBeInstanceOf(KvClientError);
  });
});

describe('errors', () => {
  it('a client with a timeout reports an unreachable Consul as a typed error', async () => {
    const client = CLIENTS.pooled.factory({ consulUrl: 'http://127.0.0.1:1', prefix, requestTimeoutMs: 500 });
    await expect(client.get(`${prefix}text`)).rejects.toMatchObject({ code: 'CONSUL_UNREACHABLE' });
    await client.close();
  });
});

describe('consistency modes', () => {
  const readers = [
    'naive-fetch',
    'fresh-connection',
    'pooled',
    'fixed',
    'consul-npm',
    'polling',
    'watch-cached',
    'consul-npm-watch',
  ] as const;
  const cases = readers.flatMap((name) => (['stale', 'consistent'] as const).map((mode) => ({ name, mode })));
  it.each(cases)('$name with $mode sends ?$mode and reads the same bytes', async ({ name, mode }) => {
    const paths: string[] = [];
    const record = (m: unknown): void => {
      const p = (m as { request: { path: string } }).request.path;
      if (decodeURIComponent(p).includes('test/clients')) paths.push(p); // the consul package encodes '/' in keys
    };
    diagnostics.subscribe('undici:request:create', record); // undici and Node's fetch
    diagnostics.subscribe('http.client.request.start', record); // node:http (fresh-connection, the consul package)
    const entry = CLIENTS[name];
    const client = entry.factory({ consulUrl, prefix, requestTimeoutMs: 2000, consistency: mode, watchWaitMs: 2000 });
    try {
      await client.start();
      expect(Buffer.from((await client.get(`${prefix}binary`))!).equals(binary)).toBe(true);
    } finally {
      diagnostics.unsubscribe('undici:request:create', record);
      diagnostics.unsubscribe('http.client.request.start', record);
      await client.close();
    }
    expect(paths.length, name).toBeGreaterThan(0);
    for (const p of paths) expect(p, name).toMatch(new RegExp(`[?&]${mode}(=(true|1))?(&|$)`));
  });
});

describe('client-side rate limit', () => {
  it('pooled refuses at once, with CLIENT_RATE_LIMITED, a read whose token would come after its deadline', async () => {
    const client = CLIENTS.pooled.factory({
      consulUrl,
      prefix,
      requestTimeoutMs: 100,
      rateLimit: { qps: 2, burst: 1 },
    });
    try {
      expect(await client.get(`${prefix}text`)).toBeDefined();
      const started = performance.now();
      await expect(client.get(`${prefix}text`)).rejects.toMatchObject({ code: 'CLIENT_RATE_LIMITED' });
      expect(performance.now() - started).toBeLessThan(50);
      expect(client.counters.errors).toBe(1);
    } finally {
      await client.close();
    }
  });

  it.each(['naive-fetch', 'consul-npm', 'pooled', 'fresh-connection', 'fixed'] as const)(
    '%s paces reads to qps after its burst',
    async (name) => {
      const client = CLIENTS[name].factory({
        consulUrl,
        prefix,
        requestTimeoutMs: 5000,
        rateLimit: { qps: 20, burst: 2 },
      });
      try {
        const started = performance.now();
        for (let i = 0; i < 8; i++) expect(await client.get(`${prefix}text`)).toBeDefined();
        // 2 at once, then 6 more at 20/s: at least 6 × 50 ms
        expect(performance.now() - started).toBeGreaterThanOrEqual(290);
        expect(client.counters.errors).toBe(0);
      } finally {
        await client.close();
      }
    },
  );
});
