/**
 * Consul KV over HTTP, the pieces the strategies share without importing each other: key paths and query
 * strings, the ACL header, the JSON entry shape, and the `?raw` read through an undici pool with a deadline.
 *
 * @module
 */
import { type Dispatcher, Pool } from 'undici';
import type { KvClientOptions } from '../kv-client.ts';
import { consulStatusError, transportError } from './client-errors.ts';
import { CLIENT_OPTION_DEFAULTS, type ConsistencyMode } from './client-options.ts';

/** The query flag a consistency mode adds to a read: `''` for `default`, else `stale` or `consistent`. */
export function consistencyParam(mode: ConsistencyMode | undefined): '' | 'stale' | 'consistent' {
  return mode === 'stale' || mode === 'consistent' ? mode : '';
}

/**
 * Builds a query string from parameters; a `true` value is a bare flag (`?raw`), `false`/`''`/`undefined` are
 * left out. Example: `kvQuery({ raw: true, stale: true, index: 7 })` → `?raw&stale&index=7`.
 */
export function kvQuery(params: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (k === '' || v === undefined || v === false || v === '') continue;
    parts.push(v === true ? k : `${k}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Path of a key under `/v1/kv/`, each segment URL-encoded (keys may hold spaces, `?`, `#`, `%`). */
export function kvPath(key: string): string {
  return `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Request headers shared by all strategies: the ACL token as `X-Consul-Token` when one is set. */
export function consulHeaders(token: string | undefined): Record<string, string> {
  return token ? { 'x-consul-token': token } : {};
}

/** One entry of Consul's JSON KV response (`GET /v1/kv/<key>` without `?raw`). */
export interface ConsulKvEntry {
  Key: string;
  /** base64 of the value; `null` for an empty value. */
  Value: string | null;
  ModifyIndex: number;
  CreateIndex: number;
  Flags: number;
  LockIndex: number;
}

/** Decodes the base64 `Value` of a KV entry; `null` (empty value) gives an empty array. */
export function decodeEntryValue(entry: Pick<ConsulKvEntry, 'Value'>): Uint8Array {
  return entry.Value === null ? new Uint8Array(0) : Buffer.from(entry.Value, 'base64');
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

/**
 * Reads `?raw` through an undici pool with a deadline (`AbortSignal.timeout`). Used by `pooled` and by the
 * caches' reads of keys outside their prefix.
 * @param consistency `''` (default mode), `'stale'` or `'consistent'`.
 * @returns the value's bytes, or `undefined` on 404.
 * @throws {KvClientError} on non-2xx (other than 404), timeout (`CLIENT_TIMEOUT`) or transport failure.
 */
export async function rawRead(
  pool: Pool,
  key: string,
  headers: Record<string, string>,
  timeoutMs: number,
  consistency: '' | 'stale' | 'consistent' = '',
): Promise<Uint8Array | undefined> {
  try {
    const res = await pool.request({
      path: kvPath(key) + kvQuery({ raw: true, [consistency]: true }),
      method: 'GET',
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return await rawBody(res, key);
  } catch (err) {
    throw transportError(err, key);
  }
}

/**
 * undici's `connect` option for `options.ca`: `{ connect: { ca } }` when a CA is given, else `{}` (plain HTTP, or
 * HTTPS verified against Node's bundled CAs).
 */
export function tlsConnect(options: Pick<KvClientOptions, 'ca'>): { connect?: { ca: string } } {
  return options.ca ? { connect: { ca: options.ca } } : {};
}

/**
 * A bounded keep-alive pool to Consul: `options.maxConnections` connections (default 32), no pipelining, TLS
 * verified against `options.ca` for an `https://` Consul. Requests beyond the bound queue inside the pool.
 */
export function createConsulPool(options: Pick<KvClientOptions, 'consulUrl' | 'maxConnections' | 'ca'>): Pool {
  return new Pool(options.consulUrl, {
    connections: options.maxConnections ?? CLIENT_OPTION_DEFAULTS.maxConnections,
    pipelining: 1,
    ...tlsConnect(options),
  });
}
