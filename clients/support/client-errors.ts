/**
 * The errors client strategies throw, and the one table that says what each means downstream: which **cause**
 * the config service counts it under, which HTTP status the service answers with, and how reports describe it.
 * The service's status mapping, the report schema's `errors` fields and the report's "errors by cause" columns
 * are all derived from {@link ERROR_CAUSES}; adding a code is one line there.
 *
 * A user's client module may throw any error: one whose `code` is listed here is counted under that cause, any
 * other under `other`.
 *
 * @module
 */
import { RateLimitWaitError } from './token-bucket.ts';

/** One cause of a non-2xx answer of the config service. */
export interface ErrorCauseEntry {
  /** HTTP status the service answers with for this cause. */
  readonly status: number;
  /** Error `code`s counted under this cause. */
  readonly codes: readonly string[];
  /** What the cause means, as reports and the JSON Schema describe it. */
  readonly description: string;
  /** Added after report schema 1 was first published: optional in `report.json`, 0 when absent. */
  readonly optionalInReports?: boolean;
}

/**
 * Causes of a non-2xx answer, in report column order, with their status and the codes counted under each.
 * 429 from Consul is its answer when a client IP exceeds `limits.http_max_conns_per_client` (Consul agent
 * configuration docs, `limits`); the service turns it into 503 so a load generator never mistakes it for its own
 * rate limit.
 */
export const ERROR_CAUSES = {
  consul429: {
    status: 503,
    codes: ['CONSUL_TOO_MANY_CONNECTIONS'],
    description: "Consul's 429 (http_max_conns_per_client) seen by the service, or by the load for consul-direct",
  },
  clientTimeout: { status: 504, codes: ['CLIENT_TIMEOUT'], description: "the client's own per-request timeout fired" },
  consulHttp: {
    status: 502,
    codes: ['CONSUL_HTTP_ERROR', 'CONSUL_BAD_RESPONSE'],
    description: 'other non-2xx answers from Consul, or answers the client could not use',
  },
  unreachable: {
    status: 502,
    codes: ['CONSUL_UNREACHABLE'],
    description: 'transport errors between the service and Consul',
  },
  notFound: { status: 404, codes: [], description: '404: a seeded key was not found' },
  rateLimited: {
    status: 429,
    codes: ['CLIENT_RATE_LIMITED'],
    description: "the client's own rate limiter refused the read (its wait would outlast the deadline)",
    optionalInReports: true,
  },
  cacheTooStale: {
    status: 503,
    codes: ['CACHE_TOO_STALE'],
    description: 'a cache past its stale-while-error bound refused the read',
    optionalInReports: true,
  },
  other: {
    status: 500,
    codes: ['CLIENT_CLOSED'],
    description: 'any other error (no code, or a code not in this table)',
  },
} as const satisfies Record<string, ErrorCauseEntry>;

/** Why a service request did not get a 2xx. */
export type ErrorCause = keyof typeof ERROR_CAUSES;

/** Every cause, in report column order. */
export const ERROR_CAUSE_NAMES = Object.keys(ERROR_CAUSES) as ErrorCause[];

/** Stable error codes of {@link KvClientError}: every code listed in {@link ERROR_CAUSES}. */
export type KvClientErrorCode = (typeof ERROR_CAUSES)[ErrorCause]['codes'][number];

const CAUSE_OF_CODE: ReadonlyMap<string, ErrorCause> = new Map(
  ERROR_CAUSE_NAMES.flatMap((cause) => ERROR_CAUSES[cause].codes.map((code): [string, ErrorCause] => [code, cause])),
);

/** The cause an error is counted under: by its `code` (see {@link ERROR_CAUSES}), else `other`. */
export function causeOf(err: unknown): ErrorCause {
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && CAUSE_OF_CODE.get(code)) || 'other';
}

/** A zero count for every cause. */
export function emptyCauseCounts(): Record<ErrorCause, number> {
  return Object.fromEntries(ERROR_CAUSE_NAMES.map((c) => [c, 0])) as Record<ErrorCause, number>;
}

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
 * Maps a non-2xx, non-404 Consul status to a {@link KvClientError}: 429 (`http_max_conns_per_client`, Consul
 * agent docs, `limits`) to `CONSUL_TOO_MANY_CONNECTIONS`, anything else to `CONSUL_HTTP_ERROR`.
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

/**
 * Maps a thrown transport error to a {@link KvClientError}: a `KvClientError` as it is; a refused rate-limit
 * wait to `CLIENT_RATE_LIMITED`; aborts and undici's headers/body timeouts to `CLIENT_TIMEOUT`; anything else
 * (refused, reset, DNS) to `CONSUL_UNREACHABLE`.
 */
export function transportError(err: unknown, key: string): KvClientError {
  if (err instanceof KvClientError) return err;
  if (err instanceof RateLimitWaitError) {
    return new KvClientError('CLIENT_RATE_LIMITED', `read of ${key} refused: ${err.message}`, { cause: err });
  }
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
  const tls = tlsErrorCode(err);
  if (tls) {
    return new KvClientError(
      'CONSUL_UNREACHABLE',
      `request for ${key} failed: TLS ${tls}: Consul's certificate is not trusted; give the client Consul's CA (the \`ca\` option, CONSUL_CACERT)`,
      { cause: err },
    );
  }
  return new KvClientError(
    'CONSUL_UNREACHABLE',
    `request for ${key} failed: ${(err as Error)?.message ?? String(err)}`,
    {
      cause: err,
    },
  );
}

/** OpenSSL's certificate-verification codes, as Node reports them on `err.code`. */
const TLS_CODE = /^(?:ERR_TLS_|ERR_SSL_|SELF_SIGNED_CERT_IN_CHAIN$|DEPTH_ZERO_SELF_SIGNED_CERT$|UNABLE_TO_|CERT_)/;

/**
 * The TLS verification code of `err` or of an error in its `cause` chain (global `fetch` wraps it in
 * `TypeError: fetch failed`), e.g. `SELF_SIGNED_CERT_IN_CHAIN`; `undefined` when it is no TLS error.
 */
export function tlsErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODE.test(code)) return code;
  }
  return undefined;
}
