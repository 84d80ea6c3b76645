/**
 * The freshness prober: one closed loop per probed key reads `GET /config/<key>` from the service under test,
 * a fixed interval apart, and records when each read was sent and answered, its status, and the version the value
 * carries ({@link readVersion}). Its resolution is the interval plus the service's latency: a change is seen at
 * most that late. Runs beside the load generator; loopback only; bounded in time (stops on `stop()`) and per
 * read (a 5 s timeout, recorded as status 0).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { assertLoopback } from '../loopback.ts';
import { readVersion } from './versioned-value.ts';

/** One probe read. Times are ms on the run's clock. */
export interface ProbeRead {
  /** Index of the key in the prober's key list. */
  readonly keyIndex: number;
  readonly sentMs: number;
  readonly receivedMs: number;
  /** HTTP status from the service; 0 when the read failed in transport or timed out. */
  readonly status: number;
  /** Version carried by a 200's value; `null` otherwise (or when the value carries none). */
  readonly version: number | null;
}

/** Options of {@link Prober}. */
export interface ProberOptions {
  /** The service's base URL (loopback). */
  readonly serviceUrl: string;
  /** Key names relative to the scenario prefix, as in `/config/<key>`. */
  readonly keys: readonly string[];
  /** Pause between one key's reads, ms. ≥ 0. */
  readonly intervalMs: number;
  /** Origin of the run's clock (a `performance.now()` value). */
  readonly originMs: number;
  /** Per-read timeout, ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** Reads the probed keys in closed loops until stopped. */
export class Prober {
  readonly reads: ProbeRead[] = [];
  readonly #options: ProberOptions;
  readonly #stop = new AbortController();
  readonly #pool: Pool;
  #loops: Promise<void>[] = [];

  constructor(options: ProberOptions) {
    this.#options = options;
    this.#pool = new Pool(options.serviceUrl, { connections: options.keys.length, pipelining: 1 });
  }

  /**
   * Starts one loop per key.
   * @throws {BenchError} `NOT_LOOPBACK` when the service URL is not loopback.
   */
  async start(): Promise<void> {
    await assertLoopback(this.#options.serviceUrl, 'the service under test');
    this.#loops = this.#options.keys.map((_, i) => this.#loop(i));
  }

  /** Stops every loop and closes the connections; resolves when the reads in flight are done. Idempotent. */
  async stop(): Promise<void> {
    if (this.#pool.destroyed) return;
    this.#stop.abort();
    await Promise.all(this.#loops);
    await this.#pool.destroy();
  }

  async #loop(keyIndex: number): Promise<void> {
    const { keys, intervalMs, originMs } = this.#options;
    const path = `/config/${encodeURIComponent(keys[keyIndex]!)}`;
    const timeoutMs = this.#options.timeoutMs ?? 5000;
    while (!this.#stop.signal.aborted) {
      const sentMs = performance.now() - originMs;
      let status = 0;
      let version: number | null = null;
      try {
        const res = await this.#pool.request({ path, method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
        status = res.statusCode;
        const body = new Uint8Array(await res.body.arrayBuffer());
        if (status === 200) version = readVersion(body) ?? null;
      } catch {
        if (this.#stop.signal.aborted) break;
      }
      this.reads.push({ keyIndex, sentMs, receivedMs: performance.now() - originMs, status, version });
      if (intervalMs > 0) await sleep(intervalMs, undefined, { signal: this.#stop.signal }).catch(() => {});
    }
  }
}
