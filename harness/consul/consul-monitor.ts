/**
 * Consul's own count of the KV reads it finished under a key prefix, from its log stream: `GET
 * /v1/agent/monitor?loglevel=debug&logjson` streams the agent's log at debug level without changing the level the
 * agent logs at, and Consul logs `Request finished` with the method, the URL and the client's address for every
 * HTTP request it serves. So the count does not depend on how the client is written: HTTP/1.1 or HTTP/2 over TLS
 * (where several long polls share one connection), undici, `node:http`, Go, raw sockets. A blocking query counts
 * when it returns (after its `wait` at most); one still held is not in the count (the service's `longPolls` has
 * it). Requests from the harness's own admin address ({@link ADMIN_SOURCE_ADDRESS}) and writes are left out.
 *
 * The monitor costs Consul a log line per request while it streams, so the harness opens it only around what it
 * judges (a fault row's idle window and quiesce), not under load.
 *
 * @module
 */
import { ADMIN_SOURCE_ADDRESS, adminStream, type ConsulEndpoint } from './consul-admin.ts';

/** One request Consul finished, as its log line says. */
export interface FinishedRequest {
  /** `Date.now()` when the line arrived. */
  readonly atMs: number;
  readonly method: string;
  /** Path and query, e.g. `/v1/kv/consul-kv-bench/network-stall/1/key-0001?raw`. */
  readonly url: string;
  /** `host:port` of the client. */
  readonly from: string;
}

/**
 * Parses one line of `/v1/agent/monitor?logjson` (hclog's JSON: `@message`, `@level`, then the fields), or
 * `undefined` for any other line.
 */
export function parseFinishedRequest(line: string, atMs: number): FinishedRequest | undefined {
  if (!line.includes('Request finished')) return undefined;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o['@message'] !== 'Request finished') return undefined;
    const { method, url, from } = o;
    if (typeof method !== 'string' || typeof url !== 'string') return undefined;
    return { atMs, method, url, from: typeof from === 'string' ? from : '' };
  } catch {
    return undefined;
  }
}

/** Whether a finished request is a client's KV read under `prefix` (not the harness's own, not a write). */
export function isClientKvRead(r: FinishedRequest, prefix: string): boolean {
  if (r.method !== 'GET' || r.from.startsWith(`${ADMIN_SOURCE_ADDRESS}:`)) return false;
  const path = r.url.split('?')[0] ?? '';
  const bare = prefix.replace(/\/$/, '');
  return path === `/v1/kv/${bare}` || path.startsWith(`/v1/kv/${bare}/`);
}

/** A running count of a prefix's KV reads from Consul's log stream (see the module's doc). */
export class ConsulRequestMonitor {
  readonly #times: number[] = [];
  readonly #abort = new AbortController();
  #done: Promise<void> = Promise.resolve();
  #failure: string | undefined;

  readonly prefix: string;

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * Opens the stream and counts until {@link stop}. Resolves once Consul answered with the stream's headers.
   * @throws {BenchError} when Consul refuses the stream (e.g. an ACL token without `agent:read`): the caller
   *   reports the meter as unavailable.
   */
  static async start(ep: ConsulEndpoint, prefix: string): Promise<ConsulRequestMonitor> {
    const m = new ConsulRequestMonitor(prefix);
    const lines = await adminStream(ep, '/v1/agent/monitor?loglevel=debug&logjson', m.#abort.signal);
    m.#done = (async () => {
      try {
        for await (const line of lines) {
          const r = parseFinishedRequest(line, Date.now());
          if (r && isClientKvRead(r, prefix)) m.#times.push(r.atMs);
        }
      } catch (err) {
        if (!m.#abort.signal.aborted) m.#failure = (err as Error).message;
      }
    })();
    return m;
  }

  /** Why the stream ended early, if it did (the counts after that are short). */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Reads finished in [fromMs, toMs) (`Date.now()` clock). */
  count(fromMs: number, toMs: number): number {
    return this.#times.filter((t) => t >= fromMs && t < toMs).length;
  }

  /** Reads finished per second in [fromMs, toMs); 0 for an empty window. */
  ratePerS(fromMs: number, toMs: number): number {
    return toMs > fromMs ? this.count(fromMs, toMs) / ((toMs - fromMs) / 1000) : 0;
  }

  /** Closes the stream. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
