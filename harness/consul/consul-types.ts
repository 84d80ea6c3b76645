/**
 * The types every Consul backend shares: what a user may ask for, what a backend is given, and the handle of a
 * running Consul (testcontainers-node's `start(): Promise<Started…>` / `stop()` lifecycle is the model). Backends
 * import these; only `consul-server.ts` imports the backends, so nothing imports its chooser back.
 *
 * @module
 */
import type { ConsulEndpoint } from './consul-admin.ts';

/** Backends a user may ask for. */
export const CONSUL_BACKENDS = ['auto', 'local', 'container', 'external'] as const;
export type ConsulBackendChoice = (typeof CONSUL_BACKENDS)[number];
/** A concrete backend (what `auto` resolves to, and what a started Consul reports). */
export type ConsulBackend = Exclude<ConsulBackendChoice, 'auto'>;

/** A running Consul. `stop()` is idempotent and a no-op for `external`. */
export interface StartedConsul extends ConsulEndpoint {
  readonly backend: ConsulBackend;
  /** Version Consul reports (`/v1/agent/self`), or `unknown`. */
  readonly version: string;
  /** `limits.http_max_conns_per_client` in force, when known (we set it for local and container). */
  readonly httpMaxConnsPerClient: number | undefined;
  /** How the binary or image was obtained, for the report (e.g. `cache:/root/.cache/...`, `hashicorp/consul:1.22.7`). */
  readonly provenance: string;
  /** Last lines of Consul's log, when we run it. */
  logTail(): string;
  /** The agent's process id while it runs, when the harness runs it as a local process (for its CPU time). */
  processId?(): number | undefined;
  stop(): Promise<void>;
  /** Present when the harness can stop and start this Consul mid-run (a persistent `local` server). */
  readonly restart?: ConsulRestartControl;
  /**
   * ACLs are enforced and `token` may write ACLs: each scenario's clients then read with a token of their own,
   * limited to the scenario's key prefix (`consul-acl.ts`). Absent: clients get `token` as it is.
   */
  readonly acl?: boolean;
  /** An external Consul off loopback (`--allow-remote-consul`): no row may aim load at it (`consul-direct`). */
  readonly remote?: boolean;
  /**
   * The API is HTTPS (`httpUrl` is `https://…`): clients verify it against `caPem` (the CA the harness made with
   * `consul tls ca create`, or `CONSUL_CACERT` for an external Consul), or the system's CAs without one.
   */
  readonly tls?: boolean;
}

/** Stops and starts a Consul the harness runs, on the same address (for the `consul-restart` scenario). */
export interface ConsulRestartControl {
  /** Stops the agent (SIGTERM, SIGKILL after 5 s). Resolves when the process is gone. */
  down(): Promise<void>;
  /**
   * Starts it again on the same ports and waits for a known leader.
   * @param freshData `true`: on an empty data dir (the KV is gone, the index starts low again); `false`: with its data.
   * @throws {BenchError} `CONSUL_NOT_READY` / `CONSUL_EXITED` when it does not come back.
   */
  up(options: { freshData: boolean }): Promise<void>;
}

/** Settings the harness applies to a Consul it starts. */
export interface ConsulSettings {
  /**
   * `limits.http_max_conns_per_client`: concurrent TCP connections Consul accepts per client IP; all loopback
   * clients share one bucket, and a connection over it gets a raw 429. Consul's default is 200.
   */
  readonly httpMaxConnsPerClient: number;
  /** How long to wait for a known leader, ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
  /**
   * `local` only: run a persistent single-node server (data on disk) that can be restarted mid-run, instead of a
   * dev agent. Default `false`.
   */
  readonly persistent?: boolean;
  /**
   * `local` only: enforce ACLs (default deny) with a management token the harness generates and keeps in memory
   * and in a 0600 file; clients read with tokens limited to their scenario's prefix. Default `false`.
   */
  readonly acl?: boolean;
  /** `external` only: accept a `CONSUL_HTTP_ADDR` off loopback (`--allow-remote-consul`). Default `false`. */
  readonly allowRemote?: boolean;
  /**
   * `local` only: serve the HTTP API over HTTPS only, with a CA and server certificate made by `consul tls ca
   * create` / `consul tls cert create -server` (`consul-tls.ts`). Default `false`. For `external`, TLS follows
   * the scheme of `CONSUL_HTTP_ADDR`.
   */
  readonly tls?: boolean;
}

/** Options of {@link startConsul}. */
export interface StartConsulOptions extends ConsulSettings {
  readonly backend: ConsulBackendChoice;
  /** Progress lines (provisioning, builds). */
  readonly onProgress?: (line: string) => void;
  /** Environment (CONSUL_BIN, CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, XDG_CACHE_HOME). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Cancels provisioning under way (a Consul build) on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal | undefined;
}
