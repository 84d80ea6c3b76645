/**
 * Messages and figures the config service and the harness exchange over IPC.
 *
 * @module
 */
import type { KvClientOptions } from '../../clients/index.ts';
import type { ConnectionCounts, ProcessCounts } from './service-meters.ts';

/** Configuration the harness passes to the service (argv[2], JSON). */
export interface ServiceConfig {
  /** Registered client name (see `clients/index.ts`). */
  readonly client: string;
  readonly clientOptions: KvClientOptions;
}

/** Why a request did not get a 2xx. */
export type ErrorCause = 'notFound' | 'consul429' | 'clientTimeout' | 'consulHttp' | 'unreachable' | 'other';

/** What the service reports for a measurement window (since the previous stats request). */
export interface ServiceStats {
  /** Requests answered, by HTTP status. */
  byStatus: Record<string, number>;
  /** Non-2xx answers by cause. */
  causes: Record<ErrorCause, number>;
  /** TCP connections to Consul. */
  consulConnections: ConnectionCounts;
  process: ProcessCounts;
  /** The client's own counters and, when it has them, its extra statistics (e.g. the watch's). */
  client: Record<string, unknown>;
}

