/**
 * Toxiproxy between the config service and Consul: a `toxiproxy-server` the harness runs on 127.0.0.1 (ports
 * from the OS), driven through `toxiproxy-node-client`. Lifecycle like Consul's: `startToxiproxy()` →
 * {@link StartedToxiproxy} → `stop()` (idempotent; SIGTERM, SIGKILL after 5 s; execa's `cleanup` as a backstop).
 *
 * @module
 */
import getPort from 'get-port';
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { BenchError } from '../errors.ts';
import { startProcess, waitUntilReady } from '../process/started-process.ts';
import { resolveToxiproxyBinary } from '../provision/toxiproxy-binary.ts';
import { applyFault, clearFaults, endFault, type FaultProfile } from './fault-profiles.ts';

/** A proxy in front of one upstream. */
export interface FaultProxy {
  /** Where clients connect instead of the upstream, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Starts a fault (adds toxics or disables the proxy). */
  apply(fault: FaultProfile): Promise<void>;
  /** Ends a fault the way the network would (see `endFault`: a stall keeps the connections it swallowed). */
  end(fault: FaultProfile): Promise<void>;
  /** Removes every toxic and re-enables the proxy (closes what a stall still holds). */
  clear(): Promise<void>;
  /**
   * Adds a `latency` toxic on each direction that has a delay (whole ms; named `rtt-up`, `rtt-down`): a round trip
   * of `upstreamMs + downstreamMs`. For a proxy that only adds a round trip (its faults go on another proxy).
   */
  addLatency(delay: { upstreamMs: number; downstreamMs: number }): Promise<void>;
  remove(): Promise<void>;
}

/** A running Toxiproxy. */
export interface StartedToxiproxy {
  readonly apiUrl: string;
  readonly version: string;
  /** How the binary was obtained, for the report. */
  readonly provenance: string;
  /** Its process id (its CPU counts in a row's machine CPU: it is on the request path). */
  readonly pid: number | undefined;
  /**
   * Creates a proxy listening on a free loopback port in front of `upstreamUrl` (an `http://` or `https://`
   * 127.0.0.1:port URL); its `url` keeps the upstream's scheme.
   */
  proxy(name: string, upstreamUrl: string): Promise<FaultProxy>;
  stop(): Promise<void>;
}

/** Options of {@link startToxiproxy}. */
export interface StartToxiproxyOptions {
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the API, ms. Default 10 000. */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts `toxiproxy-server -host 127.0.0.1 -port <free>` and waits for its API.
 * @throws {BenchError} `TOXIPROXY_UNAVAILABLE` (no binary, no Go, or it did not start; details hold its log).
 */
export async function startToxiproxy(options: StartToxiproxyOptions = {}): Promise<StartedToxiproxy> {
  const bin = await resolveToxiproxyBinary({
    env: options.env ?? process.env,
    signal: options.signal,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const port = await getPort({ host: '127.0.0.1' });
  const proc = startProcess({ file: bin.path, args: ['-host', '127.0.0.1', '-port', String(port)] });
  const apiUrl = `http://127.0.0.1:${port}`;
  const client = new Toxiproxy(apiUrl);
  const timeoutMs = options.readyTimeoutMs ?? 10_000;
  try {
    await waitUntilReady(proc, async () => (await client.getVersion()).trim() || undefined, {
      what: `toxiproxy-server's API on ${apiUrl}`,
      timeoutMs,
    });
  } catch (err) {
    throw new BenchError('TOXIPROXY_UNAVAILABLE', `${(err as Error).message}: see --verbose for its log`, {
      details: proc.logTail(),
      cause: err,
    });
  }
  const stop = proc.stop;
  options.onProgress?.(`Toxiproxy ${bin.version} API at ${apiUrl} (pid ${proc.pid})`);
  return {
    apiUrl,
    version: bin.version,
    provenance: `${bin.source}:${bin.path}`,
    pid: proc.pid,
    async proxy(name, upstreamUrl) {
      const upstream = new URL(upstreamUrl);
      const listenPort = await getPort({ host: '127.0.0.1' });
      const proxy: ToxiproxyProxy = await client.createProxy({
        name,
        listen: `127.0.0.1:${listenPort}`,
        upstream: `${upstream.hostname}:${upstream.port}`,
      });
      return {
        // the upstream's scheme: TLS passes through the TCP proxy end to end
        url: `${upstream.protocol}//127.0.0.1:${listenPort}`,
        port: listenPort,
        apply: (fault) => applyFault(client, name, fault),
        end: (fault) => endFault(client, name, fault),
        clear: () => clearFaults(client, name),
        async addLatency({ upstreamMs, downstreamMs }) {
          for (const [stream, latency] of [
            ['upstream', upstreamMs],
            ['downstream', downstreamMs],
          ] as const) {
            if (latency <= 0) continue;
            await proxy.addToxic({
              name: `rtt-${stream === 'upstream' ? 'up' : 'down'}`,
              type: 'latency' as never,
              stream: stream as never,
              toxicity: 1,
              attributes: { latency, jitter: 0 } as never,
            });
          }
        },
        remove: () => proxy.remove(),
      };
    },
    stop,
  };
}
