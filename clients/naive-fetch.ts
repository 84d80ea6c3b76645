/**
 * `naive-fetch`: the code most people write first. The global `fetch` per read, the JSON response parsed and
 * the base64 `Value` decoded, no timeout and no cancellation.
 *
 * Connection behaviour comes from Node's global dispatcher: keep-alive with an unlimited number of connections
 * per origin and 300 s headers/body timeouts (docs/MEASUREMENT-NOTES.md, undici and fetch defaults), so
 * under high concurrency it opens as many connections to Consul as there are concurrent reads.
 *
 * @module
 */
import type { KvClient, KvClientOptions } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { consulStatusError, transportError } from './support/client-errors.ts';
import { type ConsulKvEntry, decodeEntryValue, kvPath, kvQuery } from './support/consul-http.ts';

class NaiveFetchClient extends BaseKvClient {
  readonly name = 'naive-fetch';

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    let res: Response;
    try {
      res = await fetch(this.options.consulUrl + kvPath(key) + kvQuery({ [this.consistency]: true }), {
        headers: this.headers,
      });
    } catch (err) {
      throw transportError(err, key);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw consulStatusError(res.status, key);
    }
    const entries = (await res.json()) as ConsulKvEntry[];
    const entry = entries[0];
    return entry ? decodeEntryValue(entry) : undefined;
  }
}

/** Factory of the `naive-fetch` strategy. Options used: `consulUrl`, `token`, `consistency`, `rateLimit` (waits for its token without a limit, as it has no deadline). */
export const createNaiveFetchClient = (options: KvClientOptions): KvClient => new NaiveFetchClient(options);
