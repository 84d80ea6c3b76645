/**
 * `fixed`: `leaky-without-abort` repaired, the negative control of the leak diagnosis. The same hedged retries
 * (another attempt when one is slow or fails), but every attempt has a deadline and an abort signal, and when
 * the read settles, won, failed or timed out, every attempt still running is aborted. A stall therefore keeps
 * in flight at most about arrival rate × timeout × attempts, and nothing is left when it ends.
 *
 * The read's own deadline is `requestTimeoutMs` (default 1000 ms); each attempt is aborted then at the latest.
 * A plain per-attempt AbortController is used, not `AbortSignal.any` (which has had leak bugs;
 * docs/MEASUREMENT-NOTES.md).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { KvClientError, transportError } from './support/client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import { kvPath, kvQuery, rawBody, tlsConnect } from './support/consul-http.ts';
import { HEDGED_RETRY, retryDelayMs } from './support/hedged-retry.ts';

class FixedClient extends BaseKvClient {
  readonly name = 'fixed';
  readonly #agent = new Agent(tlsConnect(this.options));
  readonly #timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.requestTimeoutMs;
  protected override readonly rateLimitMaxWaitMs = this.#timeoutMs;

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected read(key: string): Promise<Uint8Array | undefined> {
    const controllers: AbortController[] = [];
    /** Cancels the retry scheduler's pending sleep, so no timer outlives the read. */
    const schedule = new AbortController();
    const stopAll = (): void => {
      schedule.abort();
      for (const c of controllers) c.abort();
    };
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      let settled = false;
      let failures = 0;
      let started = 0;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        stopAll();
        fn();
      };
      const deadline = setTimeout(
        () =>
          settle(() =>
            reject(new KvClientError('CLIENT_TIMEOUT', `read of ${key} timed out after ${this.#timeoutMs} ms`)),
          ),
        this.#timeoutMs,
      );
      const attempt = async (): Promise<void> => {
        const controller = new AbortController();
        controllers.push(controller);
        started++;
        try {
          const res = await this.#agent.request({
            origin: this.options.consulUrl,
            path: kvPath(key) + kvQuery({ raw: true, [this.consistency]: true }),
            method: 'GET',
            headers: this.headers,
            signal: controller.signal,
          });
          const value = await rawBody(res, key);
          settle(() => resolve(value));
        } catch (err) {
          failures++;
          if (failures >= HEDGED_RETRY.maxAttempts || (failures === started && started >= HEDGED_RETRY.maxAttempts)) {
            settle(() => reject(transportError(err, key)));
          }
        }
      };
      void (async () => {
        for (let n = 1; n <= HEDGED_RETRY.maxAttempts && !settled; n++) {
          void attempt();
          if (n < HEDGED_RETRY.maxAttempts) {
            await sleep(retryDelayMs(n), undefined, { signal: schedule.signal }).catch(() => {});
          }
        }
      })();
    });
  }

  protected override async release(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** Factory of the `fixed` strategy. Options used: `consulUrl`, `token`, `requestTimeoutMs`, `consistency`, `rateLimit`. */
export const createFixedClient = (options: KvClientOptions): StrategyClient => new FixedClient(options);
