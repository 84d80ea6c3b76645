/**
 * `watch-cached`: a blocking-query watch on the key prefix feeds an in-memory snapshot; reads are served from
 * memory. Keys outside the prefix (which the watch cannot hold) fall back to a pooled `?raw` read.
 *
 * Index rules followed (Consul docs, "Blocking Queries", implementation details):
 * - the first request (and the first after a reset) is non-blocking: it loads the whole prefix;
 * - if `X-Consul-Index` goes backwards (snapshot restore, a Consul that lost its data, ...), reset to 0 and reload;
 * - never block on index 0: an index below 1 is raised to 1;
 * - the loop is rate-limited by a token bucket, so spurious wake-ups cannot make it spin;
 * - errors back off exponentially with full jitter;
 * - the client-side timeout of a blocking request exceeds `wait + wait/16` (Consul adds up to wait/16 of
 *   jitter) plus a margin.
 *
 * Hardening beyond the rules:
 * - **re-list after an error**: the first request after a failure is non-blocking. A Consul restarted on a fresh
 *   data dir has a lower index; a blocking query with the old, higher index is held for the whole `wait` on
 *   Consul 1.22 (measured), so without the re-list the watch would serve the old data for up to `wait` after
 *   Consul is back. (Kubernetes informers re-list after a broken watch for the same reason.)
 * - **de-duplicated change events**: `on('change', keys)` fires once per refresh that changed something, with
 *   the keys whose `ModifyIndex` moved (or that appeared or vanished); wake-ups without a change fire nothing.
 * - **pre-warming**: `start()` resolves once the first snapshot is cached; the service reports ready after it.
 * - **stale-while-error with a bound** (`staleIfErrorMs`, default 60 s): see `snapshot-cache.ts`. Reads served
 *   while disconnected and reads refused are counted in `stats`.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { consulStatusError, KvClientError, transportError } from './support/client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import { type ConsulKvEntry, kvPath, kvQuery, tlsConnect } from './support/consul-http.ts';
import { SnapshotKvClient, type SnapshotStats } from './support/snapshot-cache.ts';
import { TokenBucket } from './support/token-bucket.ts';

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

/** Watch loop statistics, exposed for tests and the report (plus the snapshot's, see {@link SnapshotStats}). */
export interface WatchStats extends SnapshotStats {
  /** Blocking and non-blocking requests sent to Consul by the watch. */
  requests: number;
  /** Non-blocking requests (first load, after a reset, re-lists after errors). */
  lists: number;
  /** Times the index went backwards and was reset to 0. */
  resets: number;
  /** Failed watch requests. */
  errors: number;
  /** Last `X-Consul-Index` in use (0 before the first load or after a reset). */
  index: number;
  /** Reads of keys outside the prefix, served by the pooled fallback. */
  fallbackReads: number;
}

/** Events of the watch: `change` with the keys that changed in one refresh (never empty). */
export interface WatchEvents {
  change: [keys: string[]];
}

class WatchCachedClient extends SnapshotKvClient {
  readonly name = 'watch-cached';
  readonly events = new EventEmitter<WatchEvents>();
  readonly #counts = { requests: 0, lists: 0, resets: 0, errors: 0, index: 0 };
  readonly #waitMs = this.options.watchWaitMs ?? DEFAULT_CLIENT_OPTIONS.watchWaitMs;
  readonly #blockingTimeoutMs = this.#waitMs + Math.ceil(this.#waitMs / 16) + WATCH_DEFAULTS.timeoutMarginMs;
  /** One dedicated connection holds the long poll; reads never queue behind it. */
  readonly #watchConn = new Client(this.options.consulUrl, {
    pipelining: 1,
    headersTimeout: this.#blockingTimeoutMs,
    bodyTimeout: this.#blockingTimeoutMs,
    ...tlsConnect(this.options),
  });
  readonly #bucket = new TokenBucket({
    qps: WATCH_DEFAULTS.bucketRefillPerSecond,
    burst: WATCH_DEFAULTS.bucketCapacity,
  });
  /** Set after a failed request: the next one is a non-blocking re-list. */
  #relist = false;

  /** Loop and snapshot statistics (a fresh object on each read). */
  get stats(): WatchStats {
    return { ...this.#counts, fallbackReads: this.fallbackReads, ...this.snapshot.stats };
  }

  protected override closeTransport(): Promise<void> {
    return this.#watchConn.destroy();
  }

  protected async refreshLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopSignal.aborted) {
      try {
        await this.#bucket.take(undefined, this.stopSignal);
        await this.#poll();
        failures = 0;
      } catch (err) {
        if (this.stopSignal.aborted) return;
        this.failBeforeReady(err);
        this.#counts.errors++;
        this.snapshot.failed();
        this.#relist = true;
        failures++;
        const ceiling = Math.min(
          WATCH_DEFAULTS.backoffCapMs,
          WATCH_DEFAULTS.backoffBaseMs * 2 ** Math.min(failures, 20),
        );
        await sleep(Math.random() * ceiling, undefined, { signal: this.stopSignal }).catch(() => {});
      }
    }
  }

  /** One blocking (or, at index 0, non-blocking) read of the prefix, applied to the cache. */
  async #poll(): Promise<void> {
    const sent = this.#counts.index;
    const blocking = sent > 0 && !this.#relist;
    const path =
      kvPath(this.options.prefix) +
      kvQuery({
        recurse: true,
        [this.consistency]: true,
        ...(blocking ? { index: sent, wait: `${Math.ceil(this.#waitMs / 1000)}s` } : {}),
      });
    this.#counts.requests++;
    if (!blocking) this.#counts.lists++;
    let res: Awaited<ReturnType<Client['request']>>;
    try {
      res = await this.#watchConn.request({
        path,
        method: 'GET',
        headers: this.headers,
        signal: AbortSignal.timeout(blocking ? this.#blockingTimeoutMs : this.timeoutMs),
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
    this.#relist = false;
    const changed = this.snapshot.replace(entries);
    if (changed.length > 0) this.events.emit('change', changed);
    if (index < sent) {
      // Consul docs: an index that goes backwards must be reset to 0 (the next request reloads everything).
      this.#counts.resets++;
      this.#counts.index = 0;
    } else {
      // Consul docs: never block on index 0; 1 is always safe.
      this.#counts.index = Math.max(index, 1);
    }
    this.markReady();
  }
}

/**
 * Factory of the `watch-cached` strategy. Options used: `consulUrl`, `token`, `prefix` (watched with
 * `?recurse`), `watchWaitMs`, `requestTimeoutMs` (non-blocking loads and fallback reads), `maxConnections`
 * (fallback pool), `consistency` (of the watch and fallback reads), `staleIfErrorMs`. Call `start()` to
 * pre-warm: it resolves once the first snapshot of the prefix is cached.
 */
export const createWatchCachedClient = (
  options: KvClientOptions,
): StrategyClient & { readonly stats: WatchStats; readonly events: EventEmitter<WatchEvents> } =>
  new WatchCachedClient(options);
