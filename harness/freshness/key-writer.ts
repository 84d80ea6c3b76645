/**
 * The writer of the freshness scenarios: updates a set of keys round-robin at a fixed rate with
 * {@link versionedValue}s, from the harness's admin address (127.0.0.2), and records when each write was
 * acknowledged (Consul's `PUT` answered `true`). Writes go one at a time; a write that would start later than
 * its slot plus one interval is skipped (counted) rather than queued, so a slow Consul cannot make the writer
 * burst afterwards. Bounded in count (rate × duration + 1) and time (stops on `stop()` or its signal).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulEndpoint } from '../consul/consul-admin.ts';
import { putKey } from '../consul/consul-admin.ts';
import { versionedValue } from './versioned-value.ts';

/** One acknowledged write. Times are ms on the run's clock (`performance.now()` minus the run's origin). */
export interface WriteAck {
  /** Index of the key in the writer's key list. */
  readonly keyIndex: number;
  readonly version: number;
  /** When the PUT was sent, ms. */
  readonly sentMs: number;
  /** When Consul acknowledged it, ms. */
  readonly ackMs: number;
}

/** Options of {@link KeyWriter}. */
export interface KeyWriterOptions {
  readonly consul: ConsulEndpoint;
  /** Full keys to update, round-robin. */
  readonly keys: readonly string[];
  /** Writes per second over all keys. > 0. */
  readonly ratePerSecond: number;
  /** Size of each value, bytes. */
  readonly valueBytes: number;
  /** Origin of the run's clock (a `performance.now()` value). */
  readonly originMs: number;
  /** Hard cap on writes. Default: unbounded within the run (the run's duration bounds it). */
  readonly maxWrites?: number;
}

/** Writes versioned values at a fixed rate until stopped. */
export class KeyWriter {
  readonly acks: WriteAck[] = [];
  /** Writes Consul refused or that failed in transport. */
  failures = 0;
  /** Slots skipped because the previous write overran. */
  skipped = 0;
  /** The last error message, for the report. */
  lastError: string | undefined;
  readonly #options: KeyWriterOptions;
  readonly #stop = new AbortController();
  #version = 0;
  #loop: Promise<void> | undefined;

  constructor(options: KeyWriterOptions) {
    this.#options = options;
  }

  /** Highest version written so far (acknowledged or not). */
  get version(): number {
    return this.#version;
  }

  /** Starts writing; the first write goes out at once. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops after the write in progress; resolves when it is done. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { keys, ratePerSecond, valueBytes, originMs, consul, maxWrites } = this.#options;
    const intervalMs = 1000 / ratePerSecond;
    const startedAt = performance.now();
    for (let slot = 0; !this.#stop.signal.aborted && (maxWrites === undefined || this.#version < maxWrites); slot++) {
      const due = startedAt + slot * intervalMs;
      const now = performance.now();
      if (now > due + intervalMs) {
        this.skipped++;
        continue;
      }
      if (due > now) await sleep(due - now, undefined, { signal: this.#stop.signal }).catch(() => {});
      if (this.#stop.signal.aborted) break;
      const keyIndex = this.#version % keys.length;
      const version = ++this.#version;
      const sentMs = performance.now() - originMs;
      try {
        await putKey(consul, keys[keyIndex]!, versionedValue(version, valueBytes, keyIndex + 1));
        this.acks.push({ keyIndex, version, sentMs, ackMs: performance.now() - originMs });
      } catch (err) {
        this.failures++;
        this.lastError = (err as Error)?.message ?? String(err);
      }
    }
  }
}
