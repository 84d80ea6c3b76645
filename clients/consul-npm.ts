/**
 * `consul-npm`: the `consul` npm package (node-consul 2.x), the client Node users pick today, used the way its
 * README shows: one `new Consul({ host, port })` per process and `consul.kv.get(key)` per read. The peer
 * baseline the other strategies are compared with.
 *
 * What that means on the wire (../shared/CONSUL-NOTES.md, node-consul): one `http.Agent({ keepAlive: true })`
 * with no socket limit, JSON + base64 answers, and no timeout (the README's default; a per-call `timeout`
 * exists but the README's examples do not set it), so `requestTimeoutMs` is not applied.
 *
 * The one deviation from the README's snippet: `buffer: true` (a documented option of `kv.get`), because the
 * default decodes values to UTF-8 strings, which would corrupt the binary values the harness seeds.
 *
 * @module
 */
import Consul from 'consul';
import {
  BaseKvClient,
  consulStatusError,
  type KvClient,
  KvClientError,
  type KvClientOptions,
  transportError,
} from './kv-client.ts';

/** The package's constructor options for a Consul base URL, token and consistency mode. */
export function consulNpmOptions(options: KvClientOptions): ConstructorParameters<typeof Consul>[0] {
  const url = new URL(options.consulUrl);
  const defaults: Record<string, unknown> = {};
  if (options.token) defaults.token = options.token;
  if (options.consistency === 'stale') defaults.stale = true;
  if (options.consistency === 'consistent') defaults.consistent = true;
  return {
    host: url.hostname,
    port: Number(url.port || 80),
    secure: url.protocol === 'https:',
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

class ConsulNpmClient extends BaseKvClient {
  readonly name = 'consul-npm';
  readonly #consul = new Consul(consulNpmOptions(this.options));

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    let item: ConsulNpmItem | null | undefined;
    try {
      // `buffer` is documented in the README but missing from the package's typings
      item = (await this.#consul.kv.get({ key, buffer: true } as { key: string })) as unknown as
        | ConsulNpmItem
        | null
        | undefined;
    } catch (err) {
      throw consulNpmError(err, key);
    }
    if (!item) return undefined;
    return item.Value === null ? new Uint8Array(0) : new Uint8Array(item.Value);
  }

  protected override async release(): Promise<void> {
    this.#consul.destroy();
  }
}

/**
 * Factory of the `consul-npm` strategy. Options used: `consulUrl`, `token`, `consistency`, `rateLimit` (waits for
 * its token without a limit: the package has no deadline by default). `requestTimeoutMs` is not applied.
 */
export const createConsulNpmClient = (options: KvClientOptions): KvClient => new ConsulNpmClient(options);
