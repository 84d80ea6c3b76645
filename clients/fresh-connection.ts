/**
 * `fresh-connection`: a new TCP connection for every request, the Go articles' default client with keep-alive
 * off (`hashicorp/consul/api`'s non-pooled config). Uses `node:http` (`node:https` for an `https://` Consul, so
 * every request pays a TLS handshake too) with `agent: false` and `Connection: close`, reads `?raw`, and applies the same per-request timeout as `pooled`, so the two rows
 * differ only in connection reuse.
 *
 * Expect one TCP connection opened per Consul request and TIME_WAIT sockets piling up on loopback.
 *
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import type { KvClientOptions, StrategyClient } from './kv-client.ts';
import { BaseKvClient } from './support/base-client.ts';
import { consulStatusError, transportError } from './support/client-errors.ts';
import { DEFAULT_CLIENT_OPTIONS } from './support/client-options.ts';
import { kvPath, kvQuery } from './support/consul-http.ts';

class FreshConnectionClient extends BaseKvClient {
  readonly name = 'fresh-connection';
  readonly #base = new URL(this.options.consulUrl);
  readonly #timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.requestTimeoutMs;
  protected override readonly rateLimitMaxWaitMs = this.#timeoutMs;

  constructor(options: KvClientOptions) {
    super(options, true);
  }

  protected read(key: string): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      const tls = this.#base.protocol === 'https:';
      const req = (tls ? https : http).request(
        {
          host: this.#base.hostname,
          port: this.#base.port || (tls ? 443 : 80),
          ...(tls && this.options.ca ? { ca: this.options.ca } : {}),
          path: kvPath(key) + kvQuery({ raw: true, [this.consistency]: true }),
          method: 'GET',
          agent: false,
          headers: { ...this.headers, connection: 'close' },
          signal: AbortSignal.timeout(this.#timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(transportError(err, key)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status === 404) resolve(undefined);
            else if (status >= 200 && status < 300) resolve(Buffer.concat(chunks));
            else reject(consulStatusError(status, key));
          });
        },
      );
      req.on('error', (err) => reject(transportError(err, key)));
      req.end();
    });
  }
}

/** Factory of the `fresh-connection` strategy. Options used: `consulUrl`, `token`, `ca`, `requestTimeoutMs`, `consistency`, `rateLimit`. */
export const createFreshConnectionClient = (options: KvClientOptions): StrategyClient =>
  new FreshConnectionClient(options);
