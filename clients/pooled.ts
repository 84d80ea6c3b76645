/**
 * `pooled`: one undici `Pool` per Consul origin with a bounded number of keep-alive connections, `?raw` reads
 * (no JSON, no base64), and a per-request deadline through `AbortSignal.timeout`.
 *
 * The connection bound stays below Consul's `limits.http_max_conns_per_client` (default 200) so the pool never
 * earns a 429; requests beyond the bound queue inside the pool.
 *
 * @module
 */
import { type Dispatcher, Pool } from 'undici';
import {
  BaseKvClient,
  consulStatusError,
  DEFAULT_CLIENT_OPTIONS,
  type KvClient,
  type KvClientOptions,
  kvPath,
  kvQuery,
  transportError,
} from './kv-client.ts';

/**
 * Reads `?raw` through a given undici pool with a deadline. Shared by `pooled` and the watch's cold-miss path.
 * @param consistency `''` (default mode), `'stale'` or `'consistent'` (see `KvClientOptions.consistency`).
 * @returns the value's bytes, or `undefined` on 404.
 * @throws {KvClientError} on non-2xx (other than 404), timeout or transport failure.
 */
export async function rawRead(
  pool: Pool,
  key: string,
  headers: Record<string, string>,
  timeoutMs: number,
  consistency: '' | 'stale' | 'consistent' = '',
): Promise<Uint8Array | undefined> {
  let res: Awaited<ReturnType<Pool['request']>>;
  try {
    res = await pool.request({
      path: kvPath(key) + kvQuery({ raw: true, [consistency]: true }),
      method: 'GET',
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw transportError(err, key);
  }
  try {
    return await rawBody(res, key);
  } catch (err) {
    throw transportError(err, key);
  }
}

/**
 * Reads the answer to a `GET /v1/kv/<key>?raw`: the body's bytes on 2xx, `undefined` on 404 (the body is
 * drained either way, so the connection can be reused).
 * @throws {KvClientError} `CONSUL_TOO_MANY_CONNECTIONS` on 429, `CONSUL_HTTP_ERROR` on other non-2xx.
 */
export async function rawBody(res: Dispatcher.ResponseData<unknown>, key: string): Promise<Uint8Array | undefined> {
  if (res.statusCode === 404) {
    await res.body.dump();
    return undefined;
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump();
    throw consulStatusError(res.statusCode, key);
  }
  return new Uint8Array(await res.body.arrayBuffer());
}

/** Creates the bounded keep-alive pool `pooled` and the watch fallback use. */
export function createConsulPool(options: KvClientOptions): Pool {
  return new Pool(options.consulUrl, {
    connections: options.maxConnections ?? DEFAULT_CLIENT_OPTIONS.maxConnections,
    pipelining: 1,
  });
}

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
export const createPooledClient = (options: KvClientOptions): KvClient => new PooledClient(options);
