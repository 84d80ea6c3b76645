/**
 * `consul-kv-bench run [scenario…]`: measure every row of the given scenarios against a real Consul and write
 * `report.json`, `report.md` and `report.html`. Bad input exits 2 before anything starts; a failed row exits 1
 * with every other row kept; SIGINT exits 130 and SIGTERM 143 after stopping everything the run started and
 * writing what it measured (a second signal stops at once).
 *
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { CLIENT_NAMES, CONSISTENCY_MODES } from '../../clients/index.ts';
import { DEFAULT_SCENARIO } from '../../scenarios/index.ts';
import { startConsul } from '../consul/consul-server.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice, type StartedConsul } from '../consul/consul-types.ts';
import { BenchError, usageError } from '../errors.ts';
import { startToxiproxy } from '../faults/toxiproxy-server.ts';
import { Teardown } from '../lifecycle.ts';
import { createServiceProfiler, PROFILE_KINDS, type ProfileKind } from '../profile/service-profiler.ts';
import { attachProgress } from '../progress.ts';
import { runDirName, writeReport } from '../report/report-writer.ts';
import { renderTerminalTable } from '../report/terminal-table.ts';
import { BenchRun, type BenchRunOptions } from '../run/bench-run.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import {
  arrivalRate,
  clientList,
  outputErrorsAs,
  parseRateLimit,
  positiveInt,
  repeatCount,
  resolveCustomClients,
  rttMs,
  seconds,
  userCwd,
} from './cli-options.ts';

/** Options of `run`, as commander parses them. */
export interface RunFlags {
  clients?: string[];
  connections?: number;
  duration?: number;
  warmup?: number;
  quick?: boolean;
  /** `--rate`: the open model at this arrival rate, req/s. */
  rate?: number;
  arrival?: 'constant' | 'poisson';
  maxInFlight?: number;
  workers?: number;
  consul: ConsulBackendChoice;
  out: string;
  client: string[];
  profile?: ProfileKind;
  consistency?: 'default' | 'stale' | 'consistent';
  rateLimit?: { qps: number; burst: number };
  repeat: number;
  /** `--acl`: a local Consul with ACLs enforced; clients read with tokens limited to their scenario's prefix. */
  acl?: boolean;
  /** `--allow-remote-consul`: accept an external Consul off loopback. */
  allowRemoteConsul?: boolean;
  /** `--tls`: Consul's API over HTTPS only, every scenario (`consul.tls`). */
  tls?: boolean;
  /** `--rtt <ms>`: round trip added between the service and Consul, every scenario (`network.rttMs`). */
  rtt?: number;
  verbose?: boolean;
}

/**
 * Runs the `run` command.
 * @param argv the command line after `node cli.ts`, for the report.
 * @returns the exit code: 0 every row measured, 1 a row failed, 130/143 interrupted.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1), after writing what was measured.
 */
export async function runCommand(scenarioArgs: string[], flags: RunFlags, argv: string[]): Promise<number> {
  const names = scenarioArgs.length > 0 ? scenarioArgs : [DEFAULT_SCENARIO];
  const scenarios: Scenario[] = names.map((name) =>
    applyOverrides(loadScenario(name), {
      ...(flags.quick ? { quick: true } : {}),
      ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
      ...(flags.duration !== undefined ? { durationS: flags.duration } : {}),
      ...(flags.warmup !== undefined ? { warmupS: flags.warmup } : {}),
      ...(flags.rate !== undefined ? { rate: flags.rate } : {}),
      ...(flags.arrival !== undefined ? { arrival: flags.arrival } : {}),
      ...(flags.maxInFlight !== undefined ? { maxInFlight: flags.maxInFlight } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      ...(flags.clients ? { clients: flags.clients } : {}),
      ...(flags.tls ? { tls: true } : {}),
      ...(flags.rtt !== undefined ? { rttMs: flags.rtt } : {}),
      ...(flags.consistency || flags.rateLimit
        ? {
            clientOptions: {
              ...(flags.consistency ? { consistency: flags.consistency } : {}),
              ...(flags.rateLimit ? { rateLimit: flags.rateLimit } : {}),
            },
          }
        : {}),
    }),
  );
  return measureScenarios(scenarios, flags, argv);
}

/**
 * Measures validated scenarios (`run`'s body, shared with `calibrate` and `publish`): starts Consul, runs every row
 * with a progress display, writes the report after every row, prints the tables and where the reports are.
 * @returns the exit code: 0 every row measured, 1 a row failed, 130/143 interrupted.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1), after writing what was measured.
 */
export async function measureScenarios(
  scenarios: readonly Scenario[],
  flags: Pick<RunFlags, 'consul' | 'out' | 'client' | 'profile' | 'repeat' | 'acl' | 'allowRemoteConsul'>,
  argv: string[],
): Promise<number> {
  const restarts = scenarios.filter((s) => s.restart).map((s) => s.name);
  if (restarts.length > 0 && flags.consul === 'external') {
    throw usageError(
      `${restarts.join(', ')} stops and starts Consul, which the harness cannot do to an external one: drop --consul external (it then runs a Consul server of its own for that scenario)`,
    );
  }
  const cwd = userCwd();
  const outDir = path.resolve(cwd, flags.out);
  const customClients = resolveCustomClients(flags.client, cwd);
  let run: BenchRun | undefined;
  let written: Awaited<ReturnType<typeof writeReport>> | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const save = (): Promise<unknown> => {
    if (!run) return writing;
    const report = run.report;
    writing = writing.then(async () => (written = await writeReport(report, outDir)));
    return writing;
  };
  // The first scenario's limit; a later scenario with another limit gets a Consul of its own (startScenarioConsul).
  const httpMaxConnsPerClient = scenarios[0]!.consul.httpMaxConnsPerClient;
  return withConsul(
    {
      backend: flags.consul,
      httpMaxConnsPerClient,
      // the first scenario's; a later one that differs gets a Consul of its own (external: the address's scheme)
      tls: scenarios[0]!.consul.tls,
      acl: flags.acl ?? false,
      allowRemote: flags.allowRemoteConsul ?? false,
    },
    async ({ consul, teardown, signal, progress, signalled }) => {
      const createdAt = new Date().toISOString();
      const runDirRelative = path.join('runs', runDirName(createdAt));
      run = new BenchRun({
        createdAt,
        consul,
        scenarios,
        command: ['consul-kv-bench', ...argv].join(' '),
        teardown,
        signal,
        customClients,
        repeat: flags.repeat,
        ...scenarioConsuls(consul, progress, signal),
        ...(flags.profile ? { profiler: createServiceProfiler(flags.profile, outDir, runDirRelative) } : {}),
      });
      attachProgress(run);
      run.on('report', () => void save());
      await run.run();
      await save();
      for (const s of run.report.scenarios) process.stdout.write(renderTerminalTable(s) + '\n');
      if (written) process.stdout.write(reportPaths(written));
      const sig = signalled();
      if (sig) return sig === 'SIGINT' ? 130 : 143;
      return run.report.failures.length > 0 ? 1 : 0;
    },
    async (interrupted) => {
      if (!run) return;
      run.report.status = interrupted ? 'interrupted' : 'failed';
      run.report.finishedAt = new Date().toISOString();
      await save().catch(() => {});
      if (written) process.stderr.write(`results measured so far: ${written.json}\n`);
    },
  );
}

/** What {@link withConsul} gives its body. */
export interface ConsulSession {
  readonly consul: StartedConsul;
  readonly teardown: Teardown;
  /** Aborted by the first SIGINT/SIGTERM: finish the current phase and stop. */
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  /** The signal that stopped the run, if one did. */
  readonly signalled: () => NodeJS.Signals | undefined;
}

/**
 * A measuring session (`run`, `calibrate`, `publish`, `capacity`): handles SIGINT/SIGTERM (the first finishes the
 * current phase, a second stops at once), starts Consul, runs `body`, and stops everything the session started on
 * success, failure or signal.
 * @param onFailure called with whether a signal stopped the run, before the error is rethrown: save what was measured.
 * @returns `body`'s exit code, or 130/143 when a signal ended it.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1).
 */
export async function withConsul(
  options: {
    backend: ConsulBackendChoice;
    httpMaxConnsPerClient: number;
    acl?: boolean;
    allowRemote?: boolean;
    tls?: boolean;
  },
  body: (session: ConsulSession) => Promise<number>,
  onFailure?: (interrupted: boolean) => Promise<void>,
): Promise<number> {
  const teardown = new Teardown();
  const abort = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`\n${sig} again: stopping now\n`);
      void teardown.runAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
      return;
    }
    signalled = sig;
    process.stderr.write(
      `\n${sig}: finishing the current phase, stopping everything and writing the report… (again to force)\n`,
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = (line: string): void => void process.stderr.write(line + '\n');
  try {
    progress(`starting Consul (--consul ${options.backend})…`);
    const consul = await startConsul({
      backend: options.backend,
      httpMaxConnsPerClient: options.httpMaxConnsPerClient,
      ...(options.acl ? { acl: true } : {}),
      ...(options.allowRemote ? { allowRemote: true } : {}),
      ...(options.tls ? { tls: true } : {}),
      onProgress: progress,
      signal: abort.signal,
    });
    teardown.defer('consul', () => consul.stop());
    progress(
      `Consul ${consul.version} ready at ${consul.httpUrl} (${consul.backend}${consul.acl ? ', ACLs enforced, default deny' : ''}${consul.tls ? ', HTTPS only' : ''})`,
    );
    if (abort.signal.aborted) throw new BenchError('INTERRUPTED', `stopped by ${signalled}`);
    return await body({ consul, teardown, signal: abort.signal, progress, signalled: () => signalled });
  } catch (err) {
    await onFailure?.(signalled !== undefined);
    if (signalled && !(err instanceof BenchError && err.isUsage)) return signalled === 'SIGINT' ? 130 : 143;
    throw err;
  } finally {
    const errors = await teardown.runAll();
    for (const e of errors) process.stderr.write(`warning: ${e.message}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The Consul starters a {@link BenchRun} needs beside the session's: Toxiproxy, per-scenario limits, restarts. */
export function scenarioConsuls(
  consul: StartedConsul,
  progress: (line: string) => void,
  signal: AbortSignal,
): Pick<BenchRunOptions, 'startToxiproxy' | 'startScenarioConsul' | 'startRestartableConsul'> {
  return {
    startToxiproxy: () => startToxiproxy({ onProgress: progress, signal }),
    startScenarioConsul: (s) =>
      startConsul({
        backend: consul.backend === 'container' ? 'container' : 'local',
        httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
        ...(consul.acl ? { acl: true } : {}),
        ...(s.consul.tls ? { tls: true } : {}),
        onProgress: progress,
        signal,
      }),
    startRestartableConsul: (s) =>
      startConsul({
        backend: 'local',
        persistent: true,
        httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
        ...(consul.acl ? { acl: true } : {}),
        ...(s.consul.tls ? { tls: true } : {}),
        onProgress: progress,
        signal,
      }),
  };
}

/** The closing lines of a run: where the reports are, the HTML one as a file:// URL to open in a browser. */
function reportPaths(written: { json: string; markdown: string; html: string }): string {
  return [
    `report: ${written.markdown}`,
    `        ${written.json}`,
    `HTML report (charts; open in a browser): ${pathToFileURL(path.resolve(written.html)).href}`,
    '',
  ].join('\n');
}

/** Adds `run` to the program. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .configureOutput(outputErrorsAs('run'))
    .description(
      `measure every client in the given scenarios (default: ${DEFAULT_SCENARIO}) and write report.json, report.md and report.html (charts)`,
    )
    .argument('[scenario...]', `scenarios to run: ${scenarioNames().join(', ')}`)
    .option(
      '--clients <list>',
      `comma-separated rows to run (default: the scenario's): its row names (see list), or any of ${CLIENT_NAMES.join(', ')}`,
      clientList,
    )
    .option('--connections <n>', "load generator connections (default: the scenario's)", positiveInt('--connections'))
    .option('--duration <s>', "measured seconds per row (default: the scenario's)", seconds('--duration', 1))
    .option('--warmup <s>', "warm-up seconds per row, discarded (default: the scenario's)", seconds('--warmup', 0))
    .option('--quick', "short phases from the scenario's quick block (for tests and pull requests)")
    .option(
      '--rate <rps>',
      'open model: requests arrive at this rate whether or not earlier ones answered; latency corrected for coordinated omission',
      arrivalRate('--rate'),
    )
    .addOption(
      new Option('--arrival <kind>', 'open model: constant gaps of 1/rate, or poisson arrivals').choices([
        'constant',
        'poisson',
      ]),
    )
    .option(
      '--max-in-flight <n>',
      "open model: cap on requests in flight and on the generator's connections (default: the scenario's, 1000)",
      positiveInt('--max-in-flight'),
    )
    .option(
      '--workers <n>',
      'open model: generator worker threads, the rate split between them (default 1)',
      positiveInt('--workers'),
    )
    .option(
      '--repeat <n>',
      'runs per row, interleaved (A B C A B C …); every run is kept in report.json for compare and gate (≥ 6 for a significance test)',
      repeatCount,
      1,
    )
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from: auto = container if a runtime answers, else local')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .option(
      '--client <path>',
      'also run your own client: a .ts/.js module exporting a factory (repeatable; see clients/examples/)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--allow-remote-consul',
      'with --consul external: accept a CONSUL_HTTP_ADDR off loopback (your cluster); the load still goes only to the local service, and consul-direct is refused',
    )
    .option(
      '--acl',
      "enforce ACLs (default deny) on the harness's own Consul (--consul local): every scenario's clients read with a token limited to its key prefix",
    )
    .option(
      '--tls',
      "Consul's API over HTTPS only, with a CA and server certificate made by consul tls ca/cert create; every client verifies it (--consul local, or external with https:// and CONSUL_CACERT)",
    )
    .option(
      '--rtt <ms>',
      "round trip added between the service and Consul through Toxiproxy's latency toxic, half each way (default: the scenario's, 0 = loopback)",
      rttMs('--rtt'),
    )
    .option('--out <dir>', 'output directory (a timestamped copy goes to <dir>/runs/)', 'reports/latest')
    .addOption(
      new Option(
        '--consistency <mode>',
        'read consistency of every row that reads Consul: default, stale (any server answers) or consistent (leader checks with a quorum first)',
      ).choices(CONSISTENCY_MODES),
    )
    .option(
      '--rate-limit <qps[:burst]>',
      "client-side token bucket on the direct-read clients, as client-go's QPS/Burst (e.g. 500:50; burst defaults to the qps)",
      parseRateLimit,
    )
    .addOption(
      new Option(
        '--profile <kind>',
        "profile the service of every row: flame = 0x flamegraph, cpu = .cpuprofile (artifacts in the run's folder, linked from report.md)",
      ).choices(PROFILE_KINDS),
    )
    .action(async (scenarios: string[], flags: RunFlags) => {
      process.exitCode = await runCommand(scenarios, flags, process.argv.slice(2));
    });
}
