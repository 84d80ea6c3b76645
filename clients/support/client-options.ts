/**
 * The tunable options of the client strategies, declared once: their types, ranges, defaults and docs. The
 * `KvClientOptions` a factory receives extends these (`clients/kv-client.ts`), a scenario's `clientOptions` and a
 * variant row's `options` are validated by the schemas here (`harness/scenario/scenario-schema.ts`), and the
 * runner passes the validated object through as it is.
 *
 * Rule: validate, then default, then normalise; a message names the option and its allowed range (project style,
 * docs/STYLE.md, rule 5).
 *
 * @module
 */
import { z } from 'zod';

/** A whole-number schema whose messages name `name` and the range `min`–`max`. */
export function boundedInt(name: string, min: number, max: number) {
  return z
    .int({ error: `${name} must be a whole number from ${min} to ${max}` })
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
}

/** A number schema whose messages name `name` and the range `min`–`max`. */
export function boundedNumber(name: string, min: number, max: number) {
  return z
    .number({ error: `${name} must be a number from ${min} to ${max}` })
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
}

/** Defaults of the tunable options, in one place. */
export const CLIENT_OPTION_DEFAULTS = {
  /** 1000 ms: a per-request deadline well above a healthy loopback p99.9, far below a stall. */
  requestTimeoutMs: 1000,
  /** 32 connections: below Consul's default `http_max_conns_per_client` of 200, with room for other clients. */
  maxConnections: 32,
  /** 30 s: the npm `consul` package's watch default; Consul's own default is 5 min. */
  watchWaitMs: 30_000,
  /** `default`: the leader answers (Consul docs, "Consistency Modes"). */
  consistency: 'default',
  /** 1000 ms: the Go article's timer-and-hash poller checks about once a second. */
  pollIntervalMs: 1000,
  /** 60 s: long enough to ride out an agent restart (a few seconds here), short enough that an outage surfaces. */
  staleIfErrorMs: 60_000,
  /** 0 µs: no work is added to reads. */
  addedWorkUs: 0,
} as const;

/** Consul read consistency modes (see {@link ClientOptionsSchema}'s `consistency`). */
export const CONSISTENCY_MODES = ['default', 'stale', 'consistent'] as const;
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number];

/** The option fields, without defaults (a variant row's overrides take them as they are). */
const FIELDS = {
  /**
   * Per-request timeout of strategies that apply one (pooled, fresh-connection, fixed, the caches' non-blocking
   * reads), ms. 1–600 000. Ignored by naive-fetch, leaky-without-abort and consul-npm, which by design have none.
   */
  requestTimeoutMs: boundedInt('clientOptions.requestTimeoutMs', 1, 600_000),
  /** Upper bound of TCP connections to Consul of pooled strategies (and the caches' fallback pool). 1–10 000. */
  maxConnections: boundedInt('clientOptions.maxConnections', 1, 10_000),
  /** `wait` of the watches' blocking queries, ms. 1000–600 000 (Consul caps it at 10 min and adds up to wait/16). */
  watchWaitMs: boundedInt('clientOptions.watchWaitMs', 1000, 600_000),
  /**
   * Read consistency (Consul docs, "Consistency Modes"): `default` (the leader answers; a tiny stale window during
   * leader changes), `stale` (any server answers, usually within ~50 ms of the leader, unbounded), `consistent`
   * (the leader confirms leadership with a quorum first: one more round trip).
   */
  consistency: z.enum(CONSISTENCY_MODES, { error: 'clientOptions.consistency must be default, stale or consistent' }),
  /** Interval of the `polling` strategy's prefix reads, ms. 10–600 000. */
  pollIntervalMs: boundedInt('clientOptions.pollIntervalMs', 10, 600_000),
  /**
   * Stale-while-error bound of the caching strategies, ms. 0–3 600 000: while Consul cannot be reached they keep
   * serving their last snapshot this long after the first failed refresh, then refuse reads with `CACHE_TOO_STALE`
   * until a refresh succeeds; `0` refuses at once.
   */
  staleIfErrorMs: boundedInt('clientOptions.staleIfErrorMs', 0, 3_600_000),
  /**
   * Client-side rate limit of requests to Consul (token bucket, client-go's `QPS`/`Burst`): `qps` 0.1–1 000 000
   * requests/s, `burst` 1–1 000 000 requests. A read waits for its token; a strategy with a deadline refuses at
   * once with `CLIENT_RATE_LIMITED` when the wait would outlast it. Absent: none. Applied by naive-fetch,
   * fresh-connection, pooled, fixed and consul-npm.
   */
  /**
   * CPU work added to every read before the strategy reads, µs of busy loop on the service's event loop (0–100 000,
   * default 0): a known slowdown of the kind a code change brings (more work per request), for measuring the gate's
   * power (`consul-kv-bench calibrate`). Applied by every built-in strategy.
   */
  addedWorkUs: boundedNumber('clientOptions.addedWorkUs', 0, 100_000),
  rateLimit: z.strictObject({
    qps: boundedNumber('clientOptions.rateLimit.qps', 0.1, 1_000_000),
    burst: boundedInt('clientOptions.rateLimit.burst', 1, 1_000_000),
  }),
} as const;

/** A scenario's `clientOptions`: every tunable option, defaulted ({@link CLIENT_OPTION_DEFAULTS}). */
export const ClientOptionsSchema = z.strictObject({
  requestTimeoutMs: FIELDS.requestTimeoutMs.default(CLIENT_OPTION_DEFAULTS.requestTimeoutMs),
  maxConnections: FIELDS.maxConnections.default(CLIENT_OPTION_DEFAULTS.maxConnections),
  watchWaitMs: FIELDS.watchWaitMs.default(CLIENT_OPTION_DEFAULTS.watchWaitMs),
  consistency: FIELDS.consistency.default(CLIENT_OPTION_DEFAULTS.consistency),
  pollIntervalMs: FIELDS.pollIntervalMs.default(CLIENT_OPTION_DEFAULTS.pollIntervalMs),
  staleIfErrorMs: FIELDS.staleIfErrorMs.default(CLIENT_OPTION_DEFAULTS.staleIfErrorMs),
  addedWorkUs: FIELDS.addedWorkUs.default(CLIENT_OPTION_DEFAULTS.addedWorkUs),
  rateLimit: FIELDS.rateLimit.optional(),
});

/** A variant row's overrides of the scenario's client options: every field optional, no defaults. */
export const ClientOverridesSchema = z.strictObject(
  Object.fromEntries(Object.entries(FIELDS).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof FIELDS]: z.ZodOptional<(typeof FIELDS)[K]>;
  },
);

/** The tunable options, as validated and defaulted. See the fields of {@link ClientOptionsSchema}. */
export type ClientTunables = z.output<typeof ClientOptionsSchema>;

/** Defaults of every option a factory may be given: the tunables' and `valueBytes` (1024 bytes, `no-consul`). */
export const DEFAULT_CLIENT_OPTIONS = { ...CLIENT_OPTION_DEFAULTS, valueBytes: 1024 } as const;
