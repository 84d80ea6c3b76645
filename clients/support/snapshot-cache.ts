/**
 * The in-memory prefix snapshot that the caching strategies (`watch-cached`, `polling`) serve reads from, and
 * their stale-while-error policy.
 *
 * - Changes are de-duplicated by version: a refresh that returns the same entries changes nothing and fires no
 *   change event (the Go watch guide's "de-duplication by version"). A version is the entry's `ModifyIndex` *and*
 *   its value and flags: a Consul that came back on an empty data dir numbers its writes from 1 again, so a key
 *   rewritten there can carry the `ModifyIndex` its old value had (seen on CI: `polling` served the old value to
 *   the end of a `consul-restart-fresh` run).
 * - Once a snapshot is loaded it is authoritative for keys under the prefix: a key it lacks does not exist
 *   (a negative answer costs Consul nothing).
 * - Stale-while-error (RFC 5861's `stale-if-error`, applied to a watch): while refreshes fail the last snapshot
 *   keeps being served for `staleIfErrorMs` after the first failure; after that reads are refused with
 *   `CACHE_TOO_STALE` until a refresh succeeds. Reads served while disconnected are counted as stale.
 *
 * @module
 */
import type { Pool } from 'undici';
import type { KvClientOptions } from '../kv-client.ts';
import { BaseKvClient } from './base-client.ts';
import { KvClientError, tlsErrorCode, transportError } from './client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './client-options.ts';
import { type ConsulKvEntry, createConsulPool, decodeEntryValue, rawRead } from './consul-http.ts';

/** Cache and stale-while-error statistics a caching strategy reports. */
export interface SnapshotStats {
  /** Refreshes that changed at least one key (added, modified or removed). */
  changes: number;
  /** Keys changed over all refreshes (a key changed twice counts twice). */
  keysChanged: number;
  /** Refreshes that changed nothing (a blocking query that returned on its `wait`, a poll of unchanged data). */
  unchanged: number;
  /** Keys in the snapshot now. */
  size: number;
  /** Reads answered from the snapshot while the last refresh had failed (possibly stale). */
  staleReads: number;
  /** Reads refused because the snapshot was past its stale-while-error bound. */
  staleRefused: number;
  /** Longest stretch without a successful refresh after a failure, ms (0 if never disconnected). */
  longestDisconnectedMs: number;
  /** The bound in force, ms. */
  staleIfErrorMs: number;
}

interface Entry {
  readonly value: Uint8Array;
  readonly modifyIndex: number;
  /** Consul's base64 `Value` as received (`null` for an empty value), compared instead of the decoded bytes. */
  readonly raw: string | null;
  readonly flags: number;
}

/** Whether a cached entry is the version Consul just returned (same `ModifyIndex`, value and flags). */
const sameVersion = (prev: Entry, e: ConsulKvEntry): boolean =>
  prev.modifyIndex === e.ModifyIndex && prev.raw === e.Value && prev.flags === e.Flags;

/** A prefix snapshot with version de-duplication and a stale-while-error bound. */
export class SnapshotCache {
  readonly stats: SnapshotStats;
  #entries = new Map<string, Entry>();
  #loaded = false;
  /** performance.now() of the first failed refresh since the last success; undefined while connected. */
  #disconnectedAt: number | undefined;

  /** @param staleIfErrorMs see `KvClientOptions.staleIfErrorMs`; default 60 000 ms. */
  constructor(staleIfErrorMs: number = DEFAULT_CLIENT_OPTIONS.staleIfErrorMs) {
    this.stats = {
      changes: 0,
      keysChanged: 0,
      unchanged: 0,
      size: 0,
      staleReads: 0,
      staleRefused: 0,
      longestDisconnectedMs: 0,
      staleIfErrorMs,
    };
  }

  /** True once a snapshot has been loaded. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** How long the cache has been without a successful refresh, ms; 0 while connected. */
  get disconnectedMs(): number {
    return this.#disconnectedAt === undefined ? 0 : performance.now() - this.#disconnectedAt;
  }

  /**
   * Replaces the snapshot with the prefix's entries (a successful refresh).
   * @returns the keys that were added, modified (a different `ModifyIndex`, value or flags) or removed; empty when
   *   nothing changed.
   */
  replace(entries: readonly ConsulKvEntry[]): string[] {
    const next = new Map<string, Entry>();
    const changed: string[] = [];
    for (const e of entries) {
      const prev = this.#entries.get(e.Key);
      if (prev && sameVersion(prev, e)) next.set(e.Key, prev);
      else {
        next.set(e.Key, { value: decodeEntryValue(e), modifyIndex: e.ModifyIndex, raw: e.Value, flags: e.Flags });
        changed.push(e.Key);
      }
    }
    for (const key of this.#entries.keys()) if (!next.has(key)) changed.push(key);
    this.#entries = next;
    this.#loaded = true;
    this.stats.size = next.size;
    if (changed.length > 0) {
      this.stats.changes++;
      this.stats.keysChanged += changed.length;
    } else this.stats.unchanged++;
    this.refreshed();
    return changed;
  }

  /** Records a successful refresh that returned nothing new (e.g. a poll whose hash did not change). */
  refreshed(): void {
    if (this.#disconnectedAt !== undefined) {
      this.stats.longestDisconnectedMs = Math.max(
        this.stats.longestDisconnectedMs,
        performance.now() - this.#disconnectedAt,
      );
      this.#disconnectedAt = undefined;
    }
  }

  /** Records a failed refresh (the start of a disconnection, if it is the first). */
  failed(): void {
    this.#disconnectedAt ??= performance.now();
  }

  /**
   * Reads a key from the snapshot.
   * @returns `{ hit: true, value }` (value `undefined`: the key does not exist under the prefix), or `{ hit: false }`
   *   before the first load.
   * @throws {KvClientError} `CACHE_TOO_STALE` when the cache has been disconnected longer than its bound.
   */
  read(key: string): { hit: true; value: Uint8Array | undefined } | { hit: false } {
    if (!this.#loaded) return { hit: false };
    if (this.#disconnectedAt !== undefined) {
      const ageMs = performance.now() - this.#disconnectedAt;
      if (ageMs > this.stats.staleIfErrorMs) {
        this.stats.staleRefused++;
        throw new KvClientError(
          'CACHE_TOO_STALE',
          `cache disconnected from Consul for ${Math.round(ageMs)} ms, past its stale-while-error bound of ${this.stats.staleIfErrorMs} ms`,
        );
      }
      this.stats.staleReads++;
    }
    return { hit: true, value: this.#entries.get(key)?.value };
  }
}

/**
 * Shared shape of the caching strategies: a refresh loop started by `start()` (which resolves once the first
 * snapshot is in, via {@link SnapshotKvClient.markReady}), reads answered from the {@link SnapshotCache} for keys
 * under the prefix, a pooled `?raw` read for keys outside it, and a `close()` that stops the loop and frees the pool.
 */
export abstract class SnapshotKvClient extends BaseKvClient {
  protected readonly snapshot: SnapshotCache;
  /** Per-request deadline of non-blocking reads (polls, lists, fallback reads), ms. */
  protected readonly timeoutMs: number;
  /** Reads of keys outside the prefix, served by the pooled fallback. */
  protected fallbackReads = 0;
  readonly #stop = new AbortController();
  readonly #ready: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  #loop: Promise<void> | undefined;
  #pool: Pool | undefined;

  constructor(options: KvClientOptions) {
    super(options);
    this.snapshot = new SnapshotCache(options.staleIfErrorMs ?? DEFAULT_CLIENT_OPTIONS.staleIfErrorMs);
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.requestTimeoutMs;
  }

  /** Aborted by `close()`: the loop's requests and sleeps listen to it. */
  protected get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** The refresh loop: runs until {@link SnapshotKvClient.stopSignal} aborts; calls `markReady()` after its first snapshot. */
  protected abstract refreshLoop(): Promise<void>;

  /** Frees the loop's own transport (e.g. the watch's connection), before the loop is awaited. Default: nothing. */
  protected closeTransport(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves `start()`'s promise (idempotent). */
  protected markReady(): void {
    this.#ready.resolve();
  }

  /**
   * Rejects `start()` when the first snapshot is not in yet and `err` is a TLS verification failure (Consul's
   * certificate is not trusted: retrying cannot mend it), so a client without Consul's CA fails at start with a
   * clear error instead of waiting forever. The loop goes on retrying until `close()`.
   */
  protected failBeforeReady(err: unknown): void {
    if (tlsErrorCode(err)) this.#ready.reject(transportError(err, this.options.prefix));
  }

  /** The bounded keep-alive pool for fallback reads (and polls), created on first use. */
  protected consulPool(): Pool {
    this.#pool ??= createConsulPool(this.options);
    return this.#pool;
  }

  override start(): Promise<void> {
    if (this.closed) return Promise.reject(new KvClientError('CLIENT_CLOSED', `${this.name}: start() after close()`));
    this.#loop ??= this.refreshLoop();
    return this.#ready.promise;
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    if (key.startsWith(this.options.prefix)) {
      const cached = this.snapshot.read(key);
      if (cached.hit) return cached.value;
    }
    this.fallbackReads++;
    return rawRead(this.consulPool(), key, this.headers, this.timeoutMs, this.consistency);
  }

  protected override async release(): Promise<void> {
    this.#stop.abort();
    this.#ready.reject(new KvClientError('CLIENT_CLOSED', `${this.name} closed before its first snapshot`));
    this.#ready.promise.catch(() => {});
    await this.closeTransport();
    await this.#loop;
    await this.#pool?.close();
  }
}
