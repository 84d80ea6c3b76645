/**
 * `watch-cached`: a blocking-query watch on the key prefix feeds an in-memory map; reads are served from
 * memory. A read of a key the cache does not hold (cold miss) falls back to a pooled `?raw` read.
 *
 * Index rules followed (Consul docs, "Blocking Queries", implementation details):
 * - the first request (and the first after a reset) is non-blocking: it loads the whole prefix;
 * - if `X-Consul-Index` goes backwards (snapshot restore, tombstone reaping, ...), reset to 0 and reload;
 * - never block on index 0: an index below 1 is raised to 1;
 * - the loop is rate-limited by a token bucket, so spurious wake-ups cannot make it spin;
 * - errors back off exponentially with full jitter;
 * - the client-side timeout of a blocking request exceeds `wait + wait/16` (Consul adds up to wait/16 of
 *   jitter) plus a margin.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Pool } from 'undici';
import {
  BaseKvClient,
  type ConsulKvEntry,
  DEFAULT_CLIENT_OPTIONS,
  KvClientError,
  type KvClient,
  type KvClientOptions,
  consulStatusError,
  decodeEntryValue,
  kvPath,
  transportError,
} from './kv-client.ts';
import { createConsulPool, rawRead } from './pooled.ts';

/** Tunables of the watch loop. */
export const WATCH_DEFAULTS = {
  /** Margin added to `wait + wait/16` for the blocking request's client-side timeout, ms. */
  timeoutMarginMs: 5_000,
  /** Token bucket that rate-limits the loop: capacity (requests) and refill rate (requests/s). */
  bucketCapacity: 5,
  bucketRefillPerSecond: 20,
  /** Error backoff: base and cap of the exponential, ms (full jitter: a uniform delay in [0, min(cap, base·2^n)]). */
  backoffBaseMs: 100,
  backoffCapMs: 10_000,
} as const;

/** Watch loop statistics, exposed for tests and the report. */
export interface WatchStats {
  /** Blocking and non-blocking requests sent to Consul by the watch. */
  requests: number;
  /** Responses that changed at least one cached key (de-duplicated by `ModifyIndex`). */
  changes: number;
  /** Times the index went backwards and was reset to 0. */
  resets: number;
  /** Failed watch requests. */
  errors: number;
  /** Last `X-Consul-Index` in use (0 before the first load or after a reset). */
  index: number;
  /** Reads served by the pooled fallback (cold misses). */
  fallbackReads: number;
}

interface CachedEntry {
  value: Uint8Array;
  modifyIndex: number;
}

class WatchCachedClient extends BaseKvClient {
  readonly name = 'watch-cached';
  readonly stats: WatchStats = { requests: 0, changes: 0, resets: 0, errors: 0, index: 0, fallbackReads: 0 };
  readonly #waitMs = this.options.watchWaitMs ?? DEFAULT_CLIENT_OPTIONS.watchWaitMs;
  readonly #timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.requestTimeoutMs;
  readonly #blockingTimeoutMs = this.#waitMs + Math.ceil(this.#waitMs / 16) + WATCH_DEFAULTS.timeoutMarginMs;
  /** One dedicated connection holds the long poll; reads never queue behind it. */
  readonly #watchConn = new Client(this.options.consulUrl, {
    pipelining: 1,
    headersTimeout: this.#blockingTimeoutMs,
    bodyTimeout: this.#blockingTimeoutMs,
  });
  #fallback: Pool | undefined;
  #cache = new Map<string, CachedEntry>();
  #loop: Promise<void> | undefined;
  #ready: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  #loaded = false;
  #stop = new AbortController();
  #tokens: number = WATCH_DEFAULTS.bucketCapacity;
  #tokensAt = performance.now();

  override start(): Promise<void> {
    if (this.closed) return Promise.reject(new KvClientError('CLIENT_CLOSED', 'watch-cached: start() after close()'));
    this.#loop ??= this.#run();
    return this.#ready.promise;
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    const hit = this.#cache.get(key);
    if (hit) return hit.value;
    this.stats.fallbackReads++;
    this.#fallback ??= createConsulPool(this.options);
    return rawRead(this.#fallback, key, this.headers, this.#timeoutMs);
  }

  protected override async release(): Promise<void> {
    this.#stop.abort();
    this.#ready.reject(new KvClientError('CLIENT_CLOSED', 'watch-cached closed before its first snapshot'));
    this.#ready.promise.catch(() => {});
    await this.#watchConn.destroy();
    await this.#loop;
    await this.#fallback?.close();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        await this.#takeToken();
        await this.#poll();
        failures = 0;
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        this.stats.errors++;
        failures++;
        const ceiling = Math.min(WATCH_DEFAULTS.backoffCapMs, WATCH_DEFAULTS.backoffBaseMs * 2 ** Math.min(failures, 20));
        await sleep(Math.random() * ceiling, undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    }
  }

  /** One blocking (or, at index 0, non-blocking) read of the prefix, applied to the cache. */
  async #poll(): Promise<void> {
    const sent = this.stats.index;
    const blocking = sent > 0;
    let path = kvPath(this.options.prefix) + '?recurse';
    if (blocking) path += `&index=${sent}&wait=${Math.ceil(this.#waitMs / 1000)}s`;
    this.stats.requests++;
    let res: Awaited<ReturnType<Client['request']>>;
    try {
      res = await this.#watchConn.request({
        path,
        method: 'GET',
        headers: this.headers,
        signal: AbortSignal.timeout(blocking ? this.#blockingTimeoutMs : this.#timeoutMs),
      });
    } catch (err) {
      throw transportError(err, this.options.prefix);
    }
    let entries: ConsulKvEntry[];
    if (res.statusCode === 404) {
      await res.body.dump();
      entries = [];
    } else if (res.statusCode === 200) {
      entries = (await res.body.json()) as ConsulKvEntry[];
    } else {
      await res.body.dump();
      throw consulStatusError(res.statusCode, this.options.prefix);
    }
    const header = res.headers['x-consul-index'];
    const index = Number(Array.isArray(header) ? header[0] : header);
    if (!Number.isFinite(index)) {
      throw new KvClientError('CONSUL_BAD_RESPONSE', `no X-Consul-Index on the watch of ${this.options.prefix}`);
    }
    this.#apply(entries);
    if (index < sent) {
      // Consul docs: an index that goes backwards must be reset to 0 (the next request reloads everything).
      this.stats.resets++;
      this.stats.index = 0;
    } else {
      // Consul docs: never block on index 0; 1 is always safe.
      this.stats.index = Math.max(index, 1);
    }
    if (!this.#loaded) {
      this.#loaded = true;
      this.#ready.resolve();
    }
  }

  /** Replaces the cache with the prefix's entries; counts a change only when some `ModifyIndex` differs. */
  #apply(entries: ConsulKvEntry[]): void {
    const next = new Map<string, CachedEntry>();
    let changed = entries.length !== this.#cache.size;
    for (const e of entries) {
      const prev = this.#cache.get(e.Key);
      if (prev && prev.modifyIndex === e.ModifyIndex) {
        next.set(e.Key, prev);
      } else {
        next.set(e.Key, { value: decodeEntryValue(e), modifyIndex: e.ModifyIndex });
        changed = true;
      }
    }
    this.#cache = next;
    if (changed) this.stats.changes++;
  }

  /** Token bucket: waits until a token is available (capacity and refill from {@link WATCH_DEFAULTS}). */
  async #takeToken(): Promise<void> {
    const now = performance.now();
    this.#tokens = Math.min(
      WATCH_DEFAULTS.bucketCapacity,
      this.#tokens + ((now - this.#tokensAt) / 1000) * WATCH_DEFAULTS.bucketRefillPerSecond,
    );
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      const waitMs = ((1 - this.#tokens) / WATCH_DEFAULTS.bucketRefillPerSecond) * 1000;
      await sleep(waitMs, undefined, { signal: this.#stop.signal });
      this.#tokens = 1;
      this.#tokensAt = performance.now();
    }
    this.#tokens -= 1;
  }
}

/**
 * Factory of the `watch-cached` strategy. Options used: `consulUrl`, `token`, `prefix` (watched with
 * `?recurse`), `watchWaitMs`, `requestTimeoutMs` (non-blocking loads and fallback reads), `maxConnections`
 * (fallback pool). Call `start()` to pre-warm: it resolves once the first snapshot of the prefix is cached.
 */
export const createWatchCachedClient = (options: KvClientOptions): KvClient & { readonly stats: WatchStats } =>
  new WatchCachedClient(options);
