/**
 * Messages and figures the config service and the harness exchange over IPC.
 *
 * @module
 */
import type { ErrorCause, KvClientOptions } from '../../clients/index.ts';
import type { ConnectionCounts, ProcessCounts, ServiceSample } from './service-meters.ts';

/** Configuration the harness passes to the service (argv[2], JSON). */
export interface ServiceConfig {
  /** Registered client name (see `clients/index.ts`), or the label of a user's module. */
  readonly client: string;
  /** Absolute path of a user's client module (`--client ./file.ts`); overrides `client`. */
  readonly clientModule?: string | undefined;
  /**
   * For launchers that own the service's stdio and give it no IPC channel (clinic doctor): the service writes
   * `{ "port", "pid" }` here when ready and answers `GET /__bench/stats` with its {@link ServiceStats}.
   */
  readonly readyFile?: string | undefined;
  readonly clientOptions: KvClientOptions;
  /** Read socket states toward Consul in every sample (see `StartServiceOptions.sampleSockets`). Default `false`. */
  readonly sampleSockets?: boolean | undefined;
}

/** What the service reports for a measurement window (since the previous stats request). */
export interface ServiceStats {
  /** Requests answered, by HTTP status. */
  byStatus: Record<string, number>;
  /** Non-2xx answers by cause. */
  causes: Record<ErrorCause, number>;
  /** TCP connections to Consul. */
  consulConnections: ConnectionCounts;
  /** Most requests to Consul in flight at once in the window (long polls excluded). */
  inFlightPeak: number;
  /** Most reads pending at the service's door at once in the window (see `door-meter.ts`). */
  pendingPeak: number;
  /**
   * Active resources by type (`process.getActiveResourcesInfo()`) when the service was ready and idle: after the
   * client's `start()` and the server's `listen()`, before any load. What a row leaves above this is orphaned.
   */
  idleResources: Record<string, number>;
  /** Samples taken every 250 ms in the window. */
  timeline: ServiceSample[];
  /** What taking those samples cost the service: CPU time per sample, µs (mean and max), and the sample count. */
  samplerCost: { meanUs: number; maxUs: number; samples: number };
  process: ProcessCounts;
  /** The client's own counters and, when it has them, its extra statistics (e.g. the watch's). */
  client: Record<string, unknown>;
}
