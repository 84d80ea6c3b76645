/**
 * The one interface every client strategy implements, the shared base that gives each of them the same
 * lifecycle (idempotent `close()`, use-after-close error, counters), and the typed errors they throw.
 *
 * Rule (../shared/STYLE.md, rules 1–2): one strategy per file in `clients/`, a factory returning
 * {@link KvClient}; shared behaviour lives here, once. Nothing in `clients/` imports from `harness/`.
 *
 * @module
 */
import { type RateLimit, RateLimitWaitError, TokenBucket } from './token-bucket.ts';

export { type RateLimit, RateLimitWaitError, TokenBucket } from './token-bucket.ts';

/** Options every client factory receives. All durations are milliseconds. */
export interface KvClientOptions {
  /** Base URL of the Consul HTTP API, e.g. `http://127.0.0.1:8500` (no trailing slash). Required. */
  readonly consulUrl: string;
  /** ACL token sent as `X-Consul-Token` when set. Default: none. */
  readonly token?: string | undefined;
  /**
   * Key prefix the service reads under, e.g. `consul-kv-bench/articles/` (ends with `/`). Used by strategies
   * that watch or poll a prefix. Required.
   */
  readonly prefix: string;
  /**
   * Per-request timeout in ms for strategies that apply one (pooled, fresh-connection, watch-cached fallback).
   * Default {@link DEFAULT_CLIENT_OPTIONS.requestTimeoutMs}. Ignored by naive-fetch and leaky-without-abort,
   * which by design have none.
   */
  readonly requestTimeoutMs?: number | undefined;
  /** Upper bound of TCP connections to Consul for pooled strategies. Default {@link DEFAULT_CLIENT_OPTIONS.maxConnections}. */
  readonly maxConnections?: number | undefined;
  /**
   * `wait` of a blocking query in ms (Consul caps it at 10 min and adds up to wait/16 of jitter).
   * Default {@link DEFAULT_CLIENT_OPTIONS.watchWaitMs}.
   */
  readonly watchWaitMs?: number | undefined;
  /** Size in bytes of the constant value the `no-consul` baseline answers with. Default 1024. */
  readonly valueBytes?: number | undefined;
  /**
   * Consistency mode of reads (Consul docs, "Consistency Modes"): `default` (the leader answers; a tiny stale
   * window during leader changes), `stale` (any server answers, usually within ~50 ms of the leader, unbounded),
   * `consistent` (the leader confirms leadership with a quorum first: one more round trip). Default `default`.
   * Used by the strategies that read Consul directly and by the watches and polling.
   */
  readonly consistency?: ConsistencyMode | undefined;
  /**
   * Client-side rate limit of requests to Consul (token bucket, as client-go's `QPS`/`Burst`). A read waits for
   * its token; a strategy with a deadline refuses at once with `CLIENT_RATE_LIMITED` when the wait would
   * outlast it. Default: none. Used by naive-fetch, fresh-connection, pooled, fixed and consul-npm.
   */
  readonly rateLimit?: RateLimit | undefined;
  /** Interval of the `polling` strategy's prefix reads, ms. Default {@link DEFAULT_CLIENT_OPTIONS.pollIntervalMs}. */
  readonly pollIntervalMs?: number | undefined;
  /**
   * Stale-while-error bound of the caching strategies (watch-cached, polling), ms: while Consul cannot be reached
   * they keep serving their last snapshot for this long after the first failed refresh, then refuse reads with
   * `CACHE_TOO_STALE` until a refresh succeeds. `0` refuses at once. Default {@link DEFAULT_CLIENT_OPTIONS.staleIfErrorMs}.
   */
  readonly staleIfErrorMs?: number | undefined;
}

/** Consul read consistency modes (see {@link KvClientOptions.consistency}). */
export type ConsistencyMode = 'default' | 'stale' | 'consistent';

/** The query parameter a consistency mode adds to a read (`''` for `default`). */
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
  return parts.length ? '?' + parts.join('&') : '';
}

/** Defaults for {@link KvClientOptions}, in one place. */
export const DEFAULT_CLIENT_OPTIONS = {
  /** 1000 ms: a per-request deadline well above a healthy loopback p99.9, far below a stall. */
  requestTimeoutMs: 1000,
  /** 32 connections: below Consul's default `http_max_conns_per_client` of 200, with room for other clients. */
  maxConnections: 32,
  /** 30 s: the npm `consul` package's watch default; Consul's own default is 5 min. */
  watchWaitMs: 30_000,
  valueBytes: 1024,
  /** 1000 ms: the Go article's timer-and-hash poller checks about once a second. */
  pollIntervalMs: 1000,
  /** 60 s: long enough to ride out an agent restart (a few seconds here), short enough that an outage surfaces. */
  staleIfErrorMs: 60_000,
} as const;

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
 * A Consul KV read strategy.
 *
 * Lifecycle: create with a factory → optional `start()` (pre-warm; resolves when the client is ready to serve)
 * → any number of `get()` → `close()` (idempotent). `get()` after `close()` rejects with
 * {@link KvClientError} code `CLIENT_CLOSED`.
 */
export interface KvClient {
  /** Registry name of the strategy, e.g. `pooled`. */
  readonly name: string;
  /** Live counters (see {@link KvClientCounters}). */
  readonly counters: Readonly<KvClientCounters>;
  /** Resolves when the client is ready (e.g. the watch has its first snapshot). Optional work; default no-op. */
  start(): Promise<void>;
  /**
   * Read one key.
   * @param key full key, e.g. `consul-kv-bench/articles/key-0001` (not URL-encoded).
   * @returns the value's exact bytes (empty for an empty value), or `undefined` when the key does not exist.
   * @throws {KvClientError} `CONSUL_HTTP_ERROR`, `CONSUL_TOO_MANY_CONNECTIONS` (Consul's 429 from
   *   `limits.http_max_conns_per_client`), `CLIENT_TIMEOUT`, `CONSUL_UNREACHABLE`, `CLIENT_CLOSED`,
   *   `CLIENT_RATE_LIMITED` (the rate limiter's wait would outlast the deadline), `CACHE_TOO_STALE` (a cache
   *   past its stale-while-error bound).
   */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Releases sockets, timers and watches. Idempotent: later calls return the first call's promise. */
  close(): Promise<void>;
}

/** A client strategy's factory: the one export a strategy file (or a user's own module) must provide. */
export type KvClientFactory = (options: KvClientOptions) => KvClient;

/** Stable error codes of {@link KvClientError}. */
export type KvClientErrorCode =
  | 'CLIENT_CLOSED'
  | 'CLIENT_TIMEOUT'
  | 'CONSUL_HTTP_ERROR'
  | 'CONSUL_TOO_MANY_CONNECTIONS'
  | 'CONSUL_UNREACHABLE'
  | 'CONSUL_BAD_RESPONSE'
  | 'CLIENT_RATE_LIMITED'
  | 'CACHE_TOO_STALE';

/** Error thrown by client strategies, with a stable {@link KvClientErrorCode} the service maps to a cause. */
export class KvClientError extends Error {
  readonly code: KvClientErrorCode;
  /** HTTP status from Consul when there was one. */
  readonly status: number | undefined;
  constructor(code: KvClientErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'KvClientError';
    this.code = code;
    this.status = options?.status;
  }
}

/**
 * Maps a non-2xx, non-404 Consul status to a {@link KvClientError}.
 * 429 is Consul's answer when a client IP exceeds `limits.http_max_conns_per_client` (Consul agent docs, limits).
 */
export function consulStatusError(status: number, key: string): KvClientError {
  if (status === 429) {
    return new KvClientError(
      'CONSUL_TOO_MANY_CONNECTIONS',
      `Consul answered 429 for ${key}: too many connections from this client IP (http_max_conns_per_client)`,
      { status },
    );
  }
  return new KvClientError('CONSUL_HTTP_ERROR', `Consul answered HTTP ${status} for ${key}`, { status });
}

/** Maps a thrown transport error (abort, timeout, refused connection) to a {@link KvClientError}. */
export function transportError(err: unknown, key: string): KvClientError {
  if (err instanceof KvClientError) return err;
  if (err instanceof RateLimitWaitError)
    return new KvClientError('CLIENT_RATE_LIMITED', `read of ${key} refused: ${err.message}`, { cause: err });
  const name = (err as { name?: string } | null)?.name;
  const code = (err as { code?: string } | null)?.code;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new KvClientError('CLIENT_TIMEOUT', `request for ${key} timed out`, { cause: err });
  }
  return new KvClientError(
    'CONSUL_UNREACHABLE',
    `request for ${key} failed: ${(err as Error)?.message ?? String(err)}`,
    {
      cause: err,
    },
  );
}

/** Path of a key under `/v1/kv/`, each segment URL-encoded (keys may hold spaces, `?`, `#`, `%`). */
export function kvPath(key: string): string {
  return '/v1/kv/' + key.split('/').map(encodeURIComponent).join('/');
}

/** Request headers shared by all strategies: the ACL token when one is set. */
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
 * Shared base of every strategy: idempotent close, use-after-close error, counters.
 * Subclasses implement {@link BaseKvClient.read} and, when they hold resources, {@link BaseKvClient.release}.
 */
export abstract class BaseKvClient implements KvClient {
  abstract readonly name: string;
  readonly counters: KvClientCounters = { gets: 0, hits: 0, misses: 0, errors: 0 };
  readonly options: KvClientOptions;
  /** The client-side rate limiter, when `options.rateLimit` is set and the strategy applies it. */
  readonly limiter: TokenBucket | undefined;
  /**
   * Longest a read may wait for a rate-limit token, ms: a strategy with a per-request deadline sets it to that
   * deadline (client-go refuses a wait that would outlast the context's deadline). Default: no limit.
   */
  protected readonly rateLimitMaxWaitMs: number | undefined = undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param appliesRateLimit whether this strategy honours `options.rateLimit` (the direct-read strategies do).
   * @throws {RangeError} when `options.rateLimit` is malformed.
   */
  constructor(options: KvClientOptions, appliesRateLimit = false) {
    this.options = options;
    this.limiter = appliesRateLimit && options.rateLimit ? new TokenBucket(options.rateLimit) : undefined;
  }

  /** The consistency flag for this client's reads: `''`, `'stale'` or `'consistent'`. */
  protected get consistency(): '' | 'stale' | 'consistent' {
    return consistencyParam(this.options.consistency);
  }

  /** Headers for every request (ACL token). */
  protected get headers(): Record<string, string> {
    return consulHeaders(this.options.token);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.#closing) throw new KvClientError('CLIENT_CLOSED', `${this.name}: get() after close()`);
    this.counters.gets++;
    try {
      if (this.limiter) {
        try {
          await this.limiter.take(this.rateLimitMaxWaitMs);
        } catch (err) {
          throw transportError(err, key);
        }
      }
      const value = await this.read(key);
      if (value === undefined) this.counters.misses++;
      else this.counters.hits++;
      return value;
    } catch (err) {
      this.counters.errors++;
      throw err;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.release();
    return this.#closing;
  }

  /** The strategy's read. Never called after close. */
  protected abstract read(key: string): Promise<Uint8Array | undefined>;

  /** Frees the strategy's resources. Called once. Default: nothing to free. */
  protected release(): Promise<void> {
    return Promise.resolve();
  }
}
