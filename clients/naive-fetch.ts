/**
 * `naive-fetch`: the code most people write first. The global `fetch` per read, the JSON response parsed and
 * the base64 `Value` decoded, no timeout and no cancellation.
 *
 * Connection behaviour comes from Node's global dispatcher: keep-alive with an unlimited number of connections
 * per origin and 300 s headers/body timeouts (docs/MEASUREMENT-NOTES.md, undici and fetch defaults), so
 * under high concurrency it opens as many connections to Consul as there are concurrent reads. Given a CA
 * (`options.ca`, an `https://` Consul with a private CA) it calls undici's own `fetch` (the implementation Node's
 * global one bundles) with an undici `Agent` of the same defaults and that CA, as code that cannot rely on
 * `NODE_EXTRA_CA_CERTS` does: Node 22's global fetch rejects a dispatcher from a newer undici
 * (`invalid onRequestStart method`, measured on 22.23.3).
 *
 * @module
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { consulStatusError, transportError } from './support/client-errors.ts';
import { type ConsulKvEntry, decodeEntryValue, kvPath, kvQuery, tlsConnect } from './support/consul-http.ts';

class NaiveFetchClient extends BaseKvClient {
  readonly name = 'naive-fetch';
  /** Only with a CA: the global dispatcher's defaults plus the CA. */
  readonly #dispatcher = this.options.ca ? new Agent(tlsConnect(this.options)) : undefined;

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected async read(key: string): Promise<Uint8Array | undefined> {
    let res: Response;
    try {
      const url = this.options.consulUrl + kvPath(key) + kvQuery({ [this.consistency]: true });
      res = this.#dispatcher
        ? ((await undiciFetch(url, { headers: this.headers, dispatcher: this.#dispatcher })) as unknown as Response)
        : await fetch(url, { headers: this.headers });
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

  protected override async release(): Promise<void> {
    await this.#dispatcher?.close();
  }
}

/** Factory of the `naive-fetch` strategy. Options used: `consulUrl`, `token`, `consistency`, `rateLimit` (waits for its token without a limit, as it has no deadline). */
export const createNaiveFetchClient = (options: KvClientOptions): StrategyClient => new NaiveFetchClient(options);
