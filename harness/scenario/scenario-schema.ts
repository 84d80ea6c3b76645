/**
 * A scenario is data (../shared/STYLE.md, rule 3): a declarative object validated here at load time, then
 * defaulted, then normalised. Overrides (`--connections`, `--duration`, `--quick`) narrow it and are validated
 * by the same schema, so an override cannot produce a scenario a file could not.
 *
 * @module
 */
import { z } from 'zod';
import { CLIENT_NAMES, type ClientName, DEFAULT_CLIENT_OPTIONS } from '../../clients/index.ts';
import { BenchError } from '../errors.ts';
import { FaultProfileSchema } from '../faults/fault-profiles.ts';

const int = (name: string, min: number, max: number) =>
  z.int({ error: `${name} must be a whole number from ${min} to ${max}` }).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);
const num = (name: string, min: number, max: number) =>
  z.number({ error: `${name} must be a number from ${min} to ${max}` }).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);

/** Load shape. Durations in seconds. */
export const LoadSchema = z.strictObject({
  /** Concurrent connections of the load generator (closed model). 1–10 000. */
  connections: int('load.connections', 1, 10_000),
  /** Measured duration per row, s. 1–3600. Required unless the scenario has `phases` (then it is their sum). */
  durationS: num('load.durationS', 1, 3600).optional(),
  /** Warm-up per row before measuring, discarded, s. 0–600. Default 2. */
  warmupS: num('load.warmupS', 0, 600).default(2),
  /** Load generator's per-request timeout, s. 1–120. Default 10. */
  timeoutS: num('load.timeoutS', 1, 120).default(10),
});

/** The keys the harness seeds and the service reads. */
export const KeysSchema = z.strictObject({
  /** Number of hot keys, read round-robin by every connection. 1–10 000. */
  count: int('keys.count', 1, 10_000),
  /** Size of each value, bytes (random bytes, so base64 and `?raw` differ as in production). 0–524 288. */
  valueBytes: int('keys.valueBytes', 0, 512 * 1024),
});

/** Options passed to every client strategy (see `clients/kv-client.ts`). */
export const ClientOptionsSchema = z.strictObject({
  /** Per-request timeout of strategies that have one, ms. 1–600 000. Default 1000. */
  requestTimeoutMs: int('clientOptions.requestTimeoutMs', 1, 600_000).default(DEFAULT_CLIENT_OPTIONS.requestTimeoutMs),
  /** Connection bound of pooled strategies. 1–10 000. Default 32. */
  maxConnections: int('clientOptions.maxConnections', 1, 10_000).default(DEFAULT_CLIENT_OPTIONS.maxConnections),
  /** `wait` of the watch's blocking queries, ms. 1000–600 000 (Consul's maximum is 10 min). Default 30 000. */
  watchWaitMs: int('clientOptions.watchWaitMs', 1000, 600_000).default(DEFAULT_CLIENT_OPTIONS.watchWaitMs),
});

/** Settings of the Consul the harness starts (ignored for `--consul external`). */
export const ConsulSettingsSchema = z.strictObject({
  /**
   * `limits.http_max_conns_per_client`. 1–1 000 000. Default 200, Consul's own default, so rows show what a
   * stock agent does to clients that open many connections (429s).
   */
  httpMaxConnsPerClient: int('consul.httpMaxConnsPerClient', 1, 1_000_000).default(200),
});

/**
 * Baseline → fault → drain, s. The load runs through all three without a break; the fault (`fault`) is on during
 * the middle one. The drain must outlast every client timeout plus keep-alive (undici's 4 s) for the leak verdict.
 */
export const PhasesSchema = z.strictObject({
  baselineS: num('phases.baselineS', 1, 3600),
  faultS: num('phases.faultS', 1, 3600),
  drainS: num('phases.drainS', 1, 3600),
});

/** What `--quick` changes: shorter phases (and optionally fewer connections) for tests and pull requests. */
export const QuickSchema = z.strictObject({
  durationS: num('quick.durationS', 1, 3600).default(3),
  warmupS: num('quick.warmupS', 0, 600).default(1),
  connections: int('quick.connections', 1, 10_000).optional(),
  phases: PhasesSchema.optional(),
});

const clientName = z.enum(CLIENT_NAMES as [ClientName, ...ClientName[]], {
  error: (issue) => `unknown client ${JSON.stringify(issue.input)}: use one of ${CLIENT_NAMES.join(', ')}`,
});

/** A scenario file's shape. */
export const ScenarioSchema = z.strictObject({
  /** Name used on the command line: lowercase letters, digits, dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'name must be lowercase letters, digits and dashes'),
  /** One line shown by `consul-kv-bench list` and in reports. */
  description: z.string().min(1, 'description must not be empty'),
  keys: KeysSchema,
  load: LoadSchema,
  /** Rows to run, in order. Default: every registered client and baseline. */
  clients: z.array(clientName).min(1, 'clients must name at least one client').default([...CLIENT_NAMES]),
  clientOptions: ClientOptionsSchema.default(ClientOptionsSchema.parse({})),
  consul: ConsulSettingsSchema.default(ConsulSettingsSchema.parse({})),
  quick: QuickSchema.default(QuickSchema.parse({})),
  /** Baseline → fault → drain, for fault scenarios. With it, each row's measured window is the three phases. */
  phases: PhasesSchema.optional(),
  /** The fault Toxiproxy injects between the service and Consul during `phases.faultS` (see faults/fault-profiles.ts). */
  fault: FaultProfileSchema.optional(),
  /**
   * Published figures to print beside ours (e.g. the Go articles', ../shared/SEEDS.md): a source and
   * label → value lines, shown as given.
   */
  reference: z.strictObject({ source: z.string(), figures: z.record(z.string(), z.string()) }).optional(),
}).superRefine((s, ctx) => {
  if (!s.phases && s.load.durationS === undefined) ctx.addIssue({ code: 'custom', path: ['load', 'durationS'], message: 'load.durationS is required unless the scenario has phases' });
  if (s.phases && !s.fault) ctx.addIssue({ code: 'custom', path: ['fault'], message: 'phases need a fault (stall, latency, reset, bandwidth or down)' });
  if (s.fault && !s.phases) ctx.addIssue({ code: 'custom', path: ['phases'], message: 'a fault needs phases (baselineS, faultS, drainS)' });
});

/** A scenario as written in a file (defaults may be omitted). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated, defaulted scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;

/** Measured seconds per row: the phases' sum, or `load.durationS`. */
export function measuredSeconds(s: Pick<Scenario, 'phases' | 'load'>): number {
  return s.phases ? s.phases.baselineS + s.phases.faultS + s.phases.drainS : (s.load.durationS ?? 0);
}

/** Formats zod issues as one line: `scenario X: a.b must be …; c must be …`. */
function oneLine(where: string, error: z.ZodError): string {
  return `${where}: ${error.issues.map((i) => (i.message.includes(String(i.path.at(-1) ?? '\u0000')) || i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; ')}`;
}

/**
 * Validates and defaults a scenario.
 * @throws {BenchError} `INVALID_SCENARIO` (or `UNKNOWN_CLIENT`) with a one-line message naming each bad field and its range.
 */
export function parseScenario(input: unknown, where = 'scenario'): Scenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (!parsed.success) {
    const unknownClient = parsed.error.issues.some((i) => i.path[0] === 'clients');
    throw new BenchError(unknownClient ? 'UNKNOWN_CLIENT' : 'INVALID_SCENARIO', oneLine(where, parsed.error));
  }
  return parsed.data;
}

/** Overrides from the command line; each narrows the scenario and is validated with it. */
export interface ScenarioOverrides {
  /** Shorter phases from the scenario's `quick` block. */
  readonly quick?: boolean;
  readonly connections?: number;
  readonly durationS?: number;
  readonly warmupS?: number;
  readonly clients?: readonly string[];
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
    throw new BenchError('USAGE', `--duration does not apply to ${scenario.name}: its measured window is its phases (baseline ${phases.baselineS} s, fault ${phases.faultS} s, drain ${phases.drainS} s); use --quick for shorter ones`);
  }
  if (overrides.connections !== undefined) load.connections = overrides.connections;
  if (overrides.durationS !== undefined) load.durationS = overrides.durationS;
  if (overrides.warmupS !== undefined) load.warmupS = overrides.warmupS;
  const clients = overrides.clients ? [...overrides.clients] : scenario.clients;
  try {
    return parseScenario({ ...scenario, load, clients, ...(phases ? { phases } : {}) }, `scenario ${scenario.name}`);
  } catch (err) {
    if (err instanceof BenchError) {
      const msg = err.message
        .replace('load.connections', '--connections')
        .replace('load.durationS', '--duration')
        .replace('load.warmupS', '--warmup');
      throw new BenchError(err.code, msg);
    }
    throw err;
  }
}
