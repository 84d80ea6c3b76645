/**
 * `leaky-without-abort`: the Node analogue of the Go articles' goroutine leak. No timeout, no abort signal,
 * and retries that never cancel earlier attempts: if an attempt has not answered after a retry delay (which
 * doubles on every attempt) or fails, another attempt starts while the earlier ones stay in flight.
 *
 * On a healthy network the first attempt answers well inside the first retry delay and this behaves like a
 * keep-alive client with an unlimited pool. When the network to Consul stalls, every service request leaves
 * up to `HEDGED_RETRY.maxAttempts` requests and sockets in flight with nothing to end them.
 *
 * This strategy exists to be diagnosed; do not copy it.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { transportError } from './support/client-errors.ts';
import { kvPath, rawBody, tlsConnect } from './support/consul-http.ts';
import { HEDGED_RETRY, retryDelayMs } from './support/hedged-retry.ts';

class LeakyWithoutAbortClient extends BaseKvClient {
  readonly name = 'leaky-without-abort';
  /** Unlimited connections and no headers/body timeouts: nothing ever ends a stalled request. */
  readonly #agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, ...tlsConnect(this.options) });

  protected read(key: string): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let failures = 0;
      let lastError: unknown;
      const attempt = async (): Promise<void> => {
        try {
          const value = await this.#once(key);
          if (!settled) {
            settled = true;
            resolve(value);
          }
        } catch (err) {
          lastError = err;
          failures++;
          if (failures >= HEDGED_RETRY.maxAttempts && !settled) {
            settled = true;
            reject(transportError(lastError, key));
          }
        }
      };
      const schedule = async (): Promise<void> => {
        for (let n = 1; n <= HEDGED_RETRY.maxAttempts && !settled; n++) {
          void attempt();
          if (n < HEDGED_RETRY.maxAttempts) await sleep(retryDelayMs(n));
        }
      };
      void schedule();
    });
  }

  async #once(key: string): Promise<Uint8Array | undefined> {
    const res = await this.#agent.request({
      origin: this.options.consulUrl,
      path: kvPath(key) + '?raw',
      method: 'GET',
      headers: this.headers,
    });
    return rawBody(res, key);
  }

  protected override async release(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** Factory of the `leaky-without-abort` strategy. Options used: `consulUrl`, `token`. */
export const createLeakyWithoutAbortClient = (options: KvClientOptions): StrategyClient =>
  new LeakyWithoutAbortClient(options);
