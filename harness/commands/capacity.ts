/**
 * `consul-kv-bench capacity <scenario> --slo "p99<50ms,errors<0.1%"`: per row, the highest open-model arrival rate
 * that holds the SLO as an interval (`harness/capacity/capacity-search.ts`: ×2 ramp, then binary search, rates near
 * the knee judged on repeats), with every step as evidence; rows whose intervals overlap are not ranked. Each step
 * is one open-model run of the row at that rate (a fresh service, a warm-up, `--step` seconds measured) on one
 * Consul shared by the whole search. The rows' searches take turns, one step each in a fixed order, so a drift of
 * the machine over the search's hours falls on every row alike (two back-to-back runs of `articles` had three of
 * eleven rows' intervals apart when each row was searched to its end before the next began). Writes
 * `capacity.json` (the verdicts and every step's raw row) and `capacity.md`.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import pLimit from 'p-limit';
import { intervalText, overlapping, ratesText } from '../capacity/capacity-report.ts';
import {
  type CapacityResult,
  parseSlo,
  type SloTerm,
  type StepMeasure,
  searchCapacity,
} from '../capacity/capacity-search.ts';
import { defaultStepS, tolerablePauseMs } from '../capacity/step-length.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { BenchError, usageError } from '../errors.ts';
import { describeEnvironment } from '../report/environment.ts';
import { int } from '../report/format.ts';
import type { Environment, ResultRow } from '../report/report-schema.ts';
import { BenchRun } from '../run/bench-run.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import { rowName, type Scenario } from '../scenario/scenario-schema.ts';
import { scenarioConsuls, withConsul } from '../session/session.ts';
import { arrivalRate, clientList, positiveInt, seconds, userCwd } from './cli-options.ts';

/** Options of `capacity`. */
export interface CapacityFlags {
  /** The SLO, e.g. `p99<50ms,errors<0.1%` (required). */
  slo: SloTerm[];
  clients?: string[];
  /** First rate, req/s. Default 100. */
  startRate: number;
  /** Highest rate tried, req/s. Default 20 000. */
  maxRate: number;
  /** Stop when the last held and first broken rates are within this share. Default 0.1. */
  resolution: number;
  /** Measured seconds per step. Default: from the SLO ({@link defaultStepS}; 15 s for `p99<50ms`). */
  step?: number;
  /** Warm-up seconds per step, discarded. Default 1. */
  warmup: number;
  /** Most steps per row, re-runs included. Default 40. */
  maxSteps: number;
  /** Repeats a rate near the knee is judged on. Default 3. */
  repeat: number;
  maxInFlight?: number;
  workers?: number;
  consul: ConsulBackendChoice;
  /** Output directory. Default `reports/capacity`. */
  out: string;
}

/** One row's search, with the raw row of every step. */
export interface RowCapacity extends CapacityResult {
  readonly row: string;
  readonly raw: ResultRow[];
}

/** The step's figures the SLO reads, from its raw row (corrected latency; errors over requests scheduled). */
function stepMeasure(row: ResultRow): StepMeasure {
  const ms = (us: number) => us / 1000;
  const scheduled = Math.max(1, row.open?.scheduled ?? row.requests);
  return {
    latencyMs: {
      p50: ms(row.latencyUs.p50),
      p90: ms(row.latencyUs.p90),
      p99: ms(row.latencyUs.p99),
      'p99.9': ms(row.latencyUs.p999),
      max: ms(row.latencyUs.max),
    },
    errorShare: Math.min(1, row.errors.total / scheduled),
    achievedRps: row.open?.achievedRps ?? row.rps,
    generatorBehind: row.open?.behind ?? false,
    machineBound: row.flags.includes('machine-bound'),
    samples: row.latencyUs.count ?? row.requests,
    ...(row.open
      ? {
          uncorrectedLatencyMs: {
            p50: ms(row.open.uncorrectedLatencyUs.p50),
            p90: ms(row.open.uncorrectedLatencyUs.p90),
            p99: ms(row.open.uncorrectedLatencyUs.p99),
            'p99.9': ms(row.open.uncorrectedLatencyUs.p999),
            max: ms(row.open.uncorrectedLatencyUs.max),
          },
        }
      : {}),
  };
}

/**
 * One sentence on the step length and the single pause it tolerates per latency term (see `step-length.ts`), e.g.
 * `Steps of 15 s measured after 1 s of warm-up: one pause longer than 200 ms breaks p99<50ms on its own.`
 */
export function stepLengthText(stepS: number, warmupS: number, slo: readonly SloTerm[]): string {
  const terms = slo.flatMap((t) => {
    const ms = tolerablePauseMs(t, stepS);
    return ms === undefined ? [] : [`${int(ms)} ms breaks ${t.text}`];
  });
  return `Steps of ${stepS} s measured after ${warmupS} s of warm-up${terms.length > 0 ? `: one pause longer than ${terms.join(', one longer than ')} on its own (latency counts from the intended send time)` : ''}.`;
}

/**
 * The progress line that says how the rows share the search: in turns, one step each (e.g. `11 rows take turns,
 * one step at a time: …`); `undefined` for one row (nothing to say).
 */
export function interleaveNote(rows: number): string | undefined {
  return rows > 1
    ? `${rows} rows take turns, one step at a time: a drift of the machine during the search falls on every row alike`
    : undefined;
}

/** The verdict table: one line per row. */
export function capacityTable(results: readonly RowCapacity[], slo: readonly SloTerm[]): string {
  const table = new Table({
    head: [
      'row',
      'held–broken req/s',
      'mixed req/s',
      'unmeasured req/s',
      'repeats',
      'stopped by',
      'steps',
      'not ranked against',
    ],
    style: { head: [], border: [] },
  });
  for (const r of results) {
    const counted = r.steps.filter((s) => s.counted !== false).length;
    table.push([
      r.row,
      intervalText(r),
      ratesText(r, 'mixed'),
      ratesText(r, 'unmeasured'),
      r.repeats ?? 1,
      r.stoppedBy,
      counted === r.steps.length ? r.steps.length : `${r.steps.length} (${r.steps.length - counted} re-run)`,
      overlapping(r, results).join(', ') || '–',
    ]);
  }
  return `${table.toString()}
SLO: ${slo.map((t) => t.text).join(', ')} (open model; latency from the intended send time). held: the highest rate that held the SLO in every repeat; broken: the lowest that broke it in most; mixed: neither; unmeasured: the machine or the generator set the pace in every re-run. Rows whose intervals overlap are not ranked against each other.`;
}

/** The evidence of one row, as markdown. */
function stepsMarkdown(r: RowCapacity): string {
  const lines = [
    `### ${r.row}`,
    '',
    `Interval ${intervalText(r)} req/s; rates judged: ${r.rates.map((v) => `${int(v.rate)} ${v.verdict} (${v.held} held, ${v.broken} broken)`).join('; ')}.`,
    '',
    '| step | rate req/s | repeat | achieved req/s | answers | p50 ms | p99 ms | errors | holds | broken |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|',
  ];
  for (const [i, s] of r.steps.entries()) {
    const flag = s.machineBound
      ? ' machine-bound: re-run'
      : s.generatorBehind
        ? s.brokenByTarget
          ? ' generator behind (the target broke it on service time too)'
          : ' generator behind: re-run'
        : '';
    lines.push(
      `| ${i + 1} ${s.phase} | ${int(s.rate)} | ${s.repeat ?? 1}${s.counted === false ? ' (not counted)' : ''} | ${int(s.achievedRps)} | ${s.samples === undefined ? '–' : int(s.samples)} | ${s.latencyMs.p50.toFixed(2)} | ${s.latencyMs.p99.toFixed(2)} | ${(s.errorShare * 100).toFixed(2)}% | ${s.holds ? '✓' : '✗'} | ${s.broken.join('; ')}${flag} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Runs `capacity`.
 * @returns 0 when every row was searched, 1 when a row failed, 130/143 interrupted.
 * @throws {BenchError} `USAGE` for a scenario with phases (capacity is a steady-load question).
 */
export async function capacityCommand(scenarioName: string, flags: CapacityFlags, argv: string[]): Promise<number> {
  const base = loadScenario(scenarioName);
  if (base.phases)
    throw usageError(
      `capacity measures steady load; ${base.name} has phases (a fault or restart): use articles or light`,
    );
  const stepS = flags.step ?? defaultStepS(flags.slo);
  const scenario = applyOverrides(base, {
    ...(flags.clients ? { clients: flags.clients } : {}),
    rate: flags.startRate,
    durationS: stepS,
    warmupS: flags.warmup,
    ...(flags.maxInFlight !== undefined ? { maxInFlight: flags.maxInFlight } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
  });
  const out = path.resolve(userCwd(), flags.out);
  await mkdir(out, { recursive: true });
  const results: RowCapacity[] = [];
  const createdAt = new Date().toISOString();
  let environment: Environment | undefined;
  // one write at a time: the rows' searches end at different times and each writes what is known
  let writing: Promise<string> = Promise.resolve('');
  const write = (): Promise<string> => {
    writing = writing.catch(() => '').then(writeNow);
    return writing;
  };
  const writeNow = async () => {
    const json = path.join(out, 'capacity.json');
    await writeFile(
      json,
      `${JSON.stringify({ command: ['consul-kv-bench', ...argv].join(' '), createdAt, finishedAt: new Date().toISOString(), ...(environment ? { environment } : {}), slo: flags.slo, stepS, warmupS: flags.warmup, scenario: scenario.name, results }, null, 2)}\n`,
    );
    await writeFile(
      path.join(out, 'capacity.md'),
      [
        `# Capacity at an SLO: ${scenario.name}`,
        '',
        `\`consul-kv-bench ${argv.join(' ')}\``,
        '',
        '```',
        capacityTable(results, flags.slo),
        '```',
        '',
        stepLengthText(stepS, flags.warmup, flags.slo),
        '',
        ...results.map(stepsMarkdown),
        '',
      ].join('\n'),
    );
    return json;
  };
  let failures = 0;
  return withConsul(
    { backend: flags.consul, httpMaxConnsPerClient: scenario.consul.httpMaxConnsPerClient },
    async ({ consul, teardown, signal, progress, signalled }) => {
      environment = describeEnvironment(consul);
      progress(stepLengthText(stepS, flags.warmup, flags.slo));
      const rows = scenario.clients.map(rowName);
      // The rows take turns, one step at a time (a FIFO of one): a drift of the machine over the hours of a search
      // falls on every row alike instead of on whichever rows were searched then (see interleaveNote).
      const turn = pLimit(1);
      const byRow = new Map<string, RowCapacity>();
      const searchRow = async (row: string): Promise<void> => {
        const raw: ResultRow[] = [];
        progress(`${row}: searching for the highest rate that holds ${flags.slo.map((t) => t.text).join(', ')}`);
        const probe = (rate: number) =>
          turn(async () => {
            if (signal.aborted) throw new BenchError('SERVICE_FAILED', `${row} at ${rate} req/s: interrupted`);
            const step: Scenario = applyOverrides(scenario, { clients: [row], rate });
            const run = new BenchRun({
              consul,
              scenarios: [step],
              command: ['consul-kv-bench', ...argv].join(' '),
              teardown,
              signal,
              ...scenarioConsuls(consul, progress, signal),
            });
            const report = await run.run();
            const measured = report.scenarios[0]?.results[0];
            if (!measured) {
              const why = report.failures[0]?.message ?? (signal.aborted ? 'interrupted' : 'no result');
              throw new BenchError('SERVICE_FAILED', `${row} at ${rate} req/s: ${why}`);
            }
            raw.push(measured);
            return stepMeasure(measured);
          });
        try {
          const r = await searchCapacity(probe, flags.slo, {
            startRate: flags.startRate,
            maxRate: flags.maxRate,
            resolution: flags.resolution,
            maxSteps: flags.maxSteps,
            repeats: flags.repeat,
            onStep: (s) =>
              progress(
                `  ${row} ${s.phase} ${int(s.rate)} req/s #${s.repeat}: p99 ${s.latencyMs.p99.toFixed(1)} ms, errors ${(s.errorShare * 100).toFixed(2)}%, ${s.holds ? 'holds' : `broken (${s.broken.join('; ') || 'generator behind'})`}${s.counted ? '' : ', re-run (the machine or the generator set the pace)'}`,
              ),
          });
          byRow.set(row, { row, ...r, raw });
          results.splice(0, results.length, ...rows.flatMap((x) => byRow.get(x) ?? []));
          progress(
            `${row}: ${intervalText(r)} req/s (held in every repeat – broken in most; stopped by ${r.stoppedBy})`,
          );
        } catch (err) {
          if (signal.aborted) return;
          failures++;
          progress(`${row}: failed: ${(err as Error).message}`);
        }
        await write();
      };
      const note = interleaveNote(rows.length);
      if (note) progress(note);
      await Promise.all(rows.map(searchRow));
      const json = await write();
      process.stdout.write(`${capacityTable(results, flags.slo)}\ncapacity: ${json}\n`);
      const sig = signalled();
      if (sig) return sig === 'SIGINT' ? 130 : 143;
      return failures > 0 ? 1 : 0;
    },
    async () => {
      await write().catch(() => {});
    },
  );
}

const share = (value: string) => {
  const n = Number(value);
  if (!(n > 0 && n < 1))
    throw new InvalidArgumentError(
      `--resolution takes a share between 0 and 1, e.g. 0.1 (got ${JSON.stringify(value)})`,
    );
  return n;
};
const slo = (value: string): SloTerm[] => {
  try {
    return parseSlo(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--slo /, ''));
  }
};

/** Adds `capacity` to the program. */
export function registerCapacity(program: Command): void {
  program
    .command('capacity')
    .description(
      'per row, the highest open-model arrival rate that holds an SLO, as an interval judged on repeats (×2 ramp, then binary search), with every step as evidence',
    )
    .argument('<scenario>', 'a steady-load scenario, e.g. articles or light')
    .requiredOption(
      '--slo <terms>',
      'the objective, e.g. "p99<50ms,errors<0.1%" (p50, p90, p99, p99.9, max; errors in %)',
      slo,
    )
    .option('--clients <list>', "comma-separated rows (default: the scenario's)", clientList)
    .option('--start-rate <rps>', 'first rate, req/s', arrivalRate('--start-rate'), 100)
    .option('--max-rate <rps>', 'highest rate tried, req/s', arrivalRate('--max-rate'), 20_000)
    .option('--resolution <share>', 'stop when the last held and first broken rates are within this share', share, 0.1)
    .option(
      '--step <duration>',
      'measured time per step, 15, 15s, 1m (default: long enough that one pause of 4× the SLO threshold cannot break its percentile alone, 5–30 s; 15 for p99<50ms)',
      seconds('--step', 1),
    )
    .option('--warmup <duration>', 'warm-up time per step, discarded (1, 1s, 500ms)', seconds('--warmup', 0), 1)
    .option('--max-steps <n>', 'most steps per row, re-runs included', positiveInt('--max-steps'), 40)
    .option(
      '--repeat <n>',
      'repeats a rate near the knee is judged on: held in every one, or broken in most',
      positiveInt('--repeat'),
      3,
    )
    .option('--max-in-flight <n>', 'cap on requests in flight (default 1000)', positiveInt('--max-in-flight'))
    .option('--workers <n>', 'generator worker threads (default 1)', positiveInt('--workers'))
    .option('--out <dir>', 'output directory (capacity.json, capacity.md)', 'reports/capacity')
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from (see run --help)')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .action(async (scenario: string, flags: CapacityFlags) => {
      process.exitCode = await capacityCommand(scenario, flags, process.argv.slice(2));
    });
}
