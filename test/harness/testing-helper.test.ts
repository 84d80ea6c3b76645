/**
 * `consul-kv-bench/testing` (the in-process leak check for a user's test suite) on clients of the corpus it was not
 * designed around, leaking and healthy in different ways (test/fixtures/clients/), under a real Toxiproxy stall in
 * front of the suite's real Consul. `assertNoLeaks` must throw `CLIENT_LEAKS` for the leaking ones and pass the
 * healthy ones, and leave no Toxiproxy behind.
 */
import { execaSync } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import {
  assertNoLeaks,
  type CheckedClient,
  checkClientForLeaks,
  type KvClientOptions,
  LeakAssertionError,
} from '../../harness/testing/index.ts';

type Factory = (o: KvClientOptions) => CheckedClient;
const load = async (name: string): Promise<Factory> =>
  ((await import(`../fixtures/clients/${name}.ts`)) as { default: Factory }).default;

/** Short phases: 1 s baseline, 2 s stall, 1 s drain, 5.5 s quiesce (the corpus's timeouts are ≤ 1 s). */
const PHASES = { baselineMs: 1000, stallMs: 2000, drainMs: 1000, quiesceMs: 5500, rate: 40 };

/** Toxiproxy servers this test process started (its children: the check runs in-process), whatever runs beside it. */
const toxiproxies = (): number =>
  Number(
    execaSync('pgrep', ['-c', '-P', String(process.pid), '-f', 'toxiproxy-server -host'], {
      reject: false,
    }).stdout.trim() || 0,
  );

describe('consul-kv-bench/testing: the leak check in a test suite', () => {
  const consulUrl = inject('consulUrl');

  for (const name of ['fetch-race-timeout', 'http-timeout-no-destroy']) {
    it(`${name}: assertNoLeaks throws CLIENT_LEAKS naming what was left`, { timeout: 60_000 }, async () => {
      const before = toxiproxies();
      const err = await assertNoLeaks(await load(name), { consulUrl, ...PHASES }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LeakAssertionError);
      const e = err as LeakAssertionError;
      expect(e.code).toBe('CLIENT_LEAKS');
      expect(e.message).toMatch(/still (pending|in flight)|over idle/);
      expect(e.result.reads.sent).toBeGreaterThan(100);
      expect(toxiproxies()).toBe(before);
    });
  }

  for (const name of ['fetch-abort-timeout', 'http-destroy-on-timeout']) {
    it(`${name}: assertNoLeaks passes, with reads rejected during the stall and none pending`, {
      timeout: 60_000,
    }, async () => {
      const result = await assertNoLeaks(await load(name), { consulUrl, ...PHASES });
      expect(result.verdict.verdict).toBe('no-leak');
      expect(result.reads.rejected).toBeGreaterThan(0);
      expect(result.reads.pendingAtEnd).toBe(0);
    });
  }

  it('bad options: a USAGE error before anything starts', async () => {
    await expect(checkClientForLeaks(await load('fetch-abort-timeout'), { rate: 0 })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/rate must be between 1 and 2000/),
    });
    await expect(
      checkClientForLeaks(await load('fetch-abort-timeout'), { consulUrl: 'http://10.1.2.3:8500' }),
    ).rejects.toMatchObject({ code: 'NOT_LOOPBACK' });
  });
});
