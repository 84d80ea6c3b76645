/**
 * The Go config service (`clients/go/`, the `go-*` rows): it builds from a clean Go module cache through the module
 * proxy and answers `GET /config/<key>` with exactly the bytes the Node service answers for the same keys. (Under a
 * real stall, `go-leaky` is judged `leak` and `go-watch` `no-leak`: cli.test.ts asserts that on the network-stall
 * quick run, which has those rows; the same run here alone was 52 s of the suite.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteKeys, putKey } from '../../harness/consul/consul-admin.ts';
import { resolveGoBinary } from '../../harness/provision/go-binary.ts';
import { goServiceSourceVersion, goServiceSpec } from '../../harness/provision/go-service-binary.ts';
import { startGoService } from '../../harness/service/go-service.ts';
import { type StartedService, startConfigService } from '../../harness/service/service-process.ts';

const consulUrl = inject('consulUrl');
const prefix = 'test/go-service/';
const values = new Map<string, Uint8Array>([
  ['text', new TextEncoder().encode('hello from Consul')],
  ['empty', new Uint8Array(0)],
  ['binary', Uint8Array.from({ length: 256 }, (_, i) => i)],
  ['nested/deeper/key', new TextEncoder().encode('nested')],
  ['with space and %', new TextEncoder().encode('awkward')],
  ['large', Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff)],
]);

describe('the Go config service', () => {
  it('builds from a clean module cache through the module proxy, into a cache keyed by its sources', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'kvb-go-cache-'));
    const modcache = await mkdtemp(path.join(os.tmpdir(), 'kvb-go-modcache-'));
    try {
      const version = await goServiceSourceVersion();
      // The modules come from the proxy into an empty module cache; the compiled packages from the machine's own Go
      // build cache (Go's default: $XDG_CACHE_HOME/go-build, else ~/.cache/go-build), which XDG_CACHE_HOME would
      // otherwise move too: compiling the service from nothing cost 109 CPU-seconds of the suite.
      const goCache =
        process.env.GOCACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'go-build');
      const env = {
        ...process.env,
        XDG_CACHE_HOME: cache,
        GOCACHE: goCache,
        GOMODCACHE: modcache,
        GOFLAGS: '-modcacherw',
      };
      const built = await resolveGoBinary(goServiceSpec(version), { env, ignorePath: true });
      expect(built.source).toBe('built');
      expect(built.version).toBe(version);
      expect(built.path.startsWith(cache)).toBe(true);
      const again = await resolveGoBinary(goServiceSpec(version), { env, ignorePath: true });
      expect(again.source).toBe('cache');
    } finally {
      await rm(cache, { recursive: true, force: true });
      await rm(modcache, { recursive: true, force: true });
    }
  }, 300_000);

  describe('answers with the same bytes as the Node service', () => {
    const services: Array<[string, StartedService]> = [];
    beforeAll(async () => {
      await deleteKeys({ httpUrl: consulUrl }, prefix, true);
      for (const [k, v] of values) await putKey({ httpUrl: consulUrl }, prefix + k, v);
      const clientOptions = { consulUrl, prefix, requestTimeoutMs: 5000 };
      services.push(['pooled', await startConfigService({ client: 'pooled', clientOptions })]);
      for (const client of ['go-default', 'go-watch', 'go-nonpooled', 'go-leaky', 'go-tuned'])
        services.push([client, await startGoService({ client, clientOptions })]);
    }, 300_000);
    afterAll(async () => {
      for (const [, s] of services) await s.stop();
      await deleteKeys({ httpUrl: consulUrl }, prefix, true);
    });

    it.each([...values.keys(), 'missing'])('for %s', async (key) => {
      const answers = await Promise.all(
        services.map(async ([client, s]) => {
          const res = await fetch(`${s.url}/config/${encodeURIComponent(key)}`);
          return { client, status: res.status, body: Buffer.from(await res.arrayBuffer()) };
        }),
      );
      const want = values.get(key);
      for (const a of answers) {
        expect(a.status, a.client).toBe(want ? 200 : 404);
        if (want) expect(a.body.equals(Buffer.from(want)), a.client).toBe(true);
      }
    });

    it('reports its window in the Node service shape, goroutines as its resources', async () => {
      const go = services.find(([c]) => c === 'go-default')![1];
      await fetch(`${go.url}/config/text`).then((r) => r.arrayBuffer());
      await new Promise((r) => setTimeout(r, 600));
      const stats = await go.stats();
      expect(stats.byStatus['200']).toBeGreaterThan(0);
      expect(Object.keys(stats.causes)).toContain('clientTimeout');
      expect(stats.consulConnections.opened).toBeGreaterThan(0);
      expect(stats.idleResources).toHaveProperty('goroutines');
      expect(stats.timeline.length).toBeGreaterThan(0);
      expect(stats.timeline[0]!.resources).toHaveProperty('goroutines');
      expect(stats.process.heapAllocatedBytes).toBeGreaterThan(0);
      expect(stats.client).toMatchObject({ hits: expect.any(Number), goroutines: expect.any(Number) });
    });
  });
});
