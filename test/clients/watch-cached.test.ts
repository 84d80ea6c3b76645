/**
 * watch-cached against a real Consul: a PUT is served soon after; the watch never blocks on index 0; it resets
 * and reloads when X-Consul-Index goes backwards. Going backwards is provoked with a snapshot restore (deleting
 * the highest key under the prefix does not do it on Consul 1.22: tombstones keep the index up). A restore rolls
 * back every key, so this file runs its own Consul.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWatchCachedClient } from '../../clients/watch-cached.ts';
import { putKey } from '../../harness/consul/consul-admin.ts';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startLocalConsul } from '../../harness/consul/local-consul.ts';
import { eventually } from '../helpers.ts';

const prefix = 'test/watch/';
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
let consul: StartedConsul;

beforeAll(async () => {
  consul = await startLocalConsul({ backend: 'local', httpMaxConnsPerClient: 200 });
});
afterAll(() => consul?.stop());

describe('watch-cached', () => {
  it('pre-warms, serves from memory, and sees a PUT within 2 s without extra Consul reads', async () => {
    await putKey(consul, `${prefix}a`, text('one'));
    const client = createWatchCachedClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 5000 });
    try {
      await client.start();
      expect(client.stats.index).toBeGreaterThanOrEqual(1);
      expect(str(await client.get(`${prefix}a`))).toBe('one');
      const requestsBefore = client.stats.requests;
      for (let i = 0; i < 1000; i++) await client.get(`${prefix}a`);
      expect(client.stats.requests - requestsBefore).toBeLessThanOrEqual(1);
      expect(client.stats.fallbackReads).toBe(0);

      const writtenAt = Date.now();
      await putKey(consul, `${prefix}a`, text('two'));
      expect(await eventually(async () => str(await client.get(`${prefix}a`)) === 'two', 2000)).toBe(true);
      expect(Date.now() - writtenAt).toBeLessThan(2000);
      // a new key under the prefix arrives through the watch too
      await putKey(consul, `${prefix}b`, text('new'));
      expect(await eventually(async () => str(await client.get(`${prefix}b`)) === 'new', 2000)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('does not count unchanged responses as changes (de-duplication by ModifyIndex)', async () => {
    const client = createWatchCachedClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 1000 });
    try {
      await client.start();
      const changes = client.stats.changes;
      // wait out at least two blocking queries that return on timeout with nothing changed
      await new Promise((r) => setTimeout(r, 2600));
      expect(client.stats.requests).toBeGreaterThanOrEqual(3);
      expect(client.stats.changes).toBe(changes);
    } finally {
      await client.close();
    }
  });

  it('resets to index 0 and reloads when the index goes backwards (snapshot restore)', async () => {
    await putKey(consul, `${prefix}r`, text('before-snapshot'));
    const snap = await request(`${consul.httpUrl}/v1/snapshot`);
    const snapshot = Buffer.from(await snap.body.arrayBuffer());
    expect(snap.statusCode).toBe(200);
    await putKey(consul, `${prefix}r`, text('after-snapshot-1'));
    await putKey(consul, `${prefix}r`, text('after-snapshot-2'));

    // A blocked query whose index drops may be held until its wait ends, so the wait is short here.
    const client = createWatchCachedClient({ consulUrl: consul.httpUrl, prefix, watchWaitMs: 2000 });
    try {
      await client.start();
      expect(str(await client.get(`${prefix}r`))).toBe('after-snapshot-2');
      const indexBefore = client.stats.index;
      const restore = await request(`${consul.httpUrl}/v1/snapshot`, { method: 'PUT', body: snapshot });
      await restore.body.dump();
      expect(restore.statusCode).toBe(200);
      // Measured on Consul 1.22.7: the blocked query is held until its wait ends (~2 s here), then returns the
      // lower index; the client resets and reloads.
      expect(await eventually(async () => str(await client.get(`${prefix}r`)) === 'before-snapshot', 8000)).toBe(true);
      expect(client.stats.resets).toBeGreaterThanOrEqual(1);
      // the index is 0 from the reset until the reload's answer lands (a fresh-clone run once read it in between)
      expect(await eventually(() => client.stats.index >= 1, 5000)).toBe(true);
      expect(client.stats.index).toBeLessThan(indexBefore);
      // and it keeps watching after the reset
      await putKey(consul, `${prefix}r`, text('after-restore'));
      expect(await eventually(async () => str(await client.get(`${prefix}r`)) === 'after-restore', 2000)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('an empty prefix (404 with an index) loads as an empty snapshot that answers misses itself; keys outside the prefix fall back to pooled reads', async () => {
    await putKey(consul, 'test/outside', text('elsewhere'));
    const client = createWatchCachedClient({
      consulUrl: consul.httpUrl,
      prefix: 'test/watch-empty/',
      watchWaitMs: 5000,
    });
    try {
      await client.start();
      expect(client.stats.index).toBeGreaterThanOrEqual(1);
      expect(await client.get('test/watch-empty/nothing')).toBeUndefined();
      expect(client.stats.fallbackReads).toBe(0);
      expect(str(await client.get('test/outside'))).toBe('elsewhere');
      expect(client.stats.fallbackReads).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('serves its snapshot while Consul is unreachable for up to staleIfErrorMs, then refuses with CACHE_TOO_STALE', async () => {
    const own = await startLocalConsul({ backend: 'local', httpMaxConnsPerClient: 200, persistent: true });
    const client = createWatchCachedClient({ consulUrl: own.httpUrl, prefix, watchWaitMs: 2000, staleIfErrorMs: 1500 });
    try {
      await putKey(own, `${prefix}s`, text('kept'));
      await client.start();
      await own.restart!.down();
      // the blocked query fails at once (connection reset); reads keep coming from the snapshot, counted as stale
      expect(await eventually(() => client.stats.errors > 0, 3000)).toBe(true);
      expect(str(await client.get(`${prefix}s`))).toBe('kept');
      expect(client.stats.staleReads).toBeGreaterThan(0);
      expect(
        await eventually(
          async () =>
            (await client.get(`${prefix}s`).then(
              () => 'ok',
              (e: { code?: string }) => e.code,
            )) === 'CACHE_TOO_STALE',
          3000,
        ),
      ).toBe(true);
      expect(client.stats.staleRefused).toBeGreaterThan(0);
      await own.restart!.up({ freshData: false });
      expect(
        await eventually(async () => str(await client.get(`${prefix}s`).catch(() => undefined)) === 'kept', 15_000),
      ).toBe(true);
      expect(client.stats.longestDisconnectedMs).toBeGreaterThan(1500);
    } finally {
      await client.close();
      await own.stop();
    }
  }, 60_000);
});
