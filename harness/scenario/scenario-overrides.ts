/**
 * Command-line overrides of a scenario (`--quick`, `--connections`, `--duration`, `--warmup`, `--rate`,
 * `--arrival`, `--max-in-flight`, `--workers`, `--clients`, `--consistency`, `--rate-limit`, `--tls`, `--rtt`): each narrows the scenario, and the result is validated by the same schema as a
 * scenario file, so an override cannot produce a scenario a file could not.
 *
 * @module
 */
import { CLIENT_NAMES } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { parseScenario, rowName, type Scenario } from './scenario-schema.ts';

/** Overrides from the command line; each narrows the scenario and is validated with it. */
export interface ScenarioOverrides {
  /** Shorter phases from the scenario's `quick` block. */
  readonly quick?: boolean;
  readonly connections?: number;
  readonly durationS?: number;
  readonly warmupS?: number;
  /** `--rate`: switches to the open model at this arrival rate, req/s. */
  readonly rate?: number;
  /** `--arrival`, `--max-in-flight`, `--workers`: the open model's settings. */
  readonly arrival?: 'constant' | 'poisson';
  readonly maxInFlight?: number;
  readonly workers?: number;
  readonly clients?: readonly string[];
  /** `--tls`: Consul's API over HTTPS only (`consul.tls`). */
  readonly tls?: boolean;
  /** `--rtt <ms>`: round trip added between the service and Consul (`network.rttMs`). */
  readonly rttMs?: number;
  /** Client options applied to every row (`--consistency`, `--rate-limit`); a variant's own overrides win. */
  readonly clientOptions?: Partial<Pick<Scenario['clientOptions'], 'consistency' | 'rateLimit'>>;
}

/**
 * Applies overrides in order quick → explicit values, then re-validates.
 * @throws {BenchError} `INVALID_SCENARIO` / `UNKNOWN_CLIENT`, naming the option (`--connections`, …) when it was an override.
 */
export function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  const load = { ...scenario.load };
  let phases = scenario.phases;
  if (overrides.quick) {
    if (!phases) load.durationS = scenario.quick.durationS;
    load.warmupS = scenario.quick.warmupS;
    if (scenario.quick.connections !== undefined) load.connections = scenario.quick.connections;
    if (phases && scenario.quick.phases) phases = scenario.quick.phases;
  }
  if (overrides.durationS !== undefined && phases) {
    throw new BenchError(
      'USAGE',
      `--duration does not apply to ${scenario.name}: its measured window is its phases (baseline ${phases.baselineS} s, fault ${phases.faultS} s, drain ${phases.drainS} s); use --quick for shorter ones`,
    );
  }
  if (overrides.connections !== undefined) load.connections = overrides.connections;
  if (overrides.durationS !== undefined) load.durationS = overrides.durationS;
  if (overrides.warmupS !== undefined) load.warmupS = overrides.warmupS;
  if (overrides.rate !== undefined) {
    load.model = 'open';
    load.rate = overrides.rate;
  }
  if (overrides.arrival !== undefined) load.arrival = overrides.arrival;
  if (overrides.maxInFlight !== undefined) load.maxInFlight = overrides.maxInFlight;
  if (overrides.workers !== undefined) load.workers = overrides.workers;
  let clients: unknown[] = scenario.clients;
  if (overrides.clients) {
    // a name picks the scenario's row of that name, else the registered client of that name
    clients = overrides.clients.map((name) => {
      const row = scenario.clients.find((r) => rowName(r) === name);
      if (row) return row;
      if ((CLIENT_NAMES as string[]).includes(name)) return name;
      throw new BenchError(
        'UNKNOWN_CLIENT',
        `--clients ${name}: ${scenario.name} has no such row; use its rows (${scenario.clients.map(rowName).join(', ')}) or a registered client (${CLIENT_NAMES.join(', ')})`,
      );
    });
  }
  const clientOptions = { ...scenario.clientOptions, ...(overrides.clientOptions ?? {}) };
  const consul = { ...scenario.consul, ...(overrides.tls ? { tls: true } : {}) };
  const network = { ...scenario.network, ...(overrides.rttMs !== undefined ? { rttMs: overrides.rttMs } : {}) };
  try {
    return parseScenario(
      { ...scenario, load, clients, clientOptions, consul, network, ...(phases ? { phases } : {}) },
      `scenario ${scenario.name}`,
    );
  } catch (err) {
    if (err instanceof BenchError) {
      const msg = err.message
        .replace('load.connections', '--connections')
        .replace('load.durationS', '--duration')
        .replace('load.warmupS', '--warmup')
        .replace('load.rate', '--rate')
        .replace('load.maxInFlight', '--max-in-flight')
        .replace('load.workers', '--workers')
        .replace('network.rttMs', '--rtt');
      throw new BenchError(err.code, msg);
    }
    throw err;
  }
}
