/**
 * What the two strategies built on the `consul` npm package (node-consul 2.x) share: its constructor options for
 * a Consul base URL, the mapping of its errors to `KvClientError`, and the item shape it returns with
 * `buffer: true`.
 *
 * @module
 */
import type Consul from 'consul';
import type { KvClientOptions } from '../kv-client.ts';
import { consulStatusError, KvClientError, transportError } from './client-errors.ts';

/** The package's constructor options for a Consul base URL, token and consistency mode. */
export function consulNpmOptions(options: KvClientOptions): ConstructorParameters<typeof Consul>[0] {
  const url = new URL(options.consulUrl);
  const defaults: Record<string, unknown> = {};
  if (options.token) defaults.token = options.token;
  if (options.consistency === 'stale') defaults.stale = true;
  if (options.consistency === 'consistent') defaults.consistent = true;
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    secure: url.protocol === 'https:',
    // papi passes `ca` to every https.request (it is among its request options)
    ...(options.ca ? { ca: [options.ca] } : {}),
    ...(Object.keys(defaults).length ? { defaults } : {}),
  };
}

/** Maps the package's errors (papi `ResponseError` with `statusCode`, `TimeoutError`, socket errors) to {@link KvClientError}. */
export function consulNpmError(err: unknown, key: string): KvClientError {
  const e = err as { statusCode?: number; isTimeout?: boolean; isResponse?: boolean } | null;
  if (e?.isResponse && typeof e.statusCode === 'number') return consulStatusError(e.statusCode, key);
  if (e?.isTimeout) return new KvClientError('CLIENT_TIMEOUT', `request for ${key} timed out`, { cause: err });
  return transportError(err, key);
}

/** A KV item as the package returns it with `buffer: true`. */
export interface ConsulNpmItem {
  Key: string;
  Value: Buffer | null;
  ModifyIndex: number;
}

/** The value bytes of an item (`null` → empty). */
export function itemBytes(item: Pick<ConsulNpmItem, 'Value'>): Uint8Array {
  return item.Value === null ? new Uint8Array(0) : new Uint8Array(item.Value);
}

/**
 * `consul.kv.get(key)` with `buffer: true` (documented in the package's README but missing from its typings).
 * @returns the value's bytes, or `undefined` for a missing key.
 * @throws {KvClientError} mapped by {@link consulNpmError}.
 */
export async function npmKvGet(consul: Consul, key: string): Promise<Uint8Array | undefined> {
  let item: ConsulNpmItem | null | undefined;
  try {
    item = (await consul.kv.get({ key, buffer: true } as { key: string })) as unknown as
      | ConsulNpmItem
      | null
      | undefined;
  } catch (err) {
    throw consulNpmError(err, key);
  }
  return item ? itemBytes(item) : undefined;
}
