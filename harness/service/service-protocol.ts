/**
 * Messages and figures the config service and the harness exchange over IPC.
 *
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ErrorCause, KvClientOptions } from '../../clients/index.ts';
import type { ConnectionCounts, ProcessCounts, SamplerCost, ServiceSample } from './service-meters.ts';

/**
 * Writes the service's configuration to a file only this user can read (a fresh 0700 folder, a 0600 file), so
 * its ACL token travels neither in argv (world-readable in `ps` and /proc/<pid>/cmdline) nor in the environment.
 * @returns the file's path, for the service's argv[2].
 */
export async function writeServiceConfig(config: ServiceConfig): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-service-'));
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/**
 * Reads the configuration {@link writeServiceConfig} wrote and deletes it (and its folder).
 * @throws {Error} when argv[2] is missing or the file is not JSON.
 */
export async function readServiceConfig(file: string | undefined): Promise<ServiceConfig> {
  if (!file) throw new Error('no configuration file in argv[2]');
  const config = JSON.parse(await readFile(file, 'utf8')) as ServiceConfig;
  await rm(path.dirname(file), { recursive: true, force: true });
  return config;
}

/** Configuration the harness passes to the service (a file, see {@link writeServiceConfig}). */
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
   * client's `start()` and the server's `listen()`, before any load, and again after a warm-up (the most of each
   * type seen over a second then). What a row leaves above this is orphaned.
   */
  idleResources: Record<string, number>;
  /** Samples taken every 250 ms in the window. */
  timeline: ServiceSample[];
  /** What taking those samples cost the service (see {@link SamplerCost}). */
  samplerCost: SamplerCost;
  process: ProcessCounts;
  /** The client's own counters and, when it has them, its extra statistics (e.g. the watch's). */
  client: Record<string, unknown>;
}
