/**
 * The one interface every client strategy implements, and the options its factory receives.
 *
 * Rule (docs/STYLE.md, rules 1–2): one strategy per file in `clients/`, a factory returning {@link KvClient};
 * what strategies share (base class, errors, option declarations, Consul HTTP helpers) lives once, in
 * `clients/support/`. Nothing in `clients/` imports from `harness/`.
 *
 * @module
 */
import type { ClientTunables } from './support/client-options.ts';

/**
 * Options every client factory receives. All durations are milliseconds. The tunable ones (`requestTimeoutMs`,
 * `maxConnections`, `watchWaitMs`, `consistency`, `pollIntervalMs`, `staleIfErrorMs`, `rateLimit`) are declared,
 * with their ranges, defaults and docs, in `clients/support/client-options.ts`; a strategy falls back to
 * `DEFAULT_CLIENT_OPTIONS` for any it is not given.
 */
export interface KvClientOptions extends Partial<ClientTunables> {
  /** Base URL of the Consul HTTP API, e.g. `http://127.0.0.1:8500` (no trailing slash). Required. */
  readonly consulUrl: string;
  /** ACL token sent as `X-Consul-Token` when set. Default: none. */
  readonly token?: string | undefined;
  /**
   * CA certificate(s), PEM, to verify an `https://` Consul with (the harness's own with `--tls`, or
   * `CONSUL_CACERT`'s). Default: none, so Node's bundled CAs, which do not know a private CA: reads then fail
   * with `CONSUL_UNREACHABLE` naming the TLS error (e.g. `SELF_SIGNED_CERT_IN_CHAIN`).
   */
  readonly ca?: string | undefined;
  /**
   * Key prefix the service reads under, e.g. `consul-kv-bench/articles/` (ends with `/`). Used by strategies
   * that watch or poll a prefix. Required.
   */
  readonly prefix: string;
  /** Size in bytes of the constant value the `no-consul` baseline answers with. Default 1024. */
  readonly valueBytes?: number | undefined;
}

/** Counters every client keeps; the service reports them with each row. */
export interface KvClientCounters {
  /** Calls to `get()`. */
  gets: number;
  /** `get()` calls that resolved with bytes. */
  hits: number;
  /** `get()` calls that resolved with `undefined` (key missing). */
  misses: number;
  /** `get()` calls that rejected. */
  errors: number;
}

/**
 * A Consul KV client as the harness runs it: what a user's module returns (`--client`, `consul-kv-bench/testing`).
 * Only `get` and `close` are required; a client without `counters` is counted by the service around it.
 *
 * Lifecycle: create with a factory → optional `start()` (pre-warm; resolves when the client is ready to serve)
 * → any number of `get()` → `close()`.
 */
export interface KvClient {
  /** A name for logs. Optional: the row is named after the module's file. */
  readonly name?: string;
  /** Live counters (see {@link KvClientCounters}). Optional. */
  readonly counters?: Readonly<KvClientCounters>;
  /** Resolves when the client is ready (e.g. the watch has its first snapshot). Optional; awaited before any load. */
  start?(): Promise<void> | void;
  /**
   * Read one key.
   * @param key full key, e.g. `consul-kv-bench/articles/key-0001` (not URL-encoded).
   * @returns the value's exact bytes (empty for an empty value), or `undefined` when the key does not exist.
   * @throws an error whose `code` names its cause to be counted by it in the report, e.g. `CLIENT_TIMEOUT`,
   *   `CONSUL_HTTP_ERROR`, `CONSUL_UNREACHABLE` (the codes of `clients/support/client-errors.ts`); other errors
   *   count as `other`.
   */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Releases sockets, timers and watches. */
  close(): Promise<void> | void;
}

/**
 * A factory of {@link KvClient}: the default export of a user's client module. A minimal client, a `get` and a
 * `close`, satisfies it.
 */
export type KvClientFactory = (options: KvClientOptions) => KvClient;

/**
 * One of the harness's own read strategies (`clients/*.ts`): a {@link KvClient} with its registry name, counters
 * and `start()`. `get()` after `close()` rejects with `KvClientError` code `CLIENT_CLOSED`; `close()` is
 * idempotent (later calls return the first call's promise).
 */
export interface StrategyClient extends KvClient {
  /** Registry name of the strategy, e.g. `pooled`. */
  readonly name: string;
  /** Live counters (see {@link KvClientCounters}). */
  readonly counters: Readonly<KvClientCounters>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A strategy's factory: the one export a strategy file provides. */
export type StrategyFactory = (options: KvClientOptions) => StrategyClient;
