/**
 * Pieces of the open-model worker's schedule ({@link ./open-load-worker.ts}) that hold no measuring state: the queue
 * of due requests, the warm pool, and the seeded arrival gaps.
 *
 * @module
 */
import type { Pool } from 'undici';

/** A request due, waiting to be sent: its intended time (ms on this thread's `performance.now()` clock). */
export interface Due {
  readonly intended: number;
  /** It became due while a slot was free: its send lag is the generator's own. */
  readonly freeSlot: boolean;
}

/**
 * Due requests in intended-time order: an array and a head index. `Array#shift` is O(n), and past the generator's
 * ceiling this queue holds tens of thousands (measured: at 34 000 req/s a shift-based queue cut the achieved rate to
 * 7 000 as the worker spent its time moving the array).
 */
export class DueQueue {
  #items: Due[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(due: Due): void {
    this.#items.push(due);
  }
  /** The oldest; only when `length` > 0. */
  peek(): Due {
    return this.#items[this.#head]!;
  }
  /** Removes and returns the oldest; only when `length` > 0. */
  shift(): Due {
    const due = this.#items[this.#head++]!;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return due;
  }
}

/**
 * Opens `n` connections before the schedule starts, with concurrent `GET /healthz` (the config service answers it
 * without its client; another target's 404 does as well), each given 1 s. Without it the first burst of a run, or
 * the first hiccup, opens connections by the dozen while requests wait, a cost the target did not cause (measured
 * against a stub: a 4 000 req/s run reached 633 in flight and an uncorrected p99 of 126 ms from a cold pool).
 * `n` is one per 100 req/s of this worker's rate, 4 at least: room for 10 ms of service time at that rate.
 */
export async function preconnect(pool: Pool, n: number): Promise<void> {
  await Promise.allSettled(
    Array.from({ length: n }, async () => {
      const res = await pool.request({ path: '/healthz', method: 'GET', signal: AbortSignal.timeout(1000) });
      await res.body.dump();
    }),
  );
}

/** Park–Miller minimal standard generator, (0, 1). */
export function seeded(seed: number): () => number {
  let s = Math.max(1, Math.floor(seed) % 2147483647);
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}
