/**
 * `consul-kv-bench/testing` (the in-process leak check for a user's test suite) on clients of the corpus it was not
 * designed around, leaking and healthy in different ways (test/fixtures/clients/), under a real Toxiproxy stall in
 * front of the suite's real Consul. `assertNoLeaks` must throw `CLIENT_LEAKS` for the leaking ones and pass the
 * healthy ones (a cache that keeps a timer per key among them: the idle baseline is taken warm), and leave no
 * Toxiproxy behind. Each check runs in a process of its own, as in a user's test file
 * (`test/fixtures/leak-check-child.ts`), the seven side by side: a check counts its whole process's active
 * resources, so two in one process would see each other's (one after another in this process they took 41 s).
 */
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type CheckedClient, checkClientForLeaks, type KvClientOptions } from '../../harness/testing/index.ts';
import { eventually, processesMarked, ROOT, testMark } from '../helpers.ts';

/**
 * The shortest phases the check takes: 1.5 s baseline, 2.5 s stall, 1.5 s drain (the verdict's samples at 250 ms
 * plus 2 spare: at 1 s, 2 s and 1 s a late tick left 3 baseline samples of the 4 needed, `LEAK_INCONCLUSIVE`), 5.5 s
 * quiesce (the corpus's timeouts are ≤ 1 s).
 */
const PHASES = { baselineMs: 1500, stallMs: 2500, drainMs: 1500, quiesceMs: 5500, rate: 40 };

type Factory = (o: KvClientOptions) => CheckedClient;
const load = async (name: string): Promise<Factory> =>
  ((await import(`../fixtures/clients/${name}.ts`)) as { default: Factory }).default;

const LEAKING = ['fetch-race-timeout', 'http-timeout-no-destroy', 'watch-respawn-on-error'];
/** Healthy clients, and whether the stall makes their reads fail (a cache keeps answering from memory). */
const HEALTHY: Readonly<Record<string, { rejects: boolean }>> = {
  'fetch-abort-timeout': { rejects: true },
  'http-destroy-on-timeout': { rejects: true },
  'watch-backoff': { rejects: false },
  // a ref'd timer per cached key: in the warm idle baseline, so not a leak
  'ttl-cache': { rejects: false },
};

/** What a check's process printed, and the processes its mark still finds after it exited. */
interface Checked {
  readonly passed: boolean;
  readonly result?: {
    verdict: { verdict: string };
    reads: { sent: number; rejected: number; pendingAtEnd: number };
  };
  readonly error?: { name: string; code?: string; message: string; result?: { reads: { sent: number } } };
  readonly left: number[];
  readonly output: string;
}

const checked = new Map<string, Promise<Checked>>();

async function check(name: string, consulUrl: string): Promise<Checked> {
  const mark = testMark(`leak-check-${name}`);
  const r = await execa(
    process.execPath,
    [path.join(ROOT, 'test/fixtures/leak-check-child.ts'), name, consulUrl, JSON.stringify(PHASES)],
    { env: mark.env, extendEnv: true, reject: false, all: true, timeout: 60_000 },
  );
  // its Toxiproxy carries the mark too: none may outlive the check
  await eventually(() => processesMarked(mark.value).length === 0, 3000);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: Omit<Checked, 'left' | 'output'> = { passed: false };
  try {
    parsed = JSON.parse(line) as Omit<Checked, 'left' | 'output'>;
  } catch {
    // no JSON: the assertions below fail with the output
  }
  return { ...parsed, left: processesMarked(mark.value), output: r.all ?? '' };
}

describe('consul-kv-bench/testing: the leak check in a test suite', () => {
  beforeAll(() => {
    const consulUrl = inject('consulUrl');
    for (const name of [...LEAKING, ...Object.keys(HEALTHY)]) checked.set(name, check(name, consulUrl));
  });

  for (const name of LEAKING) {
    it(`${name}: assertNoLeaks throws CLIENT_LEAKS naming what was left`, { timeout: 90_000 }, async () => {
      const c = await checked.get(name)!;
      expect(c.passed, c.output).toBe(false);
      expect(c.error?.name, c.output).toBe('LeakAssertionError');
      expect(c.error?.code).toBe('CLIENT_LEAKS');
      expect(c.error?.message).toMatch(/still (pending|in flight)|over idle|more blocking queries/);
      expect(c.error?.result?.reads.sent).toBeGreaterThan(100);
      expect(c.left).toEqual([]);
    });
  }

  for (const [name, { rejects }] of Object.entries(HEALTHY)) {
    it(`${name}: assertNoLeaks passes, ${rejects ? 'with reads rejected during the stall' : 'answering from memory'} and none pending`, {
      timeout: 90_000,
    }, async () => {
      const c = await checked.get(name)!;
      expect(c.passed, c.output).toBe(true);
      expect(c.result?.verdict.verdict).toBe('no-leak');
      if (rejects) expect(c.result?.reads.rejected).toBeGreaterThan(0);
      expect(c.result?.reads.pendingAtEnd).toBe(0);
      expect(c.left).toEqual([]);
    });
  }

  it('bad options: a USAGE error before anything starts', async () => {
    await expect(checkClientForLeaks(await load('fetch-abort-timeout'), { rate: 0 })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/rate must be between 1 and 2000/),
    });
    // a phase too short for the verdict's samples with 2 to spare
    await expect(checkClientForLeaks(await load('fetch-abort-timeout'), { baselineMs: 1000 })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(
        /baselineMs must be between 1500 and 60000 \(got 1000\): the verdict needs 4 samples/,
      ),
    });
    await expect(
      checkClientForLeaks(await load('fetch-abort-timeout'), { consulUrl: 'http://10.1.2.3:8500' }),
    ).rejects.toMatchObject({ code: 'NOT_LOOPBACK' });
    // a quiesce the client's own timeout outlasts: what is still settling would be called a leak
    await expect(
      checkClientForLeaks(await load('fetch-abort-timeout'), {
        clientOptions: { requestTimeoutMs: 12_000 },
        quiesceMs: 6000,
      }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(
        /quiesceMs 6000 is shorter than the client's timeout \(12000 ms\) plus 2000.*at least 14000/,
      ),
    });
    await expect(
      checkClientForLeaks(await load('fetch-abort-timeout'), { clientTimeoutMs: 5000, quiesceMs: 6999 }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/at least 7000/) });
  });
});
