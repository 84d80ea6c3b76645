/**
 * The in-memory prefix snapshot that the caching strategies (`watch-cached`, `polling`) serve reads from, and
 * their stale-while-error policy.
 *
 * - Changes are de-duplicated by `ModifyIndex`: a refresh that returns the same entries changes nothing and
 *   fires no change event (the Go watch guide's "de-duplication by version").
 * - Once a snapshot is loaded it is authoritative for keys under the prefix: a key it lacks does not exist
 *   (a negative answer costs Consul nothing).
 * - Stale-while-error (RFC 5861's `stale-if-error`, applied to a watch): while refreshes fail the last snapshot
 *   keeps being served for `staleIfErrorMs` after the first failure; after that reads are refused with
 *   `CACHE_TOO_STALE` until a refresh succeeds. Reads served while disconnected are counted as stale.
 *
 * @module
 */
import { type ConsulKvEntry, DEFAULT_CLIENT_OPTIONS, KvClientError, decodeEntryValue } from './kv-client.ts';

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
}

/** A prefix snapshot with version de-duplication and a stale-while-error bound. */
export class SnapshotCache {
  readonly stats: SnapshotStats;
  #entries = new Map<string, Entry>();
  #loaded = false;
  /** performance.now() of the first failed refresh since the last success; undefined while connected. */
  #disconnectedAt: number | undefined;

  /** @param staleIfErrorMs see `KvClientOptions.staleIfErrorMs`; default 60 000 ms. */
  constructor(staleIfErrorMs: number = DEFAULT_CLIENT_OPTIONS.staleIfErrorMs) {
    this.stats = { changes: 0, keysChanged: 0, unchanged: 0, size: 0, staleReads: 0, staleRefused: 0, longestDisconnectedMs: 0, staleIfErrorMs };
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
   * @returns the keys that were added, modified (a different `ModifyIndex`) or removed; empty when nothing changed.
   */
  replace(entries: readonly ConsulKvEntry[]): string[] {
    const next = new Map<string, Entry>();
    const changed: string[] = [];
    for (const e of entries) {
      const prev = this.#entries.get(e.Key);
      if (prev && prev.modifyIndex === e.ModifyIndex) next.set(e.Key, prev);
      else {
        next.set(e.Key, { value: decodeEntryValue(e), modifyIndex: e.ModifyIndex });
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
      this.stats.longestDisconnectedMs = Math.max(this.stats.longestDisconnectedMs, performance.now() - this.#disconnectedAt);
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
        throw new KvClientError('CACHE_TOO_STALE', `cache disconnected from Consul for ${Math.round(ageMs)} ms, past its stale-while-error bound of ${this.stats.staleIfErrorMs} ms`);
      }
      this.stats.staleReads++;
    }
    return { hit: true, value: this.#entries.get(key)?.value };
  }
}
