/**
 * An example of your own client, for `consul-kv-bench run --client ./clients/examples/my-client.ts`.
 *
 * The contract (see clients/kv-client.ts): the module's default export (or a named `createClient`) is a factory
 * `(options) => client`, where `options` has `consulUrl` (e.g. `http://127.0.0.1:8500`, which in fault scenarios
 * is a Toxiproxy in front of Consul), `prefix`, `token` and the scenario's `requestTimeoutMs`,
 * `maxConnections`, `watchWaitMs`; and the client has:
 * - `get(key)`: resolves to the value's bytes (a Uint8Array), or `undefined` when the key does not exist;
 * - `close()`: frees sockets and timers;
 * - optionally `start()`: resolves when the client is ready (e.g. a cache is warm), awaited before load starts;
 * - optionally `counters` and `stats` objects, copied into the report's `clientStats`.
 * A client may throw any error; one whose `code` is listed in `ERROR_CAUSES` (clients/support/client-errors.ts:
 * `CLIENT_TIMEOUT`, `CONSUL_TOO_MANY_CONNECTIONS`, `CONSUL_HTTP_ERROR`, `CONSUL_BAD_RESPONSE`, `CONSUL_UNREACHABLE`,
 * `CLIENT_RATE_LIMITED`, `CACHE_TOO_STALE`, `CLIENT_CLOSED`) is counted under that cause, any other under `other`.
 *
 * This example wraps the code a team might ship: global fetch with a per-request timeout and `?raw`. It needs
 * nothing from this repository; copy it, and point `--client` at your copy.
 */
interface Options {
  consulUrl: string;
  token?: string;
  requestTimeoutMs?: number;
}

export default function createMyClient(options: Options) {
  const timeoutMs = options.requestTimeoutMs ?? 1000;
  const headers: Record<string, string> = options.token ? { 'x-consul-token': options.token } : {};
  return {
    async get(key: string): Promise<Uint8Array | undefined> {
      const path = key.split('/').map(encodeURIComponent).join('/');
      const res = await fetch(`${options.consulUrl}/v1/kv/${path}?raw`, {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw Object.assign(new Error(`Consul answered ${res.status}`), {
          code: res.status === 429 ? 'CONSUL_TOO_MANY_CONNECTIONS' : 'CONSUL_HTTP_ERROR',
        });
      }
      return new Uint8Array(await res.arrayBuffer());
    },
    async close(): Promise<void> {},
  };
}
