/**
 * The shared base of every strategy: idempotent `close()`, the use-after-close error, counters, and the optional
 * client-side rate limit. Subclasses implement {@link BaseKvClient.read} and, when they hold resources,
 * {@link BaseKvClient.release} (undici's dispatcher base is the model: lifecycle once, in the base).
 *
 * @module
 */
import type { KvClientCounters, KvClientOptions, StrategyClient } from '../kv-client.ts';
import { KvClientError, transportError } from './client-errors.ts';
import { consistencyParam, consulHeaders } from './consul-http.ts';
import { TokenBucket } from './token-bucket.ts';

/** Spins for `us` µs on the event loop: CPU work of a known size (see `addedWorkUs`). */
function busyWork(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) {
    // the work
  }
}

/** Shared base of every strategy (see the module comment). */
export abstract class BaseKvClient implements StrategyClient {
  abstract readonly name: string;
  readonly counters: KvClientCounters = { gets: 0, hits: 0, misses: 0, errors: 0 };
  readonly options: KvClientOptions;
  /** The client-side rate limiter, when `options.rateLimit` is set and the strategy applies it. */
  readonly limiter: TokenBucket | undefined;
  /**
   * Longest a read may wait for a rate-limit token, ms: a strategy with a per-request deadline sets it to that
   * deadline (client-go refuses a wait that would outlast the context's deadline). Default: no limit.
   */
  protected readonly rateLimitMaxWaitMs: number | undefined = undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param appliesRateLimit whether this strategy honours `options.rateLimit` (the direct-read strategies do).
   * @throws {RangeError} when `options.rateLimit` is malformed.
   */
  constructor(options: KvClientOptions, appliesRateLimit = false) {
    this.options = options;
    this.limiter = appliesRateLimit && options.rateLimit ? new TokenBucket(options.rateLimit) : undefined;
  }

  /** The consistency flag for this client's reads: `''`, `'stale'` or `'consistent'`. */
  protected get consistency(): '' | 'stale' | 'consistent' {
    return consistencyParam(this.options.consistency);
  }

  /** Headers for every request (ACL token). */
  protected get headers(): Record<string, string> {
    return consulHeaders(this.options.token);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.#closing) throw new KvClientError('CLIENT_CLOSED', `${this.name}: get() after close()`);
    this.counters.gets++;
    try {
      if (this.options.addedWorkUs) busyWork(this.options.addedWorkUs);
      if (this.limiter) {
        try {
          await this.limiter.take(this.rateLimitMaxWaitMs);
        } catch (err) {
          throw transportError(err, key);
        }
      }
      const value = await this.read(key);
      if (value === undefined) this.counters.misses++;
      else this.counters.hits++;
      return value;
    } catch (err) {
      this.counters.errors++;
      throw err;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.release();
    return this.#closing;
  }

  /** The strategy's read. Never called after close. */
  protected abstract read(key: string): Promise<Uint8Array | undefined>;

  /** Frees the strategy's resources. Called once. Default: nothing to free. */
  protected release(): Promise<void> {
    return Promise.resolve();
  }
}
