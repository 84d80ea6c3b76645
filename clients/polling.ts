/**
 * `polling`: reads the whole key prefix on a fixed interval (`?recurse`, non-blocking) and swaps its in-memory
 * snapshot only when a hash of the response body changes: the Go article's "naive polling on a timer with a
 * hash compare" (docs/ARTICLES.md, §3). Reads are served from memory.
 *
 * Trade-offs it makes visible: a write is seen after up to one interval (plus a read), and each instance costs
 * Consul one full prefix read per interval whether anything changed or not. Keys outside the prefix fall back to a
 * pooled `?raw` read. While polls fail it serves its last snapshot within the stale-while-error bound
 * (`staleIfErrorMs`, see `snapshot-cache.ts`).
 *
 * Schedule: fixed rate (each poll starts `pollIntervalMs` after the previous one started; a poll that overruns
 * is followed at once, never overlapped). `start()` resolves after the first successful poll.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { consulStatusError, KvClientError, transportError } from './support/client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import { type ConsulKvEntry, kvPath, kvQuery } from './support/consul-http.ts';
import { SnapshotKvClient, type SnapshotStats } from './support/snapshot-cache.ts';

/** Poller statistics (plus the snapshot's, see {@link SnapshotStats}). */
export interface PollingStats extends SnapshotStats {
  /** Prefix reads sent to Consul. */
  polls: number;
  /** Polls whose body hash differed from the previous one (the snapshot was rebuilt). */
  swaps: number;
  /** Polls whose body hash matched: nothing parsed, nothing swapped. */
  hashMatches: number;
  /** Failed polls. */
  errors: number;
  /** Reads of keys outside the prefix, served by the pooled fallback. */
  fallbackReads: number;
}

class PollingClient extends SnapshotKvClient {
  readonly name = 'polling';
  readonly #intervalMs = this.options.pollIntervalMs ?? DEFAULT_CLIENT_OPTIONS.pollIntervalMs;
  readonly #counts = { polls: 0, swaps: 0, hashMatches: 0, errors: 0 };
  #lastHash = '';

  /** Poller and snapshot statistics (a fresh object on each read). */
  get stats(): PollingStats {
    return { ...this.#counts, fallbackReads: this.fallbackReads, ...this.snapshot.stats };
  }

  protected async refreshLoop(): Promise<void> {
    while (!this.stopSignal.aborted) {
      const startedAt = performance.now();
      try {
        await this.#poll();
        this.markReady();
      } catch (err) {
        if (this.stopSignal.aborted) return;
        this.failBeforeReady(err);
        this.#counts.errors++;
        this.snapshot.failed();
      }
      const waitMs = Math.max(0, this.#intervalMs - (performance.now() - startedAt));
      await sleep(waitMs, undefined, { signal: this.stopSignal }).catch(() => {});
    }
  }

  async #poll(): Promise<void> {
    const prefix = this.options.prefix;
    this.#counts.polls++;
    let body: Uint8Array;
    let status: number;
    try {
      const res = await this.consulPool().request({
        path: kvPath(prefix) + kvQuery({ recurse: true, [this.consistency]: true }),
        method: 'GET',
        headers: this.headers,
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopSignal]),
      });
      status = res.statusCode;
      body = new Uint8Array(await res.body.arrayBuffer());
    } catch (err) {
      throw transportError(err, prefix);
    }
    if (status !== 200 && status !== 404) throw consulStatusError(status, prefix);
    const hash = status === 404 ? 'empty' : createHash('sha256').update(body).digest('hex');
    if (hash === this.#lastHash) {
      this.#counts.hashMatches++;
      this.snapshot.refreshed();
      return;
    }
    let entries: ConsulKvEntry[];
    try {
      entries = status === 404 ? [] : (JSON.parse(Buffer.from(body).toString('utf8')) as ConsulKvEntry[]);
    } catch (err) {
      throw new KvClientError('CONSUL_BAD_RESPONSE', `unparseable answer to the poll of ${prefix}`, { cause: err });
    }
    this.snapshot.replace(entries);
    this.#lastHash = hash;
    this.#counts.swaps++;
  }
}

/**
 * Factory of the `polling` strategy. Options used: `consulUrl`, `token`, `prefix` (read with `?recurse`),
 * `pollIntervalMs` (default 1000 ms), `requestTimeoutMs` (per poll and fallback read), `maxConnections`
 * (fallback pool), `consistency`, `staleIfErrorMs`. `start()` resolves after the first successful poll.
 */
export const createPollingClient = (options: KvClientOptions): StrategyClient & { readonly stats: PollingStats } =>
  new PollingClient(options);
