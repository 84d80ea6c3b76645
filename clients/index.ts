/**
 * The client registry: adding a strategy is one file in `clients/` plus one line here.
 *
 * `kind: 'client'` rows are strategies under test; `kind: 'baseline'` rows frame every table
 * (`no-consul`: the service's own ceiling; `consul-direct`: load aimed at Consul's KV endpoint, which needs
 * no factory because the load generator talks to Consul itself).
 *
 * @module
 */

import { createConsulNpmClient } from './consul-npm.ts';
import { createConsulNpmWatchClient } from './consul-npm-watch.ts';
import { createFixedClient } from './fixed.ts';
import { createFreshConnectionClient } from './fresh-connection.ts';
import type { StrategyFactory } from './kv-client.ts';
import { createLeakyWithoutAbortClient } from './leaky-without-abort.ts';
import { createNaiveFetchClient } from './naive-fetch.ts';
import { createNoConsulClient } from './no-consul.ts';
import { createPollingClient } from './polling.ts';
import { createPooledClient } from './pooled.ts';
import { createWatchCachedClient } from './watch-cached.ts';

export type * from './kv-client.ts';
export * from './support/client-errors.ts';
export {
  CLIENT_OPTION_DEFAULTS,
  ClientOptionsSchema,
  ClientOverridesSchema,
  type ClientTunables,
  CONSISTENCY_MODES,
  type ConsistencyMode,
  DEFAULT_CLIENT_OPTIONS,
} from './support/client-options.ts';
export { kvPath } from './support/consul-http.ts';
export { type RateLimit, RateLimitWaitError, TokenBucket } from './support/token-bucket.ts';

/** One registry entry. `factory` is absent for `consul-direct` and the Go rows. */
export interface ClientEntry {
  readonly kind: 'client' | 'baseline';
  readonly description: string;
  readonly factory?: StrategyFactory;
  /**
   * `go`: the row runs the Go config service (`clients/go/`, one strategy a file, built on
   * `github.com/hashicorp/consul/api`) instead of the Node one. Go rows are not in a scenario's default rows:
   * name them with `--clients` or a scenario's `clients` (they need Go, or a built binary). Default `node`.
   */
  readonly runtime?: 'node' | 'go';
}

/** Every row the harness knows, in report order (baselines first). */
export const CLIENTS = {
  'no-consul': {
    kind: 'baseline',
    description: "service answers from a constant: the service's own ceiling",
    factory: createNoConsulClient,
  },
  'consul-direct': {
    kind: 'baseline',
    description: "load aimed at Consul's KV endpoint (?raw): Consul's ceiling here",
  },
  'naive-fetch': {
    kind: 'client',
    description: 'global fetch per read, JSON + base64, no timeout',
    factory: createNaiveFetchClient,
  },
  'fresh-connection': {
    kind: 'client',
    description: 'new TCP connection per request (keep-alive off), ?raw, timeout',
    factory: createFreshConnectionClient,
  },
  pooled: {
    kind: 'client',
    description: 'undici Pool, bounded keep-alive connections, ?raw, AbortSignal timeout',
    factory: createPooledClient,
  },
  'watch-cached': {
    kind: 'client',
    description:
      'blocking-query watch on the prefix feeds a memory snapshot; re-list after errors; stale-while-error bound',
    factory: createWatchCachedClient,
  },
  polling: {
    kind: 'client',
    description: 'reads the prefix every pollIntervalMs, swaps the snapshot when its hash changes',
    factory: createPollingClient,
  },
  'consul-npm': {
    kind: 'client',
    description: 'the consul npm package (2.x) as its README shows: kv.get per read, keep-alive agent, no timeout',
    factory: createConsulNpmClient,
  },
  'consul-npm-watch': {
    kind: 'client',
    description: "the consul npm package's watch() on the prefix feeding a map, as its README shows",
    factory: createConsulNpmWatchClient,
  },
  'leaky-without-abort': {
    kind: 'client',
    description: 'no timeout, no abort, retries that never cancel earlier attempts',
    factory: createLeakyWithoutAbortClient,
  },
  fixed: {
    kind: 'client',
    description: 'leaky-without-abort with a per-request deadline and cancelled retries',
    factory: createFixedClient,
  },
  'go-nonpooled': {
    kind: 'client',
    runtime: 'go',
    description: "Go, hashicorp/consul/api's DefaultNonPooledConfig: a new connection per request, context deadline",
  },
  'go-default': {
    kind: 'client',
    runtime: 'go',
    description:
      "Go, hashicorp/consul/api's DefaultConfig: keep-alive, GOMAXPROCS+1 idle connections, context deadline",
  },
  'go-tuned': {
    kind: 'client',
    runtime: 'go',
    description:
      'Go, DefaultConfig with the transport bounded and kept: maxConnections idle and open, context deadline',
  },
  'go-watch': {
    kind: 'client',
    runtime: 'go',
    description: 'Go, a blocking query on the prefix into a map (index reset and backoff rules), reads from the map',
  },
  'go-leaky': {
    kind: 'client',
    runtime: 'go',
    description: "Go, DefaultConfig and reads with no context deadline: the articles' goroutine leak",
  },
} as const satisfies Record<string, ClientEntry>;

/** Name of a registered row. */
export type ClientName = keyof typeof CLIENTS;

/** All registered names, in report order. */
export const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];

/** Rows run by the Go config service (`runtime: 'go'`). */
export const GO_CLIENT_NAMES = CLIENT_NAMES.filter((n) => (CLIENTS[n] as ClientEntry).runtime === 'go');

/** A scenario's rows when it names none: every registered row but the Go ones (see {@link ClientEntry.runtime}). */
export const DEFAULT_ROW_NAMES = CLIENT_NAMES.filter((n) => (CLIENTS[n] as ClientEntry).runtime !== 'go');

/** Narrows a string to a registered client name. */
export function isClientName(name: string): name is ClientName {
  return Object.hasOwn(CLIENTS, name);
}
