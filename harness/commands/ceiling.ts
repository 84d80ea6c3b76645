/**
 * `consul-kv-bench ceiling`: a benchmark of the harness's own load generators (not a test). Against the
 * `no-consul` service it alternates autocannon (the closed model) with wrk (Debian's `wrk`, where installed) on
 * the same connections and path, and prints each round's RPS ratio; then it ramps the open-model generator until it
 * misses its schedule twice in a row. Writes `ceiling.json` (every run, the machine and versions) and `ceiling.md` to
 * `--out`. See {@link ../bench/generator-ceiling.ts} for what is measured.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { type Command, Option } from 'commander';
import { markdownTable } from 'markdown-table';
import { type CeilingResult, measureCeiling, OPEN_KEPT_SHARE } from '../bench/generator-ceiling.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { describeEnvironment } from '../report/environment.ts';
import { int } from '../report/format.ts';
import { startConfigService } from '../service/service-process.ts';
import { withConsul } from '../session/session.ts';
import { arrivalRate, positiveInt, seconds, userCwd } from './cli-options.ts';

/** Options of `ceiling`. */
export interface CeilingFlags {
  /** Closed-model connections of both tools. Default 50. */
  connections: number;
  /** Seconds per run. Default 10. */
  duration: number;
  /** Closed-model rounds (autocannon and wrk each once a round). Default 3. */
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
  consul: ConsulBackendChoice;
  /** Output directory. Default `reports/ceiling`. */
  out: string;
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (us: number) => (us / 1000).toFixed(2);

/** The closed rounds and the open ramp as rows: [kind, what, RPS, p99 ms, note]. */
function rows(r: CeilingResult): string[][] {
  const out: string[][] = [];
  r.rounds.forEach((round, i) => {
    for (const run of round.runs)
      out.push([
        `closed, round ${i + 1}`,
        run.tool === 'wrk' ? `wrk -t${r.wrkThreads} -c${r.connections}` : `autocannon -c${r.connections}`,
        int(run.rps),
        ms(run.p99Us),
        run.generatorCpuPercent === null ? '' : `harness CPU ${Math.round(run.generatorCpuPercent)}%`,
      ]);
    if (round.ratio !== null)
      out.push([`closed, round ${i + 1}`, 'autocannon / wrk', `${round.ratio.toFixed(2)}×`, '', '']);
  });
  for (const s of r.open)
    out.push([
      'open',
      `${int(s.rate)} req/s`,
      int(s.achievedRps),
      ms(s.p99Us),
      `lag p99 ${ms(s.lagP99Us)} ms, dropped ${int(s.dropped)}, worker CPU ${Math.round(s.generatorCpuPercent)}%: ${s.kept ? 'kept' : 'not kept'}`,
    ]);
  return out;
}

function summary(r: CeilingResult): string {
  const ratios = r.rounds.map((x) => x.ratio).filter((x): x is number => x !== null);
  const closed =
    ratios.length > 0
      ? `closed model: autocannon reached ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')} wrk's RPS (median ${median(ratios)!.toFixed(2)}×; goal ≥ 0.9×)`
      : "closed model: wrk not found (install Debian's wrk, or give --wrk <path>), so no ratio";
  const open =
    r.openCeilingRps === null
      ? 'open model: no rate of the ramp was kept'
      : `open model: kept its schedule up to ${int(r.openCeilingRps)} req/s (achieved ≥ ${OPEN_KEPT_SHARE * 100}%, none dropped, lag p99 < 10 ms)${
          r.open.at(-1)?.kept
            ? ', the top of the ramp'
            : `; missed at ${r.open
                .filter((s) => !s.kept)
                .map((s) => int(s.rate))
                .join(', ')}`
        }`;
  return `${closed}\n${open}`;
}

/**
 * Runs `ceiling`.
 * @returns 0, or 130/143 when interrupted (what was measured is still written).
 * @throws {BenchError} `LOAD_FAILED` when wrk fails; `SERVICE_FAILED` when the service does not start.
 */
export async function ceilingCommand(flags: CeilingFlags, argv: readonly string[]): Promise<number> {
  const out = path.resolve(userCwd(), flags.out);
  return withConsul(
    { backend: flags.consul, httpMaxConnsPerClient: 200 },
    async ({ consul, teardown, signal, progress, signalled }) => {
      const service = await startConfigService({
        client: 'no-consul',
        clientOptions: { consulUrl: consul.httpUrl, prefix: 'kvb-ceiling/', valueBytes: 1024 },
      });
      teardown.defer('config service (no-consul)', () => service.stop());
      progress(
        `no-consul service at ${service.url}; ${flags.rounds} rounds of ${flags.duration} s (autocannon and wrk alternating), then the open ramp from ${int(flags.openStartRate)} req/s`,
      );
      const result = await measureCeiling({
        url: service.url,
        path: '/config/k0',
        connections: flags.connections,
        durationS: flags.duration,
        rounds: flags.rounds,
        wrk: flags.wrk,
        wrkThreads: flags.wrkThreads,
        openStartRate: flags.openStartRate,
        openMaxRate: flags.openMaxRate,
        maxInFlight: flags.maxInFlight,
        signal,
        onRun: progress,
      });
      const env = describeEnvironment(consul);
      const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} CPUs, Node ${process.version}, autocannon ${env.tools.autocannon}, undici ${env.tools.undici}, ${result.wrk ?? 'no wrk'}`;
      await mkdir(out, { recursive: true });
      const command = `consul-kv-bench ${argv.join(' ')}`;
      await writeFile(
        path.join(out, 'ceiling.json'),
        `${JSON.stringify({ createdAt: new Date().toISOString(), command, environment: env, ...result }, null, 2)}\n`,
      );
      const head = ['model', 'generator', 'RPS', 'p99 ms', 'note'];
      const md = [
        '# Load generator ceiling',
        '',
        `- **Command**: \`${command}\``,
        `- **Machine**: ${machine}`,
        `- **Target**: the no-consul service (answers from a constant), one path, ${result.durationS} s a run`,
        '',
        markdownTable([head, ...rows(result)]),
        '',
        ...summary(result)
          .split('\n')
          .map((l) => `- ${l}`),
        '',
      ].join('\n');
      await writeFile(path.join(out, 'ceiling.md'), md);
      const table = new Table({ head });
      table.push(...rows(result));
      process.stdout.write(`${table.toString()}\n${summary(result)}\nceiling: ${path.join(out, 'ceiling.json')}\n`);
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
      "benchmark the harness's load generators against the no-consul service: autocannon beside wrk (closed model, alternating), and the open generator's highest kept rate",
    )
    .option('--connections <n>', 'closed-model connections of both tools', positiveInt('--connections'), 50)
    .option('--duration <s>', 'seconds per run', seconds('--duration', 1), 10)
    .option(
      '--rounds <n>',
      'closed-model rounds (each tool once a round, order swapped every round)',
      positiveInt('--rounds'),
      3,
    )
    .option('--wrk <path>', "wrk's executable (Debian: apt-get install wrk); left out when not found", 'wrk')
    .option('--wrk-threads <n>', "wrk's threads (autocannon runs on one event loop)", positiveInt('--wrk-threads'), 1)
    .option(
      '--open-start-rate <rps>',
      'first rate of the open ramp (×1.5 a step)',
      arrivalRate('--open-start-rate'),
      2000,
    )
    .option('--open-max-rate <rps>', 'highest rate of the open ramp', arrivalRate('--open-max-rate'), 100_000)
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
