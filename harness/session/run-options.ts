/**
 * The options of a measuring run, declared once: the `run` command's flags (`harness/commands/run.ts` builds them
 * from this table), the library's `runScenarios` options (`harness/index.ts`, the same names and types), their
 * ranges (each option's parser, which the library also applies to typed values) and how each narrows the
 * scenarios (`ScenarioOverrides`). Loads no CLI code. autocannon's one `defaultOptions.js`; undici's options
 * documented once with their defaults.
 *
 * @module
 */
import { CONSISTENCY_MODES } from '../../clients/index.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { BenchError } from '../errors.ts';
import { PROFILE_KINDS, type ProfileKind } from '../profile/profile-kinds.ts';
import type { ScenarioOverrides } from '../scenario/scenario-overrides.ts';
import {
  arrivalRate,
  clientList,
  oneOf,
  parseRateLimit,
  positiveInt,
  type RateLimit,
  repeatCount,
  rttMs,
  seconds,
  type ValueParser,
} from './option-values.ts';

/** One option of a run. */
export interface RunOptionDef<T> {
  /** Commander's flags, e.g. `--connections <n>`; a flag without `<…>` is a switch (`true` when given). */
  readonly flags: string;
  /** The help text (the library's docs say the same). */
  readonly description: string;
  /** Parses the flag's text (absent for switches). @throws {BenchError} `USAGE` naming the flag and its range. */
  readonly parse?: ValueParser<T>;
  /** The value's text for re-parsing a library value with {@link parse}. Default `String(value)`. */
  readonly text?: (value: T) => string;
  /** Allowed values, listed in the help. */
  readonly choices?: readonly string[];
  /** The flag may be given again, each value added to a list. */
  readonly repeatable?: boolean;
  /** The command line's default (the library's default is "not given"; see each option). */
  readonly cliDefault?: T;
  /** How the option narrows every scenario of the run; absent for options of the session (Consul, output). */
  readonly narrow?: (value: T) => ScenarioOverrides;
}

const def = <T>(d: RunOptionDef<T>): RunOptionDef<T> => d;

/** Every option of a run, by its library name; the flag is its command-line spelling. */
export const RUN_OPTIONS = {
  clients: def<string[]>({
    flags: '--clients <list>',
    description:
      "comma-separated rows to run (default: the scenario's): its row names (see list), or any registered client",
    parse: clientList,
    text: (v) => v.join(','),
    narrow: (clients) => ({ clients }),
  }),
  connections: def<number>({
    flags: '--connections <n>',
    description: "load generator connections (default: the scenario's)",
    parse: positiveInt('--connections'),
    narrow: (connections) => ({ connections }),
  }),
  duration: def<number>({
    flags: '--duration <duration>',
    description: "measured time per row: 30, 30s, 2m (default: the scenario's)",
    parse: seconds('--duration', 1),
    narrow: (durationS) => ({ durationS }),
  }),
  warmup: def<number>({
    flags: '--warmup <duration>',
    description: "warm-up time per row, discarded: 5, 5s, 500ms (default: the scenario's)",
    parse: seconds('--warmup', 0),
    narrow: (warmupS) => ({ warmupS }),
  }),
  quick: def<boolean>({
    flags: '--quick',
    description: "short phases from the scenario's quick block (for tests and pull requests)",
    narrow: (quick) => (quick ? { quick } : {}),
  }),
  rate: def<number>({
    flags: '--rate <rps>',
    description:
      'open model: requests arrive at this rate whether or not earlier ones answered; latency corrected for coordinated omission',
    parse: arrivalRate('--rate'),
    narrow: (rate) => ({ rate }),
  }),
  arrival: def<'constant' | 'poisson'>({
    flags: '--arrival <kind>',
    description: 'open model: constant gaps of 1/rate, or poisson arrivals',
    parse: oneOf('--arrival', ['constant', 'poisson'] as const),
    choices: ['constant', 'poisson'],
    narrow: (arrival) => ({ arrival }),
  }),
  maxInFlight: def<number>({
    flags: '--max-in-flight <n>',
    description:
      "open model: cap on requests in flight and on the generator's connections (default: the scenario's, 1000)",
    parse: positiveInt('--max-in-flight'),
    narrow: (maxInFlight) => ({ maxInFlight }),
  }),
  workers: def<number>({
    flags: '--workers <n>',
    description: 'open model: generator worker threads, the rate split between them (default 1)',
    parse: positiveInt('--workers'),
    narrow: (workers) => ({ workers }),
  }),
  repeat: def<number>({
    flags: '--repeat <n>',
    description:
      'runs per row, interleaved (A B C A B C …); every run is kept in report.json for compare and gate (≥ 6 for a significance test)',
    parse: repeatCount,
    cliDefault: 1,
  }),
  consul: def<ConsulBackendChoice>({
    flags: '--consul <backend>',
    description: 'where Consul comes from: auto = container if a runtime answers, else local',
    parse: oneOf('--consul', CONSUL_BACKENDS),
    choices: CONSUL_BACKENDS,
    cliDefault: 'auto',
  }),
  clientModules: def<string[]>({
    flags: '--client <path>',
    description: 'also run your own client: a .ts/.js module exporting a factory (repeatable; see clients/examples/)',
    parse: (v) => [v],
    text: (v) => v.join(','),
    repeatable: true,
    cliDefault: [],
  }),
  allowRemoteConsul: def<boolean>({
    flags: '--allow-remote-consul',
    description:
      'with --consul external: accept a CONSUL_HTTP_ADDR off loopback (your cluster); the load still goes only to the local service, and consul-direct is refused',
  }),
  acl: def<boolean>({
    flags: '--acl',
    description:
      "enforce ACLs (default deny) on the harness's own Consul (--consul local): every scenario's clients read with a token limited to its key prefix",
  }),
  tls: def<boolean>({
    flags: '--tls',
    description:
      "Consul's API over HTTPS only, with a CA and server certificate made by consul tls ca/cert create; every client verifies it (--consul local, or external with https:// and CONSUL_CACERT)",
    narrow: (tls) => (tls ? { tls } : {}),
  }),
  rtt: def<number>({
    flags: '--rtt <ms>',
    description:
      "round trip added between the service and Consul through Toxiproxy's latency toxic, half each way (default: the scenario's, 0 = loopback)",
    parse: rttMs('--rtt'),
    narrow: (rttMs) => ({ rttMs }),
  }),
  out: def<string>({
    flags: '--out <dir>',
    description: 'output directory (a timestamped copy goes to <dir>/runs/)',
    parse: (v) => v,
    cliDefault: 'reports/latest',
  }),
  consistency: def<(typeof CONSISTENCY_MODES)[number]>({
    flags: '--consistency <mode>',
    description:
      'read consistency of every row that reads Consul: default, stale (any server answers) or consistent (leader checks with a quorum first)',
    parse: oneOf('--consistency', CONSISTENCY_MODES),
    choices: CONSISTENCY_MODES,
    narrow: (consistency) => ({ clientOptions: { consistency } }),
  }),
  rateLimit: def<RateLimit>({
    flags: '--rate-limit <qps[:burst]>',
    description:
      "client-side token bucket on the direct-read clients, as client-go's QPS/Burst (e.g. 500:50; burst defaults to the qps)",
    parse: parseRateLimit,
    text: (v) => `${v.qps}:${v.burst}`,
    narrow: (rateLimit) => ({ clientOptions: { rateLimit } }),
  }),
  profile: def<ProfileKind>({
    flags: '--profile <kind>',
    description:
      "profile the service of every row: flame = 0x flamegraph, cpu = .cpuprofile (artifacts in the run's folder, linked from report.md)",
    parse: oneOf('--profile', PROFILE_KINDS),
    choices: PROFILE_KINDS,
  }),
} as const;

/** The value type of an option. */
type ValueOf<D> = D extends RunOptionDef<infer T> ? T : never;

/** A run's options, by their library names (each optional; see {@link RUN_OPTIONS} for each one's meaning). */
export type RunOptions = { -readonly [K in keyof typeof RUN_OPTIONS]?: ValueOf<(typeof RUN_OPTIONS)[K]> };

/** The names of the options. */
export type RunOptionName = keyof typeof RUN_OPTIONS;

/**
 * Checks a library caller's typed values with the command line's parsers (same ranges, same messages).
 * @throws {BenchError} `USAGE` naming the option's flag and range.
 */
export function checkRunOptions(options: RunOptions): RunOptions {
  for (const [name, value] of Object.entries(options)) {
    const d = (RUN_OPTIONS as Record<string, RunOptionDef<unknown>>)[name];
    if (!d || value === undefined) continue;
    if (!d.parse) {
      if (typeof value !== 'boolean') throw new BenchError('USAGE', `${name} must be true or false`);
      continue;
    }
    if (d.repeatable) continue; // lists of paths: checked when resolved
    d.parse(d.text ? d.text(value) : String(value));
  }
  return options;
}

/** How the options narrow every scenario of the run (the scenario module validates the result). */
export function scenarioOverrides(options: RunOptions): ScenarioOverrides {
  let out: ScenarioOverrides = {};
  for (const [name, value] of Object.entries(options)) {
    const d = (RUN_OPTIONS as Record<string, RunOptionDef<unknown>>)[name];
    if (!d?.narrow || value === undefined) continue;
    const o = d.narrow(value);
    out = {
      ...out,
      ...o,
      ...(o.clientOptions || out.clientOptions
        ? { clientOptions: { ...(out.clientOptions ?? {}), ...(o.clientOptions ?? {}) } }
        : {}),
    };
  }
  return out;
}
