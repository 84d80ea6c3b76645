/**
 * What the harness itself asks of Consul's HTTP API: readiness, its version, seeding keys, and its own
 * request counters from the Prometheus endpoint. (Client strategies never use this; they have their own code.)
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import { BenchError } from '../errors.ts';

/** Where to reach a Consul HTTP API. */
export interface ConsulEndpoint {
  /** e.g. `http://127.0.0.1:8500`, no trailing slash. */
  readonly httpUrl: string;
  /** ACL token sent as `X-Consul-Token` when set. */
  readonly token?: string | undefined;
  /** CA certificate (PEM) to verify an `https://` Consul with; absent: the system's CAs. */
  readonly caPem?: string | undefined;
}

/**
 * Source address of the harness's own requests to a Consul on 127.0.0.1. Consul's
 * `limits.http_max_conns_per_client` counts connections per client IP, and every loopback client shares
 * 127.0.0.1's bucket; a client under test that holds hundreds of keep-alive connections would otherwise get the
 * harness's metric scrapes refused with 429. 127.0.0.2 is loopback too (Linux routes all of 127.0.0.0/8 to lo).
 */
export const ADMIN_SOURCE_ADDRESS = '127.0.0.2';

/** Admin dispatchers by CA (`''`: none), from {@link ADMIN_SOURCE_ADDRESS} or the default source. */
const adminAgents = new Map<string, Agent>();

function adminAgent(caPem: string | undefined, fromAdminAddress: boolean): Agent {
  const key = `${fromAdminAddress ? 'a' : 'd'}:${caPem ?? ''}`;
  let agent = adminAgents.get(key);
  if (!agent) {
    agent = new Agent({
      ...(fromAdminAddress ? { localAddress: ADMIN_SOURCE_ADDRESS } : {}),
      ...(caPem ? { connect: { ca: caPem } } : {}),
    });
    adminAgents.set(key, agent);
  }
  return agent;
}

/** undici `request` for admin calls: from {@link ADMIN_SOURCE_ADDRESS} when Consul is on 127.0.0.1, falling back to the default source where that address cannot be bound. */
async function request(
  url: string,
  options: {
    method?: Dispatcher.HttpMethod;
    body?: Uint8Array;
    headers: Record<string, string>;
    signal: AbortSignal;
    reset?: boolean;
  },
  caPem?: string,
): Promise<Dispatcher.ResponseData> {
  if (new URL(url).hostname === '127.0.0.1') {
    try {
      return await undiciRequest(url, { ...options, dispatcher: adminAgent(caPem, true) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRNOTAVAIL' && code !== 'EINVAL') throw err;
    }
  }
  return undiciRequest(url, { ...options, dispatcher: adminAgent(caPem, false) });
}

/**
 * An admin request to `ep` (its ACL token, its CA): what `consul-acl.ts` and the key writer use too.
 * @throws what undici throws (connection refused, TLS verification failures, the signal's abort).
 */
export function adminRequest(
  ep: ConsulEndpoint,
  pathAndQuery: string,
  options: {
    method?: Dispatcher.HttpMethod;
    body?: Uint8Array | string;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<Dispatcher.ResponseData> {
  const body = typeof options.body === 'string' ? new TextEncoder().encode(options.body) : options.body;
  return request(
    `${ep.httpUrl}${pathAndQuery}`,
    {
      ...(options.method ? { method: options.method } : {}),
      ...(body ? { body } : {}),
      headers: { ...headers(ep), ...(options.headers ?? {}) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    },
    ep.caPem,
  );
}

/**
 * A streaming admin GET (e.g. `/v1/agent/monitor`): its body as lines, until `signal` aborts or Consul ends it.
 * @throws {BenchError} `CONSUL_UNREACHABLE` when Consul answers other than 200 (the status and body in the message).
 */
export async function adminStream(
  ep: ConsulEndpoint,
  pathAndQuery: string,
  signal: AbortSignal,
): Promise<AsyncIterable<string>> {
  const res = await request(`${ep.httpUrl}${pathAndQuery}`, { headers: headers(ep), signal }, ep.caPem);
  if (res.statusCode !== 200) {
    const text = (await res.body.text()).slice(0, 200);
    throw new BenchError('CONSUL_UNREACHABLE', `GET ${pathAndQuery}: Consul answered ${res.statusCode} ${text}`);
  }
  const body = res.body;
  return (async function* lines() {
    let rest = '';
    for await (const chunk of body) {
      const text = rest + (chunk as Buffer).toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      yield* parts;
    }
    if (rest) yield rest;
  })();
}

function headers(ep: ConsulEndpoint): Record<string, string> {
  return ep.token ? { 'x-consul-token': ep.token } : {};
}

function kvUrl(ep: ConsulEndpoint, key: string): string {
  return `${ep.httpUrl}/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * True when Consul has a known leader: `/v1/status/leader` is non-empty and `/v1/catalog/nodes` answers 200 with
 * `X-Consul-KnownLeader: true` (docs/CONSUL-NOTES.md, readiness). Never throws; a failed probe is `false`.
 */
export async function hasKnownLeader(ep: ConsulEndpoint, timeoutMs = 2000): Promise<boolean> {
  try {
    const leader = await request(
      `${ep.httpUrl}/v1/status/leader`,
      {
        headers: headers(ep),
        signal: AbortSignal.timeout(timeoutMs),
      },
      ep.caPem,
    );
    const body = await leader.body.text();
    if (leader.statusCode !== 200 || body.replaceAll('"', '').trim() === '') return false;
    const nodes = await request(
      `${ep.httpUrl}/v1/catalog/nodes`,
      {
        headers: headers(ep),
        signal: AbortSignal.timeout(timeoutMs),
      },
      ep.caPem,
    );
    await nodes.body.dump();
    return nodes.statusCode === 200 && nodes.headers['x-consul-knownleader'] === 'true';
  } catch {
    return false;
  }
}

/** Options of {@link waitForLeader}. */
export interface WaitForLeaderOptions {
  /** Give up after this many ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Probe interval, ms. Default 100. */
  readonly intervalMs?: number;
  /** Rejects early when it resolves (e.g. the process exited). */
  readonly abandon?: Promise<unknown>;
  /** Extra lines for the error (e.g. the tail of Consul's log). */
  readonly logTail?: () => string;
}

/**
 * Waits until {@link hasKnownLeader}.
 * @throws {BenchError} `CONSUL_NOT_READY` after `timeoutMs`, naming what was awaited and for how long, with the
 *   log tail in `details` (testcontainers-node's wait-strategy errors are the model).
 */
export async function waitForLeader(ep: ConsulEndpoint, options: WaitForLeaderOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = performance.now() + timeoutMs;
  let gaveUp = false;
  options.abandon?.then(
    () => (gaveUp = true),
    () => (gaveUp = true),
  );
  while (performance.now() < deadline && !gaveUp) {
    if (await hasKnownLeader(ep)) return;
    await sleep(options.intervalMs ?? 100);
  }
  const tail = options.logTail?.();
  throw new BenchError(
    'CONSUL_NOT_READY',
    gaveUp
      ? `consul at ${ep.httpUrl} stopped before it reported a known leader: see --verbose for its log`
      : `consul at ${ep.httpUrl} reported no known leader within ${timeoutMs} ms (awaited /v1/status/leader and /v1/catalog/nodes with X-Consul-KnownLeader: true): see --verbose for its log`,
    tail ? { details: tail } : undefined,
  );
}

/** Consul's version from `/v1/agent/self` (`Config.Version`), or `unknown` when the token may not read it. */
export async function consulVersion(ep: ConsulEndpoint): Promise<string> {
  try {
    const res = await request(
      `${ep.httpUrl}/v1/agent/self`,
      {
        headers: headers(ep),
        signal: AbortSignal.timeout(5000),
      },
      ep.caPem,
    );
    if (res.statusCode !== 200) {
      await res.body.dump();
      return 'unknown';
    }
    const self = (await res.body.json()) as { Config?: { Version?: string } };
    return self.Config?.Version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Writes one key. @throws {BenchError} `SEED_FAILED` when Consul refuses. */
export async function putKey(ep: ConsulEndpoint, key: string, value: Uint8Array): Promise<number> {
  const res = await request(
    kvUrl(ep, key),
    {
      method: 'PUT',
      body: value,
      headers: headers(ep),
      signal: AbortSignal.timeout(10_000),
    },
    ep.caPem,
  );
  const text = await res.body.text();
  if (res.statusCode !== 200 || text.trim() !== 'true') {
    throw new BenchError(
      'SEED_FAILED',
      `writing ${key} to Consul failed (HTTP ${res.statusCode} ${text.trim().slice(0, 80)}): check the ACL token's key write rights`,
    );
  }
  return Number(res.headers['x-consul-index'] ?? 0);
}

/** Deletes one key, or every key under a prefix with `recurse`. */
export async function deleteKeys(ep: ConsulEndpoint, key: string, recurse = false): Promise<void> {
  const res = await request(
    kvUrl(ep, key) + (recurse ? '?recurse' : ''),
    {
      method: 'DELETE',
      headers: headers(ep),
      signal: AbortSignal.timeout(10_000),
    },
    ep.caPem,
  );
  await res.body.dump();
  if (res.statusCode !== 200)
    throw new BenchError('SEED_FAILED', `deleting ${key} in Consul failed (HTTP ${res.statusCode})`);
}

/**
 * Writes `values` under their keys, `concurrency` at a time (default 16).
 * @throws {BenchError} `SEED_FAILED`.
 */
export async function seedKeys(
  ep: ConsulEndpoint,
  values: ReadonlyMap<string, Uint8Array>,
  concurrency = 16,
): Promise<void> {
  const queue = [...values];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await putKey(ep, next[0], next[1]);
    }),
  );
}

/** Consul's own count of HTTP requests it served, from `consul_api_http_count`. */
export interface ConsulRequestCounts {
  /** GETs on `/v1/kv/...` (label `path="v1_kv_"`), blocking queries included once each when they return. */
  kvGets: number;
  /** Every HTTP request Consul counted. */
  all: number;
}

/**
 * Reads Consul's request counters from `/v1/agent/metrics?format=prometheus` (needs
 * `telemetry { prometheus_retention_time = "<positive>" }`; the summary `consul_api_http` with labels
 * `method` and `path`, docs/CONSUL-NOTES.md).
 * @returns the counts, or `undefined` when the endpoint is off (415) or refused (ACL).
 */
export async function consulRequestCounts(ep: ConsulEndpoint): Promise<ConsulRequestCounts | undefined> {
  try {
    // reset: true closes the connection afterwards, so it never counts among the connections a row measures.
    const res = await request(
      `${ep.httpUrl}/v1/agent/metrics?format=prometheus`,
      {
        headers: headers(ep),
        reset: true,
        signal: AbortSignal.timeout(5000),
      },
      ep.caPem,
    );
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    return parseConsulRequestCounts(await res.body.text());
  } catch {
    return undefined;
  }
}

/** Parses the `consul_api_http_count{method=…,path=…}` series of a Prometheus text exposition. */
export function parseConsulRequestCounts(text: string): ConsulRequestCounts {
  let kvGets = 0;
  let all = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('consul_api_http_count{')) continue;
    const m = /^consul_api_http_count\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const value = Number(m[2]);
    if (!Number.isFinite(value)) continue;
    all += value;
    if (/method="GET"/.test(m[1]) && /path="v1_kv_"/.test(m[1])) kvGets += value;
  }
  return { kvGets, all };
}
