/**
 * `consul-npm-watch`: the `consul` npm package's `consul.watch()` on the key prefix feeding an in-memory map,
 * as its README shows (`watch({ method: consul.kv.get, options })`, `on('change')`, `on('error')`): the peer
 * baseline of `watch-cached`.
 *
 * The package's watch (read from its source, lib/watch.js in 2.0.1): blocking queries with `wait` (30 s
 * default here too), a client timeout of `wait + max(wait/10, 500 ms)`, backoff `100 ms × 2^n` capped at 30 s
 * on errors, resets to index 0 when the index goes backwards, treats an index of 0 as an error, and after an
 * error retries with the *last index it had* (no re-list). Nothing here changes that behaviour; the map is
 * served without any staleness bound, as the README's pattern does. Keys outside the prefix fall back to
 * `consul.kv.get`.
 *
 * A consequence measured in test/clients/freshness.test.ts: on a Consul back on an empty data dir, whose indexes
 * start over, a write that lands at the very index the watch last saw is missed until the next write under the
 * prefix (its blocking query at that index is held and answered "unchanged"; nothing re-lists). Our `watch-cached`
 * re-lists after errors and compares values, so it serves that write.
 *
 * `start()` resolves on the first `change` event (the first snapshot).
 *
 * @module
 */
import Consul from 'consul';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { KvClientError, tlsErrorCode } from './support/client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import {
  type ConsulNpmItem,
  consulNpmError,
  consulNpmOptions,
  itemBytes,
  npmKvGet,
} from './support/consul-npm-support.ts';

/** Statistics of the package's watch, as seen through its events. */
export interface ConsulNpmWatchStats {
  /** `change` events (the package emits one per response whose index moved, or after a reset). */
  changes: number;
  /** `error` events. */
  errors: number;
  /** Keys in the map now. */
  size: number;
  /** Reads of keys outside the prefix, sent to Consul with `kv.get`. */
  fallbackReads: number;
}

class ConsulNpmWatchClient extends BaseKvClient {
  readonly name = 'consul-npm-watch';
  readonly #consul = new Consul(consulNpmOptions(this.options));
  readonly stats: ConsulNpmWatchStats = { changes: 0, errors: 0, size: 0, fallbackReads: 0 };
  #map = new Map<string, Uint8Array>();
  #loaded = false;
  #watch: ReturnType<Consul['watch']> | undefined;
  #ready: PromiseWithResolvers<void> = Promise.withResolvers<void>();

  override start(): Promise<void> {
    if (this.closed)
      return Promise.reject(new KvClientError('CLIENT_CLOSED', 'consul-npm-watch: start() after close()'));
    if (!this.#watch) {
      const waitS = Math.ceil((this.options.watchWaitMs ?? DEFAULT_CLIENT_OPTIONS.watchWaitMs) / 1000);
      const watch = this.#consul.watch({
        method: this.#consul.kv.get,
        // `buffer` is documented for kv.get; the typings want strings
        options: { key: this.options.prefix, recurse: true, buffer: true, wait: `${waitS}s` } as unknown as Record<
          string,
          string
        >,
      });
      watch.on('change', (data: ConsulNpmItem[] | ConsulNpmItem | null | undefined) => {
        const items = Array.isArray(data) ? data : data ? [data] : [];
        this.#map = new Map(items.map((i) => [i.Key, itemBytes(i)]));
        this.stats.changes++;
        this.stats.size = this.#map.size;
        this.#loaded = true;
        this.#ready.resolve();
      });
      watch.on('error', (err: unknown) => {
        this.stats.errors++;
        // Consul's certificate not trusted: no retry mends it, so start() fails now rather than never resolving.
        if (!this.#loaded && tlsErrorCode(err)) this.#ready.reject(consulNpmError(err, this.options.prefix));
      });
      this.#watch = watch;
    }
    return this.#ready.promise;
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    if (this.#loaded && key.startsWith(this.options.prefix)) return this.#map.get(key);
    this.stats.fallbackReads++;
    return npmKvGet(this.#consul, key);
  }

  protected override async release(): Promise<void> {
    this.#ready.reject(new KvClientError('CLIENT_CLOSED', 'consul-npm-watch closed before its first snapshot'));
    this.#ready.promise.catch(() => {});
    this.#watch?.end();
    this.#consul.destroy();
  }
}

/**
 * Factory of the `consul-npm-watch` strategy. Options used: `consulUrl`, `token`, `prefix` (watched with
 * `recurse`), `watchWaitMs`, `consistency`. No staleness bound, no rate limit: the package's defaults.
 */
export const createConsulNpmWatchClient = (
  options: KvClientOptions,
): StrategyClient & { readonly stats: ConsulNpmWatchStats } => new ConsulNpmWatchClient(options);
