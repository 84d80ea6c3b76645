/**
 * `consul-kv-bench ceiling [--scenario articles] [--clients <rows>]`: a benchmark of the harness's own load
 * generators (not a test). Against each row's target, as the scenario's run starts it, it alternates the harness's
 * closed-model generator with wrk (Debian's `wrk`, where installed: `provision --wrk`) on the same connections and
 * paths, and prints each round's ratio of 2xx req/s; then it ramps the open-model generator on `no-consul` until it
 * misses its schedule twice in a row. Writes `ceiling.json` (every run, the machine and versions) and `ceiling.md` to
 * `--out`. See {@link ../bench/generator-ceiling.ts} for what is measured.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { type Command, Option } from 'commander';
import { markdownTable } from 'markdown-table';
import { ceilingSummary, ceilingTableRows } from '../bench/ceiling-report.ts';
import {
  type CeilingTarget,
  measureClosedRounds,
  measureOpenRamp,
  type OpenCeiling,
  type RowCeiling,
  wrkVersion,
} from '../bench/generator-ceiling.ts';
import { createScopedToken, deleteScopedToken } from '../consul/consul-acl.ts';
import { deleteKeys, seedKeys } from '../consul/consul-admin.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { runLoad } from '../load/load-runner.ts';
import { describeEnvironment } from '../report/environment.ts';
import { int } from '../report/format.ts';
import { rowSpecs } from '../run/row-specs.ts';
import { startTarget } from '../run/row-target.ts';
import type { RunEmitter } from '../run/run-events.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { scenarioKeys, scenarioPrefix, scenarioValues } from '../scenario/scenario-keys.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import { startConfigService } from '../service/service-process.ts';
import { withConsul } from '../session/session.ts';
import { arrivalRate, clientList, positiveInt, seconds, userCwd } from './cli-options.ts';

/** Options of `ceiling`. */
export interface CeilingFlags {
  /** The scenario whose rows are measured (their targets, keys and connections). Default `articles`. */
  scenario: string;
  /** Rows to measure. Default: the scenario's. */
  clients?: string[];
  /** Closed-model connections of both tools. Default: the scenario's (articles: 500). */
  connections?: number;
  /** Seconds per run. Default 10. */
  duration: number;
  /** Seconds of the harness's load on a row's fresh target before its rounds, discarded. Default 2. */
  warmup: number;
  /** Closed-model rounds per row (the harness and wrk each once a round). Default 3. */
  rounds: number;
  /** wrk's executable. Default `wrk` on PATH. */
  wrk: string;
  /** wrk's threads. Default 1. */
  wrkThreads: number;
  /** First rate of the open ramp, req/s. Default 2 000. */
  openStartRate: number;
  /** Highest rate of the open ramp, req/s. Default 100 000. */
  openMaxRate: number;
  /** Open generator's in-flight cap. Default 1 000. */
  maxInFlight: number;
  /** Run the open ramp (`--no-open` leaves it out). Default true. */
  open: boolean;
  consul: ConsulBackendChoice;
  /** Output directory. Default `reports/ceiling`. */
  out: string;
}

/**
 * Runs `ceiling`: per row of the scenario, its target started as a run starts it (keys seeded, the row's client and
 * options, an ACL token where Consul enforces them), warmed, then the rounds; then the open ramp on `no-consul`.
 * What was measured is written after every row.
 * @returns 0, or 130/143 when interrupted (what was measured is still written).
 * @throws {BenchError} `USAGE` for an unknown scenario or row; `LOAD_FAILED` when wrk fails; `SERVICE_FAILED`
 *   when a service does not start.
 */
export async function ceilingCommand(flags: CeilingFlags, argv: readonly string[]): Promise<number> {
  const out = path.resolve(userCwd(), flags.out);
  const scenario = applyOverrides(loadScenario(flags.scenario), flags.clients ? { clients: flags.clients } : {});
  const command = `consul-kv-bench ${argv.join(' ')}`;
  const createdAt = new Date().toISOString();
  return withConsul(
    { backend: flags.consul, httpMaxConnsPerClient: scenario.consul.httpMaxConnsPerClient },
    async ({ consul, teardown, signal, progress, signalled }) => {
      const env = describeEnvironment(consul);
      const version = await wrkVersion(flags.wrk);
      const wrk = version === null ? null : flags.wrk;
      const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} CPUs, Node ${process.version}, undici ${env.tools.undici}, ${version ?? 'no wrk'}`;
      const rows: RowCeiling[] = [];
      let open: OpenCeiling = { open: [], openCeilingRps: null };
      const rampRun = flags.open;
      await mkdir(out, { recursive: true });
      const write = async () => {
        await writeFile(
          path.join(out, 'ceiling.json'),
          `${JSON.stringify({ createdAt, finishedAt: new Date().toISOString(), command, environment: env, scenario: scenario.name, durationS: flags.duration, wrk: version, wrkThreads: flags.wrkThreads, rows, ...open }, null, 2)}\n`,
        );
        const head = ['row', 'model', 'generator', 'RPS (2xx)', 'p99 ms', 'note'];
        const md = [
          '# Load generator ceiling',
          '',
          `- **Command**: \`${command}\``,
          `- **Machine**: ${machine}`,
          `- **Targets**: each row's target as \`${scenario.name}\` starts it (${scenario.keys.count} keys cycled, ${flags.duration} s a run after a ${flags.warmup} s warm-up); the open ramp on no-consul`,
          '',
          markdownTable([head, ...ceilingTableRows(rows, open, flags.wrkThreads)]),
          '',
          ...ceilingSummary(rows, open, rampRun).map((l) => `- ${l}`),
          '',
        ].join('\n');
        await writeFile(path.join(out, 'ceiling.md'), md);
      };
      const prefix = scenarioPrefix(scenario, `ceiling-${process.pid}`);
      const keys = scenarioKeys(scenario);
      await seedKeys(consul, scenarioValues(scenario, prefix, keys, 0));
      teardown.defer(`keys under ${prefix}`, () => deleteKeys(consul, prefix, true).catch(() => {}));
      let clientToken = consul.token;
      if (consul.acl) {
        const scoped = await createScopedToken(consul, prefix, scenario.name);
        clientToken = scoped.secretId;
        teardown.defer(`ACL token for ${prefix}`, () => deleteScopedToken(consul, scoped));
      }
      const events: RunEmitter = new EventEmitter();
      events.on('notice', (line: string) => progress(line));
      for (const spec of rowSpecs(scenario)) {
        if (signal.aborted) break;
        const target = await startTarget({
          scenario,
          spec,
          prefix,
          keys,
          consul,
          consulUrl: consul.httpUrl,
          clientToken,
          launch: undefined,
          nodeOptions: [],
          env: { events, teardown, signal },
        });
        try {
          const t: CeilingTarget = {
            row: spec.name,
            url: target.url,
            paths: target.paths,
            ...(target.headers ? { headers: target.headers } : {}),
            connections: flags.connections ?? target.connections,
          };
          progress(
            `${spec.name}: ${flags.warmup} s warm-up, then ${flags.rounds} rounds of ${flags.duration} s (the harness's generator and ${wrk ? 'wrk' : 'no wrk'} alternating) at ${t.connections} connections`,
          );
          if (flags.warmup > 0) await runLoad({ ...t, durationS: flags.warmup, timeoutS: 10, signal });
          rows.push(
            await measureClosedRounds(t, {
              durationS: flags.duration,
              rounds: flags.rounds,
              wrk,
              wrkThreads: flags.wrkThreads,
              signal,
              onRun: progress,
            }),
          );
        } finally {
          await target.stop();
        }
        await write();
      }
      if (rampRun && !signal.aborted) {
        const service = await startConfigService({
          client: 'no-consul',
          clientOptions: { consulUrl: consul.httpUrl, prefix, valueBytes: scenario.keys.valueBytes },
        });
        teardown.defer('config service (no-consul)', () => service.stop());
        progress(`the open ramp on no-consul from ${int(flags.openStartRate)} req/s`);
        open = await measureOpenRamp({
          url: service.url,
          path: `/config/${keys[0]}`,
          durationS: flags.duration,
          openStartRate: flags.openStartRate,
          openMaxRate: flags.openMaxRate,
          maxInFlight: flags.maxInFlight,
          signal,
          onRun: progress,
        });
        await service.stop();
      }
      await write();
      const table = new Table({ head: ['row', 'model', 'generator', 'RPS (2xx)', 'p99 ms', 'note'] });
      table.push(...ceilingTableRows(rows, open, flags.wrkThreads));
      process.stdout.write(
        `${table.toString()}\n${ceilingSummary(rows, open, rampRun).join('\n')}\nceiling: ${path.join(out, 'ceiling.json')}\n`,
      );
      const sig = signalled();
      return sig ? (sig === 'SIGINT' ? 130 : 143) : 0;
    },
  );
}

/** Adds `ceiling` to the program. */
export function registerCeiling(program: Command): void {
  program
    .command('ceiling')
    .description(
      "benchmark the harness's load generators on each row's target: the closed-model generator beside wrk (closed model, alternating, ratio of 2xx req/s), and the open generator's highest kept rate on no-consul",
    )
    .option('--scenario <name>', 'the scenario whose rows (targets, keys, connections) are measured', 'articles')
    .option('--clients <list>', "comma-separated rows (default: the scenario's)", clientList)
    .option(
      '--connections <n>',
      "closed-model connections of both tools (default: the scenario's)",
      positiveInt('--connections'),
    )
    .option('--duration <duration>', 'time per run: 10, 10s, 1m', seconds('--duration', 1), 10)
    .option(
      '--warmup <duration>',
      "time of load (2, 2s, 500ms) on a row's fresh target before its rounds, discarded",
      seconds('--warmup', 0),
      2,
    )
    .option(
      '--rounds <n>',
      'closed-model rounds (each tool once a round, order swapped every round)',
      positiveInt('--rounds'),
      3,
    )
    .option(
      '--wrk <path>',
      "wrk's executable (default: WRK_BIN, else wrk on PATH; provision --wrk installs Debian's); left out when not found",
      process.env.WRK_BIN ?? 'wrk',
    )
    .option(
      '--wrk-threads <n>',
      "wrk's threads (the harness's generator runs on one event loop)",
      positiveInt('--wrk-threads'),
      1,
    )
    .option(
      '--open-start-rate <rps>',
      'first rate of the open ramp (×1.5 a step)',
      arrivalRate('--open-start-rate'),
      2000,
    )
    .option('--open-max-rate <rps>', 'highest rate of the open ramp', arrivalRate('--open-max-rate'), 100_000)
    .option('--no-open', 'leave the open ramp out')
    .option('--max-in-flight <n>', "the open generator's in-flight cap", positiveInt('--max-in-flight'), 1000)
    .option('--out <dir>', 'output directory (ceiling.json, ceiling.md)', 'reports/ceiling')
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from (see run --help)')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .action(async (flags: CeilingFlags) => {
      process.exitCode = await ceilingCommand(flags, process.argv.slice(2));
    });
}
