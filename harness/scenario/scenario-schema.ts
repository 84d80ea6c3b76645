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

const int = (name: string, min: number, max: number) =>
  z.int({ error: `${name} must be a whole number from ${min} to ${max}` }).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);
const num = (name: string, min: number, max: number) =>
  z.number({ error: `${name} must be a number from ${min} to ${max}` }).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);

/** Load shape. Durations in seconds. */
export const LoadSchema = z.strictObject({
  /** Concurrent connections of the load generator (closed model). 1–10 000. */
  connections: int('load.connections', 1, 10_000),
  /** Measured duration per row, s. 1–3600. */
  durationS: num('load.durationS', 1, 3600),
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

/** What `--quick` changes: shorter phases (and optionally fewer connections) for tests and pull requests. */
export const QuickSchema = z.strictObject({
  durationS: num('quick.durationS', 1, 3600).default(3),
  warmupS: num('quick.warmupS', 0, 600).default(1),
  connections: int('quick.connections', 1, 10_000).optional(),
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
});

/** A scenario as written in a file (defaults may be omitted). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated, defaulted scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;

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
  if (overrides.quick) {
    load.durationS = scenario.quick.durationS;
    load.warmupS = scenario.quick.warmupS;
    if (scenario.quick.connections !== undefined) load.connections = scenario.quick.connections;
  }
  if (overrides.connections !== undefined) load.connections = overrides.connections;
  if (overrides.durationS !== undefined) load.durationS = overrides.durationS;
  if (overrides.warmupS !== undefined) load.warmupS = overrides.warmupS;
  const clients = overrides.clients ? [...overrides.clients] : scenario.clients;
  try {
    return parseScenario({ ...scenario, load, clients }, `scenario ${scenario.name}`);
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
