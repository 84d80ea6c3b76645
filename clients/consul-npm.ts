/**
 * `consul-npm`: the `consul` npm package (node-consul 2.x), the client Node users pick today, used the way its
 * README shows: one `new Consul({ host, port })` per process and `consul.kv.get(key)` per read. The peer
 * baseline the other strategies are compared with.
 *
 * What that means on the wire (docs/CONSUL-NOTES.md, node-consul): one `http.Agent({ keepAlive: true })`
 * with no socket limit, JSON + base64 answers, and no timeout (the README's default; a per-call `timeout`
 * exists but the README's examples do not set it), so `requestTimeoutMs` is not applied.
 *
 * The one deviation from the README's snippet: `buffer: true` (a documented option of `kv.get`), because the
 * default decodes values to UTF-8 strings, which would corrupt the binary values the harness seeds.
 *
 * @module
 */
import Consul from 'consul';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { consulNpmOptions, npmKvGet } from './support/consul-npm-support.ts';

class ConsulNpmClient extends BaseKvClient {
  readonly name = 'consul-npm';
  readonly #consul = new Consul(consulNpmOptions(this.options));

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected read(key: string): Promise<Uint8Array | undefined> {
    return npmKvGet(this.#consul, key);
  }

  protected override async release(): Promise<void> {
    this.#consul.destroy();
  }
}

/**
 * Factory of the `consul-npm` strategy. Options used: `consulUrl`, `token`, `consistency`, `rateLimit` (waits for
 * its token without a limit: the package has no deadline by default). `requestTimeoutMs` is not applied.
 */
export const createConsulNpmClient = (options: KvClientOptions): StrategyClient => new ConsulNpmClient(options);
