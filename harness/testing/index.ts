/**
 * `consul-kv-bench/testing`: a leak check for your own Consul client inside your test suite, in the spirit of
 * goleak (`defer goleak.VerifyNone(t)`): nothing the client started may be left when the test is over.
 *
 * {@link checkClientForLeaks} runs the client **in the test's own process** against a real Consul (a local agent the
 * harness starts from its cached binary, or `consulUrl`) behind Toxiproxy, reads at a fixed rate (open model): a
 * warm-up, after which the idle baseline is taken (what the client keeps on purpose, like goleak's
 * `IgnoreCurrent()`), then baseline → stall (a `timeout` toxic: nothing answers, nothing closes) → drain → quiesce
 * (no load, longer than the client's stated timeout: a shorter one is refused), samples what the client holds every
 * `sampleEveryMs`, and judges it by the same rule as the `network-stall` scenario (`judgeLeak`: reads still pending,
 * requests still in flight to Consul, active resources above the idle baseline, each over the last second of the
 * quiesce; goleak-like options: a tolerance, resource types not judged).
 * {@link assertNoLeaks} throws when the verdict is `leak` (and, unless allowed, `inconclusive`).
 *
 * ```ts
 * import { test } from 'node:test'; // or vitest
 * import { assertNoLeaks } from 'consul-kv-bench/testing';
 * import createClient from './consul-kv-client.ts';
 * test('the client leaves nothing behind a stall', { timeout: 60_000 }, () => assertNoLeaks(createClient));
 * ```
 *
 * @module
 */
import type { KvClientOptions } from '../../clients/kv-client.ts';
import { deleteKeys, seedKeys } from '../consul/consul-admin.ts';
import { startConsul } from '../consul/consul-server.ts';
import {
  judgeLeak,
  type LeakVerdict,
  ORPHAN_LIMIT,
  VERDICT_MIN_SAMPLES,
  type VerdictSample,
} from '../diagnosis/leak-verdict.ts';
import { usageError } from '../errors.ts';
import { startToxiproxy } from '../faults/toxiproxy-server.ts';
import { Teardown } from '../lifecycle.ts';
import { assertLoopback } from '../loopback.ts';
import { DoorMeter } from '../service/door-meter.ts';
import { activeResourceCounts } from '../service/idle-resources.ts';
import { InFlightMeter } from '../service/service-meters.ts';

/** The part of a client the check uses: `get` and `close` (and `start`, awaited before any load, when present). */
export interface CheckedClient {
  get(key: string): Promise<unknown>;
  close(): Promise<void> | void;
  start?(): Promise<void> | void;
}

/** Options of {@link checkClientForLeaks}. Durations in ms. */
export interface LeakCheckOptions {
  /** A Consul to use (loopback only), e.g. `http://127.0.0.1:8500`. Default: a local `consul agent -dev` the check starts and stops. */
  readonly consulUrl?: string;
  /** ACL token for seeding keys (and given to the client as `token`). Default: `CONSUL_HTTP_TOKEN`, else none. */
  readonly token?: string;
  /** Extra options passed to the factory beside `consulUrl`, `prefix` and `token` (e.g. `requestTimeoutMs`). */
  readonly clientOptions?: Readonly<Record<string, unknown>>;
  /** Reads per second, sent whether or not earlier ones answered (open model). Default 50; 1–2 000. */
  readonly rate?: number;
  /**
   * Load before the stall. Default 1 500. The baseline, stall and drain each last at least the samples the verdict
   * needs of them (`VERDICT_MIN_SAMPLES`: 4, 8 and 4) plus 2 spare, times `sampleEveryMs`: at 250 ms 1 500, 2 500
   * and 1 500 ms. At exactly 4 samples' length a tick that came late left 3, and the check said `inconclusive`.
   */
  readonly baselineMs?: number;
  /** The stall. Default 3 000 (at least {@link baselineMs}' rule). */
  readonly stallMs?: number;
  /** Load after the stall ends. Default 2 000 (at least {@link baselineMs}' rule). */
  readonly drainMs?: number;
  /**
   * The longest your client may take to settle one read, ms: its request timeout, times its attempts, plus its
   * backoff. Default: `clientOptions.requestTimeoutMs` when that is a number; else not stated (the verdict's reason
   * then says so). The quiesce must be longer (see {@link quiesceMs}).
   */
  readonly clientTimeoutMs?: number;
  /**
   * No load, then judge. Must be at least `clientTimeoutMs` + 2 000 (what is still settling at the client's
   * timeout is not orphaned, and the verdict reads the quiesce's last second): shorter is refused with `USAGE`.
   * Default: the larger of 6 000 (undici's 4 s keep-alive, plus 2 s) and `clientTimeoutMs` + 2 000.
   */
  readonly quiesceMs?: number;
  /**
   * What the idle baseline (active resources the verdict subtracts) is: `warm` (default), taken after
   * `warmupMs` of reads and their settling, so what the client keeps per key on purpose (a cache's TTL timers, a
   * watch) is in it, as goleak's `IgnoreCurrent()` takes what was there before; `start`, taken before any read.
   */
  readonly idleSnapshot?: 'warm' | 'start';
  /** Reads before the warm idle snapshot (not judged). Default 1 000; 0 with `idleSnapshot: 'start'`. */
  readonly warmupMs?: number;
  /** More than this many things of one kind left after the quiesce is a leak. Default 2 (`ORPHAN_LIMIT`). */
  readonly tolerance?: number;
  /** Active resource types not judged, e.g. `['Timeout']` for a client that keeps timers on purpose. Default none. */
  readonly ignoreResources?: readonly string[];
  /** Sampling interval. Default 250. */
  readonly sampleEveryMs?: number;
  /** Reads waiting at once before the check stops sending (a bound, not a verdict). Default 5 000. */
  readonly maxPending?: number;
  /** Keys seeded under the check's prefix. Default 8. */
  readonly keys?: number;
}

/** What {@link checkClientForLeaks} found. */
export interface LeakCheckResult {
  /** `leak`, `no-leak` or `inconclusive`, its one-line reason and evidence. */
  readonly verdict: LeakVerdict;
  /** The timeline judged (`tMs` from the start of the baseline). */
  readonly samples: readonly VerdictSample[];
  /**
   * Reads sent (warm-up included), settled with a value or `undefined`, rejected, withheld at `maxPending`, still
   * pending at the end, and the longest any read took to settle (ms; compare it with the quiesce).
   */
  readonly reads: {
    sent: number;
    resolved: number;
    rejected: number;
    withheld: number;
    pendingAtEnd: number;
    slowestSettleMs: number;
  };
  /** Active resources by type before any load (the idle baseline). */
  readonly idle: Readonly<Record<string, number>>;
}

/** Thrown by {@link assertNoLeaks}; `result` holds the evidence. Stable `code`: `CLIENT_LEAKS` or `LEAK_INCONCLUSIVE`. */
export class LeakAssertionError extends Error {
  readonly code: 'CLIENT_LEAKS' | 'LEAK_INCONCLUSIVE';
  readonly result: LeakCheckResult;
  constructor(result: LeakCheckResult) {
    const leak = result.verdict.verdict === 'leak';
    super(`${leak ? 'the client leaks' : 'the leak check was inconclusive'}: ${result.verdict.reason}`);
    this.name = 'LeakAssertionError';
    this.code = leak ? 'CLIENT_LEAKS' : 'LEAK_INCONCLUSIVE';
    this.result = result;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The quiesce must outlast the client's stated timeout by this much, ms: 1 s for late settling, 1 s the verdict reads. */
export const QUIESCE_MARGIN_MS = 2000;

function checkRange(name: string, value: number, min: number, max: number, why = ''): number {
  if (!Number.isFinite(value) || value < min || value > max)
    throw usageError(`checkClientForLeaks: ${name} must be between ${min} and ${max} (got ${value})${why}`);
  return value;
}

/**
 * Runs the leak check (see the module comment) and returns the verdict. Takes about warm-up + baseline + stall +
 * drain + quiesce (13.5 s by default) plus Consul's start.
 * @param factory your client's factory: called once with `{ consulUrl, prefix, token, ...clientOptions }`, where
 *   `consulUrl` is Toxiproxy in front of Consul.
 * @throws {BenchError} `USAGE` for options out of range, a `quiesceMs` shorter than `clientTimeoutMs` + 2 000, or a
 *   non-loopback `consulUrl`; `CONSUL_*` or
 *   `TOXIPROXY_UNAVAILABLE` when they cannot start. Everything the check started is stopped before it returns.
 */
export async function checkClientForLeaks(
  factory: (options: KvClientOptions) => CheckedClient,
  options: LeakCheckOptions = {},
): Promise<LeakCheckResult> {
  const rate = checkRange('rate', options.rate ?? 50, 1, 2000);
  const every = checkRange('sampleEveryMs', options.sampleEveryMs ?? 250, 50, 1000);
  /** Shortest phase that gives the verdict its samples with 2 to spare for late ticks. */
  const least = (samples: number): number => (samples + 2) * every;
  const why = (samples: number) =>
    `: the verdict needs ${samples} samples of it at sampleEveryMs ${every}, with 2 spare for late ticks`;
  const { baseline, fault, drainTail } = VERDICT_MIN_SAMPLES;
  const baselineMs = checkRange('baselineMs', options.baselineMs ?? 1500, least(baseline), 60_000, why(baseline));
  const stallMs = checkRange('stallMs', options.stallMs ?? 3000, least(fault), 600_000, why(fault));
  const drainMs = checkRange('drainMs', options.drainMs ?? 2000, least(drainTail), 60_000, why(drainTail));
  const stated = options.clientTimeoutMs ?? options.clientOptions?.requestTimeoutMs;
  const clientTimeoutMs = typeof stated === 'number' ? checkRange('clientTimeoutMs', stated, 1, 3_600_000) : undefined;
  const leastQuiesce = clientTimeoutMs === undefined ? 1000 : clientTimeoutMs + QUIESCE_MARGIN_MS;
  const quiesceMs = options.quiesceMs ?? Math.max(6000, leastQuiesce);
  if (clientTimeoutMs !== undefined && quiesceMs < leastQuiesce)
    throw usageError(
      `checkClientForLeaks: quiesceMs ${quiesceMs} is shorter than the client's timeout (${clientTimeoutMs} ms) plus ${QUIESCE_MARGIN_MS}: a read still settling would be called a leak; set quiesceMs to at least ${leastQuiesce}, or leave it out`,
    );
  checkRange('quiesceMs', quiesceMs, 1000, 3_600_000);
  const idleSnapshot = options.idleSnapshot ?? 'warm';
  const warmupMs = checkRange('warmupMs', options.warmupMs ?? (idleSnapshot === 'warm' ? 1000 : 0), 0, 60_000);
  const tolerance = checkRange('tolerance', options.tolerance ?? ORPHAN_LIMIT, 0, 1_000_000);
  const maxPending = checkRange('maxPending', options.maxPending ?? 5000, 1, 100_000);
  const keyCount = checkRange('keys', options.keys ?? 8, 1, 1000);
  const token = options.token ?? (process.env.CONSUL_HTTP_TOKEN || undefined);
  const teardown = new Teardown();
  try {
    let consulUrl = options.consulUrl;
    if (consulUrl) await assertLoopback(consulUrl, 'consulUrl');
    else {
      const consul = await startConsul({ backend: 'local', httpMaxConnsPerClient: 10_000 });
      teardown.defer('consul', () => consul.stop());
      consulUrl = consul.httpUrl;
    }
    const ep = { httpUrl: consulUrl, token };
    const prefix = `consul-kv-bench-leak-check/${process.pid}-${Date.now()}/`;
    const keys = Array.from({ length: keyCount }, (_, i) => `${prefix}key-${String(i).padStart(4, '0')}`);
    await seedKeys(ep, new Map(keys.map((k) => [k, new TextEncoder().encode(`value of ${k}`)])));
    teardown.defer('keys', () => deleteKeys(ep, prefix, true).catch(() => {}));
    const toxiproxy = await startToxiproxy();
    teardown.defer('toxiproxy', () => toxiproxy.stop());
    const proxy = await toxiproxy.proxy('leak-check', consulUrl);

    const inFlight = new InFlightMeter(proxy.port);
    teardown.defer('meter', () => inFlight.dispose());
    const door = new DoorMeter();
    const client = factory({ ...(options.clientOptions ?? {}), consulUrl: proxy.url, prefix, token });
    if (typeof client?.get !== 'function' || typeof client.close !== 'function')
      throw usageError('checkClientForLeaks: the factory did not return a client with get() and close()');
    teardown.defer('client', async () => {
      await client.close();
    });
    await client.start?.();

    const reads = { sent: 0, resolved: 0, rejected: 0, withheld: 0, slowestSettleMs: 0 };
    let keyIndex = 0;
    /** Open model: read n is due at start + n / rate, whatever earlier reads are doing; bounded by `forMs` and maxPending. */
    const load = (forMs: number): NodeJS.Timeout => {
      const start = performance.now();
      const gapMs = 1000 / rate;
      let next = 0;
      return setInterval(() => {
        const now = performance.now() - start;
        for (; next * gapMs <= Math.min(now, forMs); next++) {
          if (door.pending >= maxPending) {
            reads.withheld++;
            continue;
          }
          reads.sent++;
          const key = keys[keyIndex++ % keys.length]!;
          const sentAt = performance.now();
          let read: Promise<unknown>;
          try {
            read = Promise.resolve(client.get(key));
          } catch (err) {
            read = Promise.reject(err);
          }
          const settled = () => {
            reads.slowestSettleMs = Math.max(reads.slowestSettleMs, performance.now() - sentAt);
          };
          door.track(read).then(
            () => {
              reads.resolved++;
              settled();
            },
            () => {
              reads.rejected++;
              settled();
            },
          );
        }
      }, 5);
    };
    if (warmupMs > 0) {
      // the warm idle snapshot: what the client keeps once it has served its keys, with nothing pending
      const warm = load(warmupMs);
      teardown.defer('warm-up', () => clearInterval(warm));
      await sleep(warmupMs + 20);
      clearInterval(warm);
      const settleBy = performance.now() + (clientTimeoutMs ?? 5000) + 1000;
      while (door.pending > 0 && performance.now() < settleBy) await sleep(every);
    }

    const samples: VerdictSample[] = [];
    let t0: number | undefined;
    let idle: Record<string, number> = activeResourceCounts();
    // Before the load, the sampler's reading is the idle baseline: taken, as in the quiesce, with the sampler's own
    // interval and one sleep of this function pending (otherwise both would count as +1 Timeout each).
    const sampler = setInterval(() => {
      const resources = activeResourceCounts();
      if (t0 === undefined) idle = resources;
      else
        samples.push({
          tMs: performance.now() - t0,
          inFlight: inFlight.inFlight,
          longPolls: inFlight.longPolls,
          pending: door.pending,
          resources,
        });
    }, every);
    teardown.defer('sampler', () => clearInterval(sampler));
    await sleep(every * 2 + 20);
    t0 = performance.now();
    const loadEnd = baselineMs + stallMs + drainMs;
    const sender = load(loadEnd);
    teardown.defer('sender', () => clearInterval(sender));

    const stall = { type: 'stall' } as const;
    await sleep(baselineMs);
    await proxy.apply(stall);
    await sleep(stallMs);
    await proxy.end(stall);
    await sleep(drainMs);
    clearInterval(sender);
    await sleep(quiesceMs);
    clearInterval(sampler);
    const verdict = judgeLeak(
      samples,
      {
        faultStartMs: baselineMs,
        drainStartMs: baselineMs + stallMs,
        endMs: loadEnd,
        quiesceEndMs: loadEnd + quiesceMs,
      },
      idle,
      {
        tolerance,
        ...(options.ignoreResources ? { ignoreResources: options.ignoreResources } : {}),
        ...(clientTimeoutMs !== undefined ? { clientTimeoutMs } : {}),
      },
    );
    return { verdict, samples, reads: { ...reads, pendingAtEnd: door.pending }, idle };
  } finally {
    await teardown.runAll();
  }
}

/**
 * {@link checkClientForLeaks}, then throws when the client leaks.
 * @param options as {@link checkClientForLeaks}, plus `allowInconclusive` (default `false`: an inconclusive
 *   verdict, 1–2 things left or phases too short, fails too).
 * @returns the result when nothing was left.
 * @throws {LeakAssertionError} `CLIENT_LEAKS` or `LEAK_INCONCLUSIVE`, with the verdict's reason as its message.
 */
export async function assertNoLeaks(
  factory: (options: KvClientOptions) => CheckedClient,
  options: LeakCheckOptions & { readonly allowInconclusive?: boolean } = {},
): Promise<LeakCheckResult> {
  const result = await checkClientForLeaks(factory, options);
  const v = result.verdict.verdict;
  if (v === 'leak' || (v === 'inconclusive' && !options.allowInconclusive)) throw new LeakAssertionError(result);
  return result;
}

export type { KvClient, KvClientFactory, KvClientOptions } from '../../clients/kv-client.ts';
export type { LeakVerdict, VerdictSample } from '../diagnosis/leak-verdict.ts';
export { consulUnavailableReason } from './availability.ts';
