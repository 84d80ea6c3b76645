/**
 * The hedged-retry policy `leaky-without-abort` and `fixed` share: when an attempt has not answered after a delay
 * (which doubles on every attempt) or fails, another attempt starts. `leaky-without-abort` never cancels the
 * earlier attempts; `fixed` aborts all of them when the read settles.
 *
 * @module
 */

/** Retry policy of the hedged strategies. */
export const HEDGED_RETRY = {
  /** Attempts per read, the first included. */
  maxAttempts: 4,
  /** Delay before the first retry, ms; doubles per attempt (200, 400, 800 …). */
  firstRetryDelayMs: 200,
} as const;

/** Delay before attempt `n + 1` is started, ms (`n` ≥ 1). */
export function retryDelayMs(n: number): number {
  return HEDGED_RETRY.firstRetryDelayMs * 2 ** (n - 1);
}
