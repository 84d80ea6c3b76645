/**
 * A client-side rate limiter: a token bucket with a sustained rate (QPS) and a burst, with the semantics of
 * Go's `golang.org/x/time/rate` `Limiter.Wait`, which Kubernetes' client-go uses for its `QPS`/`Burst` options:
 * a caller reserves a token (the bucket may go into debt), waits until its token is due, and is refused at once,
 * without waiting, when the wait would outlast its deadline.
 *
 * Used by the direct-read strategies (`rateLimit` option) and by the watch loops (so spurious wake-ups or errors
 * cannot make them spin, as Consul's blocking-query docs advise).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Rate-limit settings, as client-go names them. */
export interface RateLimit {
  /** Sustained rate, tokens (requests) per second. > 0. */
  readonly qps: number;
  /** Bucket capacity: requests that may go out at once after an idle period. ≥ 1. */
  readonly burst: number;
}

/** Thrown when the wait for a token would exceed the caller's deadline (x/time/rate: "would exceed context deadline"). */
export class RateLimitWaitError extends Error {
  /** The wait that was refused, ms. */
  readonly waitMs: number;
  constructor(waitMs: number, maxWaitMs: number) {
    super(
      `client-side rate limit: the wait for a token (${waitMs.toFixed(1)} ms) would exceed the deadline (${maxWaitMs} ms)`,
    );
    this.name = 'RateLimitWaitError';
    this.waitMs = waitMs;
  }
}

/** A token bucket. Time comes from `performance.now()` (ms). */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  #tokens: number;
  #at = performance.now();
  /** Times a caller had to wait for a token. */
  waits = 0;
  /** Total time callers waited for tokens, ms. */
  waitedMs = 0;
  /** Callers refused because the wait would exceed their deadline. */
  refused = 0;

  /** @throws {RangeError} when `qps` is not > 0 or `burst` is not ≥ 1. */
  constructor(limit: RateLimit) {
    if (!(limit.qps > 0)) throw new RangeError(`rate limit qps must be > 0 (got ${limit.qps})`);
    if (!(limit.burst >= 1)) throw new RangeError(`rate limit burst must be ≥ 1 (got ${limit.burst})`);
    this.qps = limit.qps;
    this.burst = Math.floor(limit.burst);
    this.#tokens = this.burst;
  }

  /**
   * Reserves one token and returns how long the caller must wait for it, ms (0 when one is available now).
   * @param maxWaitMs refuse (reserve nothing) when the wait would exceed this, ms. Default: no limit.
   * @throws {RateLimitWaitError} when the wait would exceed `maxWaitMs`.
   */
  reserve(maxWaitMs = Number.POSITIVE_INFINITY): number {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.qps);
    this.#at = now;
    const waitMs = this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.qps) * 1000;
    if (waitMs > maxWaitMs) {
      this.refused++;
      throw new RateLimitWaitError(waitMs, maxWaitMs);
    }
    this.#tokens -= 1;
    if (waitMs > 0) {
      this.waits++;
      this.waitedMs += waitMs;
    }
    return waitMs;
  }

  /**
   * Waits for a token.
   * @param maxWaitMs see {@link TokenBucket.reserve}.
   * @param signal aborts the wait (rejects with the signal's reason).
   * @throws {RateLimitWaitError} when the wait would exceed `maxWaitMs`.
   */
  async take(maxWaitMs?: number, signal?: AbortSignal): Promise<void> {
    const waitMs = this.reserve(maxWaitMs);
    if (waitMs > 0) await sleep(waitMs, undefined, signal ? { signal } : undefined);
  }
}
