/**
 * A scenario is data (docs/STYLE.md, rule 3): a declarative object validated here at load time, then
 * defaulted, then normalised. Overrides (`--connections`, `--duration`, `--quick`) narrow it and are validated
 * by the same schema, so an override cannot produce a scenario a file could not.
 *
 * @module
 */
import { z } from 'zod';
import {
  CLIENT_NAMES,
  type ClientName,
  ClientOptionsSchema,
  ClientOverridesSchema,
  DEFAULT_ROW_NAMES,
} from '../../clients/index.ts';
import { boundedInt, boundedNumber } from '../../clients/support/client-options.ts';
import { BenchError } from '../errors.ts';
import { FAULT_TYPES, FaultProfileSchema } from '../faults/fault-profiles.ts';
import { LOAD_MODEL_NAMES, loadModelOf } from '../load/models/index.ts';

const int = boundedInt;
const num = boundedNumber;

/** Range of an open-model arrival rate, req/s (`load.rate`, `--rate`). */
export const RATE_RANGE = [0.1, 1_000_000] as const;
/** Range of an added round trip, whole ms (`network.rttMs`, `--rtt`). */
export const RTT_RANGE_MS = [0, 10_000] as const;

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
  /**
   * Open model only: how long the generator waits for an answer before it gives up and records the request as
   * censored at that timeout, s. 1–600. Default `timeoutS`. In the open model requests keep arriving whatever the
   * answers, so this is how long a hang is watched, not a caller's retry deadline: `network-stall` sets 10 s so a
   * client that never gives up shows as at least 10 s, where `timeoutS` (2 s) paces the closed model's callers.
   */
  openTimeoutS: num('load.openTimeoutS', 1, 600).optional(),
  /**
   * Load model: `closed` (the harness's generator: `connections` callers, each sending its next request when the last one
   * answered) or `open` (requests arrive at `rate` whether or not earlier ones answered; latency corrected for
   * coordinated omission, harness/load/open-load.ts). Default `closed`; `--rate` switches a run to `open`.
   */
  model: z.enum(LOAD_MODEL_NAMES).default('closed'),
  /** Open model: arrival rate, req/s. 0.1–1 000 000. Required when `model` is `open`. */
  rate: num('load.rate', ...RATE_RANGE).optional(),
  /** Open model: `constant` gaps of 1/rate or `poisson` arrivals (seeded). Default `constant`. */
  arrival: z.enum(['constant', 'poisson']).default('constant'),
  /** Open model: cap on requests in flight, and on the generator's connections (opened as needed). 1–100 000. Default 1 000. */
  maxInFlight: int('load.maxInFlight', 1, 100_000).default(1000),
  /** Open model: generator worker threads; the rate and the cap are split between them. 1–16. Default 1. */
  workers: int('load.workers', 1, 16).default(1),
});

/** The keys the harness seeds and the service reads. */
export const KeysSchema = z.strictObject({
  /** Number of hot keys, read round-robin by every connection. 1–10 000. */
  count: int('keys.count', 1, 10_000),
  /** Size of each value, bytes (random bytes, so base64 and `?raw` differ as in production). 0–524 288. */
  valueBytes: int('keys.valueBytes', 0, 512 * 1024),
});

/** Settings of the Consul the harness starts (ignored for `--consul external`). */
export const ConsulSettingsSchema = z.strictObject({
  /**
   * `limits.http_max_conns_per_client`. 1–1 000 000. Default 200, Consul's own default, so rows show what a
   * stock agent does to clients that open many connections (429s).
   */
  httpMaxConnsPerClient: int('consul.httpMaxConnsPerClient', 1, 1_000_000).default(200),
  /**
   * Serve Consul's API over HTTPS only, with a CA and server certificate the harness makes with `consul tls ca
   * create` / `consul tls cert create -server`; every client, the load aimed at Consul and the harness's own calls
   * use TLS. Default `false`. (`--tls` sets it for every scenario of a run.)
   */
  tls: z.boolean({ error: 'consul.tls must be true or false' }).default(false),
});

/**
 * The network between the service and Consul. Loopback's round trip is tens of µs; a network's is not.
 */
export const NetworkSchema = z.strictObject({
  /**
   * Round-trip time added between the service and Consul, whole ms: Toxiproxy's `latency` toxic delays every
   * chunk by half of it in each direction (Toxiproxy takes whole ms: an odd RTT puts the extra ms on the way back),
   * so a TLS handshake and each request pay it. It does not delay the TCP
   * handshake between the client and the proxy (Toxiproxy accepts at once), nor the harness's own calls to
   * Consul. 0 (default) is loopback. 0–10 000. (`--rtt` sets it for every scenario of a run.)
   */
  rttMs: int('network.rttMs', ...RTT_RANGE_MS).default(0),
});

/** Default quiesce after the drain, s: the default 1 s client timeout plus undici's 4 s keep-alive, plus 1 s. */
export const DEFAULT_QUIESCE_S = 6;

/**
 * Baseline → fault → drain, s. The load runs through all three without a break; the fault (`fault`) is on during
 * the middle one. The drain must outlast every client timeout plus keep-alive (undici's 4 s) for the leak verdict.
 */
export const PhasesSchema = z.strictObject({
  baselineS: num('phases.baselineS', 1, 3600),
  faultS: num('phases.faultS', 1, 3600),
  drainS: num('phases.drainS', 1, 3600),
  /**
   * After the drain the load stops and the row waits this long, s, before the leak verdict looks at what is left
   * (1–600, default {@link DEFAULT_QUIESCE_S}). Must outlast every client timeout plus keep-alive (undici's 4 s).
   */
  quiesceS: num('phases.quiesceS', 1, 600).default(DEFAULT_QUIESCE_S),
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

/**
 * A row: a registered client by name, or a variant of one with its own name and option overrides, e.g.
 * `{ client: 'pooled', name: 'pooled-stale', options: { consistency: 'stale' } }`.
 */
const VariantSchema = z.strictObject({
  client: clientName,
  /** The row's name in reports and for `--clients`: lowercase letters, digits, dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a row name must be lowercase letters, digits and dashes'),
  options: ClientOverridesSchema.default({}),
});
// Dispatches on the input's type rather than z.union, so a bad row gets its own field's message, not "Invalid input".
export const RowSchema = z.unknown().transform((value, ctx): ClientName | z.output<typeof VariantSchema> => {
  const parsed = typeof value === 'string' ? clientName.safeParse(value) : VariantSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
export type RowInput = z.output<typeof RowSchema>;

/**
 * The freshness measurement (`watch-propagation`, `consul-restart`): the first `keys` scenario keys hold
 * versioned values; a prober reads them through the service every `probeIntervalMs`; with `writesPerSecond` > 0
 * a writer updates them round-robin at that rate during the measured window, stopping `settleS` before its end so
 * late writes can still be seen.
 */
export const FreshnessSchema = z.strictObject({
  /** Keys written and probed (the first N of the scenario's keys). 1–100. Default 5. */
  keys: int('freshness.keys', 1, 100).default(5),
  /** Writes per second over those keys. 0 (no writer) – 1000. Default 0. */
  writesPerSecond: num('freshness.writesPerSecond', 0, 1000).default(0),
  /** Pause between one probed key's reads, ms: the measurement's resolution (plus the service's latency). 0–1000. Default 2. */
  probeIntervalMs: int('freshness.probeIntervalMs', 0, 1000).default(2),
  /** The writer stops this long before the end of the window, s. 0–600. Default 3. */
  settleS: num('freshness.settleS', 0, 600).default(3),
});

/** The Consul restart of `consul-restart`: stopped at the end of `phases.baselineS`, started again after `phases.faultS`. */
export const RestartSchema = z.strictObject({
  /** `true`: Consul restarts with its data (Raft and KV on disk); `false`: on a fresh data dir, the keys are seeded again. */
  keepData: z.boolean({ error: 'restart.keepData must be true or false' }),
});

/** A scenario file's shape. */
export const ScenarioSchema = z
  .strictObject({
    /** Name used on the command line: lowercase letters, digits, dashes. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'name must be lowercase letters, digits and dashes'),
    /** One line shown by `consul-kv-bench list` and in reports. */
    description: z.string().min(1, 'description must not be empty'),
    keys: KeysSchema,
    load: LoadSchema,
    /** Rows to run, in order: client names or variants (see {@link RowSchema}). Default: every registered Node client and baseline (the Go rows only when named). */
    clients: z
      .array(RowSchema)
      .min(1, 'clients must name at least one client')
      .default([...DEFAULT_ROW_NAMES]),
    clientOptions: ClientOptionsSchema.default(ClientOptionsSchema.parse({})),
    consul: ConsulSettingsSchema.default(ConsulSettingsSchema.parse({})),
    network: NetworkSchema.default(NetworkSchema.parse({})),
    quick: QuickSchema.default(QuickSchema.parse({})),
    /** Baseline → fault → drain, for fault scenarios. With it, each row's measured window is the three phases. */
    phases: PhasesSchema.optional(),
    /** The fault Toxiproxy injects between the service and Consul during `phases.faultS` (see harness/faults/kinds/). */
    fault: FaultProfileSchema.optional(),
    /** Stop Consul for `phases.faultS` and start it again (needs the harness's own Consul: `--consul local`). */
    restart: RestartSchema.optional(),
    /** Measure freshness (propagation delay, stale reads; recovery with `restart`). */
    freshness: FreshnessSchema.optional(),
    /**
     * Published figures to print beside ours (e.g. the Go articles', docs/ARTICLES.md): a source and
     * label → value lines, shown as given.
     */
    reference: z.strictObject({ source: z.string(), figures: z.record(z.string(), z.string()) }).optional(),
  })
  .superRefine((s, ctx) => {
    const modelIssue = loadModelOf(s.load.model).validate(s.load);
    if (modelIssue) ctx.addIssue({ code: 'custom', path: ['load', modelIssue.path], message: modelIssue.message });
    if (s.load.workers > s.load.maxInFlight)
      ctx.addIssue({
        code: 'custom',
        path: ['load', 'workers'],
        message: `load.workers must be at most load.maxInFlight (${s.load.maxInFlight})`,
      });
    if (!s.phases && s.load.durationS === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['load', 'durationS'],
        message: 'load.durationS is required unless the scenario has phases',
      });
    if (s.phases && !s.fault && !s.restart)
      ctx.addIssue({
        code: 'custom',
        path: ['fault'],
        message: `phases need a fault (${FAULT_TYPES.join(', ')}) or a restart`,
      });
    if ((s.fault || s.restart) && !s.phases)
      ctx.addIssue({
        code: 'custom',
        path: ['phases'],
        message: 'a fault or restart needs phases (baselineS, faultS, drainS)',
      });
    if (s.fault && s.restart)
      ctx.addIssue({ code: 'custom', path: ['restart'], message: 'a scenario has a fault or a restart, not both' });
    if (s.restart && s.freshness && s.freshness.writesPerSecond > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['freshness', 'writesPerSecond'],
        message: 'a restart measures recovery with one write after Consul is back: set freshness.writesPerSecond to 0',
      });
    if (s.restart && !s.freshness)
      ctx.addIssue({
        code: 'custom',
        path: ['freshness'],
        message: 'a restart needs freshness (the probed keys show recovery)',
      });
    if (s.freshness && s.freshness.keys > s.keys.count)
      ctx.addIssue({
        code: 'custom',
        path: ['freshness', 'keys'],
        message: `freshness.keys must be at most keys.count (${s.keys.count})`,
      });
    if (s.phases) {
      const timeouts = [
        s.clientOptions.requestTimeoutMs,
        ...s.clients.map((r) => (typeof r === 'string' ? 0 : (r.options.requestTimeoutMs ?? 0))),
      ];
      const needMs = Math.max(...timeouts) + 4000;
      if (s.phases.quiesceS * 1000 <= needMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['phases', 'quiesceS'],
          message: `phases.quiesceS must be more than the longest client timeout plus undici's 4 s keep-alive (${needMs / 1000} s)`,
        });
      }
    }
    const names = s.clients.map(rowName);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      ctx.addIssue({
        code: 'custom',
        path: ['clients'],
        message: `row ${dup} appears twice in clients: give variants their own name`,
      });
  });

/** A scenario as written in a file (defaults may be omitted). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated, defaulted scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;

/** The name a row goes by in reports and `--clients`. */
export function rowName(row: RowInput): string {
  return typeof row === 'string' ? row : row.name;
}

/** The registered client a row runs. */
export function rowClient(row: RowInput): ClientName {
  return typeof row === 'string' ? row : row.client;
}

/**
 * The load generator's per-request timeout in effect, s: `load.openTimeoutS` (when set) in the open model, else
 * `load.timeoutS`.
 */
export function generatorTimeoutS(load: Scenario['load']): number {
  return loadModelOf(load.model).timeoutS(load);
}

/** Measured seconds per row: the phases' sum, or `load.durationS`. */
export function measuredSeconds(s: Pick<Scenario, 'phases' | 'load'>): number {
  return s.phases ? s.phases.baselineS + s.phases.faultS + s.phases.drainS : (s.load.durationS ?? 0);
}

/** The start of one phase of a measured window, ms from the window's start. */
export interface PhaseMark {
  readonly name: 'baseline' | 'fault' | 'drain';
  readonly startMs: number;
}

/** Baseline → fault → drain offsets of a scenario with `phases` (the load splits its results by them). */
export function phaseMarks(phases: Pick<NonNullable<Scenario['phases']>, 'baselineS' | 'faultS'>): PhaseMark[] {
  return [
    { name: 'baseline', startMs: 0 },
    { name: 'fault', startMs: phases.baselineS * 1000 },
    { name: 'drain', startMs: (phases.baselineS + phases.faultS) * 1000 },
  ];
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
