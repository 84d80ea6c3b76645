/**
 * `pooled`: one undici `Pool` per Consul origin with a bounded number of keep-alive connections, `?raw` reads
 * (no JSON, no base64), and a per-request deadline through `AbortSignal.timeout`.
 *
 * The connection bound stays below Consul's `limits.http_max_conns_per_client` (default 200) so the pool never
 * earns a 429; requests beyond the bound queue inside the pool.
 *
 * @module
 */

import type { Pool } from 'undici';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import { createConsulPool, rawRead } from './support/consul-http.ts';

class PooledClient extends BaseKvClient {
  readonly name = 'pooled';
  readonly #pool = createConsulPool(this.options);
  readonly #timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.requestTimeoutMs;
  protected override readonly rateLimitMaxWaitMs = this.#timeoutMs;

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  /** undici pool statistics (`connected`, `free`, `pending`, `queued`, `running`, `size`). */
  get poolStats(): Pool['stats'] {
    return this.#pool.stats;
  }

  protected read(key: string): Promise<Uint8Array | undefined> {
    return rawRead(this.#pool, key, this.headers, this.#timeoutMs, this.consistency);
  }

  protected override async release(): Promise<void> {
    await this.#pool.close();
  }
}

/**
 * Factory of the `pooled` strategy. Options used: `consulUrl`, `token`, `maxConnections`, `requestTimeoutMs`,
 * `consistency`, `rateLimit` (a token wait longer than `requestTimeoutMs` is refused with `CLIENT_RATE_LIMITED`).
 */
export const createPooledClient = (options: KvClientOptions): StrategyClient => new PooledClient(options);
