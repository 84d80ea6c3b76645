/**
 * Every client strategy against a real Consul: exact bytes for present keys (text, empty, binary, awkward key
 * names), `undefined` for missing ones, and the shared lifecycle (idempotent close, use-after-close error).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENTS, CLIENT_NAMES, KvClientError, type KvClient } from '../../clients/index.ts';
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

const strategies = CLIENT_NAMES.filter((n) => n !== 'consul-direct' && n !== 'no-consul');

beforeAll(async () => {
  await deleteKeys({ httpUrl: consulUrl }, prefix, true);
  for (const [k, v] of values) await putKey({ httpUrl: consulUrl }, k, v);
});
afterAll(() => deleteKeys({ httpUrl: consulUrl }, prefix, true));

describe.each(strategies)('%s', (name) => {
  let client: KvClient;
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
