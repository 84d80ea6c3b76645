/**
 * Freshness of the caching strategies and recovery of every strategy, against a real Consul (a persistent
 * single-node server this file starts, so it can be stopped and started again):
 * - polling and both watch rows see a write within their documented bounds;
 * - polling's hash compare does not fire on unchanged data;
 * - watch-cached never blocks on index 0, keeps its index when the highest key under the prefix is deleted
 *   (tombstones keep it up on 1.22) (its reset when the index goes backwards: test/clients/watch-cached.test.ts);
 * - after a Consul restart, with its data or on a fresh data dir, every strategy serves the new value within its bound,
 *   and the caches serve their snapshot while Consul is away; on the fresh data dir the new value is written at the
 *   very `ModifyIndex` the old one had (the indexes start over), which once made `polling` keep the old value.
 */
import diagnostics from 'node:diagnostics_channel';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsulNpmWatchClient } from '../../clients/consul-npm-watch.ts';
import { CLIENT_NAMES, CLIENTS, type StrategyClient } from '../../clients/index.ts';
import { createPollingClient } from '../../clients/polling.ts';
import { createWatchCachedClient } from '../../clients/watch-cached.ts';
import { deleteKeys, putKey } from '../../harness/consul/consul-admin.ts';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startLocalConsul } from '../../harness/consul/local-consul.ts';
import { eventually } from '../helpers.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
let consul: StartedConsul;

beforeAll(async () => {
  consul = await startLocalConsul({ backend: 'local', httpMaxConnsPerClient: 200, persistent: true });
});
afterAll(() => consul?.stop());

/** A key's `ModifyIndex` (a JSON read of the key). */
async function modifyIndexOf(key: string): Promise<number> {
  const res = await request(`${consul.httpUrl}/v1/kv/${key}`);
  const [entry] = (await res.body.json()) as Array<{ ModifyIndex: number }>;
  return entry!.ModifyIndex;
}

/**
 * Writes `value` to `key` so that its `ModifyIndex` is `index`: writes a key outside the watched prefix until the
 * raft index is one below. Only possible on a Consul whose index is still below `index` (a fresh data dir).
 */
async function putAtIndex(key: string, value: string, index: number): Promise<number> {
  if ((await modifyIndexOf(key).catch(() => 0)) >= index) return modifyIndexOf(key);
  const filler = 'test/fresh/filler';
  for (let i = 0; i < 10_000; i++) {
    await putKey(consul, filler, text(String(i)));
    if ((await modifyIndexOf(filler)) >= index - 1) break;
  }
  await putKey(consul, key, text(value));
  return modifyIndexOf(key);
}

/** Milliseconds until `client.get(key)` returns `want` (errors count as not yet), or undefined after `limitMs`. */
async function timeUntil(
  client: StrategyClient,
  key: string,
  want: string,
  limitMs: number,
): Promise<number | undefined> {
  const start = performance.now();
  const ok = await eventually(async () => str(await client.get(key).catch(() => undefined)) === want, limitMs);
  return ok ? performance.now() - start : undefined;
}

describe('caches see a write within their bounds', () => {
  const prefix = 'test/fresh/bounds/';
  // documented bounds: polling ≤ one interval + one poll's timeout; a watch ≤ one blocking-query return (+ its token bucket)
  const cases = [
    {
      name: 'polling',
      make: () =>
        createPollingClient({ consulUrl: consul.httpUrl, prefix, pollIntervalMs: 200, requestTimeoutMs: 1000 }),
      boundMs: 200 + 1000,
    },
    {
      name: 'watch-cached',
      make: () => createWatchCachedClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 5000 }),
      boundMs: 1000,
    },
    {
      name: 'consul-npm-watch',
      make: () => createConsulNpmWatchClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 5000 }),
      boundMs: 1000,
    },
  ];
  it.each(cases)('$name', async ({ make, boundMs }) => {
    await putKey(consul, `${prefix}k`, text('v1'));
    const client = make();
    try {
      await client.start();
      expect(str(await client.get(`${prefix}k`))).toBe('v1');
      for (let i = 2; i <= 4; i++) {
        await putKey(consul, `${prefix}k`, text(`v${i}`));
        const ms = await timeUntil(client, `${prefix}k`, `v${i}`, boundMs * 3);
        expect(ms, `write ${i} not seen within ${boundMs * 3} ms`).toBeDefined();
        expect(ms!).toBeLessThanOrEqual(boundMs);
      }
      // a key created under the prefix arrives too; a key deleted disappears
      await putKey(consul, `${prefix}new`, text('n'));
      expect(await timeUntil(client, `${prefix}new`, 'n', boundMs * 3)).toBeDefined();
      await deleteKeys(consul, `${prefix}new`);
      expect(await eventually(async () => (await client.get(`${prefix}new`)) === undefined, boundMs * 3)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('polling', () => {
  it('does not swap its snapshot while the data is unchanged (hash compare), and swaps once on a change', async () => {
    const prefix = 'test/fresh/hash/';
    await putKey(consul, `${prefix}a`, text('same'));
    const client = createPollingClient({ consulUrl: consul.httpUrl, prefix, pollIntervalMs: 100 });
    try {
      await client.start();
      const swaps = client.stats.swaps;
      const changes = client.stats.changes;
      await new Promise((r) => setTimeout(r, 800));
      expect(client.stats.polls).toBeGreaterThanOrEqual(6);
      expect(client.stats.hashMatches).toBeGreaterThanOrEqual(5);
      expect(client.stats.swaps).toBe(swaps);
      expect(client.stats.changes).toBe(changes);
      await putKey(consul, `${prefix}a`, text('different'));
      expect(await eventually(() => client.stats.swaps === swaps + 1, 2000)).toBe(true);
      expect(client.stats.changes).toBe(changes + 1);
      await new Promise((r) => setTimeout(r, 400));
      expect(client.stats.swaps).toBe(swaps + 1);
    } finally {
      await client.close();
    }
  });
});

describe('watch-cached index rules', () => {
  it('never sends index=0, keeps its index when the highest key is deleted, fires one de-duplicated change per write', async () => {
    const prefix = 'test/fresh/index/';
    const paths: string[] = [];
    const onRequest = (m: unknown): void => {
      const req = (m as { request: { origin: string; path: string } }).request;
      if (String(req.origin).includes(new URL(consul.httpUrl).host) && req.path.includes('test/fresh/index'))
        paths.push(req.path);
    };
    diagnostics.subscribe('undici:request:create', onRequest);
    const client = createWatchCachedClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 1000 });
    const changed: string[][] = [];
    client.events.on('change', (keys) => changed.push(keys));
    try {
      // an empty prefix first: Consul answers 404 with an index; the watch must still block on index ≥ 1
      await client.start();
      await putKey(consul, `${prefix}a`, text('1'));
      await putKey(consul, `${prefix}b`, text('2'));
      expect(await eventually(async () => str(await client.get(`${prefix}b`)) === '2', 2000)).toBe(true);
      const indexBefore = client.stats.index;
      await deleteKeys(consul, `${prefix}b`);
      expect(await eventually(async () => (await client.get(`${prefix}b`)) === undefined, 2000)).toBe(true);
      // Consul 1.22.7: the tombstone keeps the prefix's index up, so this is not a backwards index
      expect(client.stats.index).toBeGreaterThanOrEqual(indexBefore);
      expect(client.stats.resets).toBe(0);
      await new Promise((r) => setTimeout(r, 2300)); // two blocking queries return on their wait with nothing new
      expect(client.stats.unchanged).toBeGreaterThanOrEqual(1);
      expect(changed.flat().filter((k) => k === `${prefix}b`)).toHaveLength(2); // created once, deleted once
      expect(changed.every((keys) => keys.length > 0)).toBe(true);
    } finally {
      diagnostics.unsubscribe('undici:request:create', onRequest);
      await client.close();
    }
    expect(paths.length).toBeGreaterThan(3);
    expect(paths.filter((p) => /[?&]index=0(&|$)/.test(p))).toEqual([]);
    expect(paths.filter((p) => /[?&]index=/.test(p)).length).toBeGreaterThan(2);
  });
});

describe('a Consul restart', () => {
  const prefix = 'test/fresh/restart/';
  const key = `${prefix}k`;
  const strategies = CLIENT_NAMES.filter((n) => 'factory' in CLIENTS[n] && n !== 'no-consul');
  /**
   * Bounds after the new value is written, ms: a read-through client at its next read; polling within an
   * interval plus a poll's timeout; watch-cached within its backoff cap (10 s) plus a re-list; the npm watch within
   * its backoff (100 ms × 2^n, here ≤ 6.4 s after a ~3 s outage) plus, on a fresh data dir, one `wait` (2 s).
   */
  const boundMs = (name: string): number =>
    name === 'watch-cached' || name === 'consul-npm-watch' ? 12_000 : name === 'polling' ? 1500 : 2000;
  let clients: Array<{ name: string; client: StrategyClient }>;

  beforeAll(async () => {
    await putKey(consul, key, text('v1'));
    clients = strategies.map((name) => {
      const entry = CLIENTS[name];
      if (!('factory' in entry)) throw new Error(`${name} has no factory`);
      return {
        name,
        client: entry.factory({
          consulUrl: consul.httpUrl,
          prefix,
          requestTimeoutMs: 1000,
          watchWaitMs: 2000,
          pollIntervalMs: 200,
        }),
      };
    });
    await Promise.all(clients.map((c) => c.client.start()));
    for (const c of clients) expect(str(await c.client.get(key)), c.name).toBe('v1');
  });
  afterAll(() => Promise.all(clients.map((c) => c.client.close())));

  it.each([
    { keepData: true, value: 'v2' },
    { keepData: false, value: 'v3' },
  ])(
    'keepData $keepData: caches serve their snapshot while Consul is away; every client serves the new value within its bound',
    async ({ keepData, value }) => {
      // on a fresh data dir the old value's ModifyIndex must lie above where the new Consul starts (about 15)
      if (!keepData) await putAtIndex(key, 'v2+', 40);
      const oldIndex = await modifyIndexOf(key);
      await consul.restart!.down();
      await new Promise((r) => setTimeout(r, 500));
      for (const { name, client } of clients) {
        const got = await client.get(key).then(str, (e: { code?: string }) => `error ${e.code}`);
        if (name === 'polling' || name === 'watch-cached' || name === 'consul-npm-watch')
          expect(got, name).toMatch(/^v[12]\+?$/);
        else expect(got, name).toMatch(/^error (CONSUL_UNREACHABLE|CLIENT_TIMEOUT)$/);
      }
      await new Promise((r) => setTimeout(r, 2500));
      await consul.restart!.up({ freshData: !keepData });
      if (keepData) await putKey(consul, key, text(value));
      else {
        // a fresh server's own writes (its catalog entry, autopilot …) can land between the filler and the key (a
        // fresh-clone CI run: 46 for 45): then it starts over on a fresh data dir, twice at most
        let at = await putAtIndex(key, value, oldIndex);
        for (let retry = 0; at !== oldIndex && retry < 2; retry++) {
          await consul.restart!.down();
          await consul.restart!.up({ freshData: true });
          at = await putAtIndex(key, value, oldIndex);
        }
        expect(at, 'the new value at the old ModifyIndex').toBe(oldIndex);
      }
      // The npm package's watch retries with the last index it had and never re-lists: a write that lands at that
      // very index is missed until the next write under the prefix (a finding, see clients/consul-npm-watch.ts),
      // so it is given one. (Writing the same value again would not do: Consul keeps the index of an unchanged key.)
      const missable = (name: string): boolean => !keepData && name === 'consul-npm-watch';
      const times = await Promise.all(
        clients.map(async ({ name, client }) => ({
          name,
          ms: await timeUntil(client, key, value, boundMs(name) + (missable(name) ? 0 : 3000)),
        })),
      );
      for (const t of times.filter((t) => t.ms === undefined && missable(t.name))) {
        await putKey(consul, `${prefix}next`, text('x'));
        const { client } = clients.find((c) => c.name === t.name)!;
        t.ms = await timeUntil(client, key, value, boundMs(t.name) + 3000);
      }
      for (const { name, ms } of times) {
        expect(ms, `${name} never served ${value}`).toBeDefined();
        expect(ms!, name).toBeLessThanOrEqual(boundMs(name));
      }
      const watch = clients.find((c) => c.name === 'watch-cached')!.client as ReturnType<
        typeof createWatchCachedClient
      >;
      expect(watch.stats.staleReads).toBeGreaterThan(0);
      // No reset is asserted on the fresh data dir: by the re-list after the errors the new Consul may already be at
      // the old index (it is here, by design), so the index need not look as if it went backwards.
    },
    60_000,
  );
});
