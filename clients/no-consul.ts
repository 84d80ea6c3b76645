/**
 * `no-consul` baseline: answers every read from a constant of `valueBytes` bytes without touching Consul.
 * The row it produces is the config service's own ceiling on this machine; every client row is read against it.
 *
 * @module
 */
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';

class NoConsulClient extends BaseKvClient {
  readonly name = 'no-consul';
  readonly #value = new Uint8Array(this.options.valueBytes ?? DEFAULT_CLIENT_OPTIONS.valueBytes).fill(0x61);

  protected read(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#value);
  }
}

/** Factory of the `no-consul` baseline. Options used: `valueBytes`. */
export const createNoConsulClient = (options: KvClientOptions): StrategyClient => new NoConsulClient(options);
