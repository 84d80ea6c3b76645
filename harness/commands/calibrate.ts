/**
 * `consul-kv-bench calibrate`: measures the gate's false-alarm rate and power on this machine. It runs `light
 * --quick` with three rows, `pooled`, `pooled-twin` (the same client again) and `pooled-slowed` (the same client
 * doing `--slowdown` × more CPU work per read: a busy loop of that share of the service's CPU time per request,
 * measured in a pilot run first), `--runs` rounds interleaved; then gates every choice of half the rounds
 * (`harness/gate/calibration.ts`) and prints the share of pooled-vs-twin gates that failed (false alarms; goal ≤ 5%)
 * and of pooled-vs-slowed gates that failed (power; goal ≥ 95%). `--from` recomputes from a report it wrote.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { fmt } from '../compare/compare-reports.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { usageError } from '../errors.ts';
import { loadBudgets } from '../gate/budgets.ts';
import { type Calibration, calibrateGate } from '../gate/calibration.ts';
import { INIT_FILES } from '../init/templates.ts';
import { readReport } from '../report/read-report.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import { parseScenario } from '../scenario/scenario-schema.ts';
import { seconds as durationSeconds, userCwd } from './cli-options.ts';
import { measureScenarios } from './run.ts';

/** Options of `calibrate`. */
export interface CalibrateFlags {
  /** A report.json `calibrate` wrote: recompute without running. */
  from?: string;
  /** Runs per row, even, ≥ 12. Default 12. */
  runs: number;
  /** Runs a side per gate (at most half the rounds). Default 6, as the CI example measures. */
  perGate: number;
  /** The known slowdown of the second row: added CPU work per read, as a share of pooled's. Default 0.2 (+20%). */
  slowdown: number;
  /** Measured seconds per run. Default: light's quick window (2 s). Longer windows average out short noise. */
  duration?: number;
  /**
   * Budgets file whose `alpha` and `minEffect` the gate uses. Default: the one `init` writes
   * (`consul-kv-bench/budgets.yml`), else `.github/consul-kv-bench-budgets.yml` (this repository's).
   */
  budgets?: string;
  consul: ConsulBackendChoice;
  /** Output directory. Default `reports/calibration`. */
  out: string;
}

const SCENARIO = 'light';

/** What each path's thresholds are, for the table. */
const PATH_TEXT: Record<string, string> = {
  'both-broken': 'budgets both sides break: the regression rule',
  'at-median': "budgets at pooled's median: held-then-broken",
};

/** Whether a calibration meets the goals on every path: false alarms ≤ 5%, power ≥ 95%. */
export function meetsGoals(c: Calibration): boolean {
  const paths = c.paths ?? [{ anyMetric: c.anyMetric }];
  return paths.every((p) => p.anyMetric.falseAlarmRate <= 0.05 && p.anyMetric.power >= 0.95);
}

/** The calibration as a table, one block of lines per gate path, with the goals. */
export function calibrationTable(c: Calibration): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const table = new Table({
    head: [
      'path',
      'budget',
      'median: pooled → pooled-slowed',
      'A/A gates failed (false alarms)',
      'A/B gates failed (power)',
    ],
    style: { head: [], border: [] },
  });
  for (const p of c.paths ?? []) {
    for (const [i, m] of p.metrics.entries()) {
      const change = `${m.change >= 0 ? '+' : ''}${pct(m.change)}`;
      table.push([
        i === 0 ? (PATH_TEXT[p.path] ?? p.path) : '',
        p.budgets[i] ?? m.metric,
        `${fmt(m.plainMedian)} → ${fmt(m.slowedMedian)} (${change})`,
        `${m.falseAlarms} of ${m.splits} (${pct(m.falseAlarmRate)})`,
        `${m.caught} of ${m.splits} (${pct(m.power)})`,
      ]);
    }
    table.push(['', 'any of them', '', pct(p.anyMetric.falseAlarmRate), pct(p.anyMetric.power)]);
    const ind = p.independent;
    table.push([
      '',
      'disjoint gates',
      `${ind.experiments} independent (no round in two)`,
      `${ind.falseAlarms} of ${ind.experiments} (95% upper bound ${pct(ind.falseAlarmUpper95)})`,
      `${ind.caught} of ${ind.experiments}`,
    ]);
  }
  if (c.unpairedAnyMetric)
    table.push([
      PATH_TEXT['both-broken'] ?? '',
      'any, unpaired',
      'the same runs without start times (Mann–Whitney U)',
      pct(c.unpairedAnyMetric.falseAlarmRate),
      pct(c.unpairedAnyMetric.power),
    ]);
  const test = c.paired ? 'runs paired by round (Wilcoxon signed-rank)' : 'runs pooled (Mann–Whitney U)';
  return `${table.toString()}\n${c.runs} rounds; every choice of ${c.half} of them gated as ${c.half} + ${c.half} runs (a seeded sample of 5 000 when there are more; these overlap, so they are not independent experiments: the disjoint gates are), ${test}; alpha ${c.alpha}, minEffect ${(c.minEffect * 100).toFixed(0)}%. Goals on every path: false alarms ≤ 5%, power ≥ 95%.`;
}

/** Where `calibrate` looks for budgets when `--budgets` is not given, in order (relative to the current directory). */
const BUDGETS_DEFAULTS = [INIT_FILES.budgets, '.github/consul-kv-bench-budgets.yml'] as const;

/**
 * The first of {@link BUDGETS_DEFAULTS} that exists under `cwd`.
 * @throws {BenchError} `USAGE` when none does.
 */
function defaultBudgets(cwd: string): string {
  const found = BUDGETS_DEFAULTS.find((f) => existsSync(path.resolve(cwd, f)));
  if (!found) {
    throw usageError(
      `calibrate: no budgets file (${BUDGETS_DEFAULTS.join(' or ')}): run init, or pass --budgets <file>`,
    );
  }
  return found;
}

/**
 * Runs `calibrate`.
 * @returns 0 when both goals are met, 1 when one is not (the figures are printed either way), 130/143 interrupted.
 */
export async function calibrateCommand(flags: CalibrateFlags): Promise<number> {
  const cwd = userCwd();
  const out = path.resolve(cwd, flags.out);
  const budgetsFile = flags.budgets ?? defaultBudgets(cwd);
  const budgets = await loadBudgets(budgetsFile, path.resolve(cwd, budgetsFile));
  let reportFile = flags.from ? path.resolve(cwd, flags.from) : path.join(out, 'report.json');
  if (!flags.from) {
    const base = applyOverrides(loadScenario(SCENARIO), {
      quick: true,
      clients: ['pooled'],
      ...(flags.duration !== undefined ? { durationS: flags.duration } : {}),
    });
    const pilotCode = await measureScenarios(
      [base],
      { ...flags, out: path.join(out, 'pilot'), clientModules: [], repeat: 1 },
      ['calibrate', '(pilot)'],
    );
    if (pilotCode !== 0) return pilotCode;
    const pilot = await readReport('pilot', path.join(out, 'pilot', 'report.json'));
    const cpuUs = pilot.scenarios[0]?.results[0]?.service?.cpuUsPerRequest ?? 0;
    const addedWorkUs = Math.max(1, Math.round(flags.slowdown * cpuUs));
    process.stderr.write(
      `pilot: pooled costs the service ${cpuUs.toFixed(1)} µs of CPU a request; pooled-slowed adds ${addedWorkUs} µs of work to every read\n`,
    );
    const scenario = parseScenario({
      ...base,
      clients: [
        'pooled',
        { client: 'pooled', name: 'pooled-twin' },
        { client: 'pooled', name: 'pooled-slowed', options: { addedWorkUs } },
      ],
    });
    const code = await measureScenarios(
      [scenario],
      { ...flags, clientModules: [], repeat: flags.runs },
      process.argv.slice(2),
    );
    if (code !== 0) return code;
    reportFile = path.join(out, 'report.json');
  }
  const report = await readReport(reportFile, reportFile);
  const calibration = calibrateGate(
    report,
    SCENARIO,
    { plain: 'pooled', twin: 'pooled-twin', slowed: 'pooled-slowed' },
    budgets,
    { perGate: flags.perGate },
  );
  await writeFile(path.join(path.dirname(reportFile), 'calibration.json'), `${JSON.stringify(calibration, null, 2)}\n`);
  process.stdout.write(
    `${calibrationTable(calibration)}\ncalibration: ${path.join(path.dirname(reportFile), 'calibration.json')}\n`,
  );
  return meetsGoals(calibration) ? 0 : 1;
}

const evenRuns = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 12 || n > 240 || n % 2 !== 0) {
    throw new InvalidArgumentError(`--runs takes an even whole number from 12 to 240 (got ${JSON.stringify(value)})`);
  }
  return n;
};
const perGate = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 6 || n > 120)
    throw new InvalidArgumentError(
      `--per-gate takes a whole number from 6 (the gate's least runs a side) to 120 (got ${JSON.stringify(value)})`,
    );
  return n;
};
const share = (value: string): number => {
  const n = Number(value);
  if (!(n > 0 && n <= 5))
    throw new InvalidArgumentError(
      `--slowdown takes a share above 0 and at most 5, e.g. 0.2 for +20% (got ${JSON.stringify(value)})`,
    );
  return n;
};

/** `--duration`: a duration from 1 s to 10 min (`2`, `2s`, `1m`). */
const seconds = (value: string): number => {
  const n = durationSeconds('--duration', 1)(value);
  if (n > 600)
    throw new InvalidArgumentError(`--duration takes a duration from 1 s to 10 min (got ${JSON.stringify(value)})`);
  return n;
};

/** Adds `calibrate` to the program. */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description(
      "measure the gate's false-alarm rate and power on this machine: light --quick, pooled, pooled again and pooled slowed by a known amount, interleaved; every choice of --per-gate rounds gated as base and head, on every gate path",
    )
    .option(
      '--runs <n>',
      'rounds (runs per row), even, 12–240; the disjoint gates, the independent experiments, are runs ÷ --per-gate',
      evenRuns,
      12,
    )
    .option(
      '--per-gate <n>',
      'runs a side per gate, as your pull-request job measures them (at most half the rounds)',
      perGate,
      6,
    )
    .option(
      '--slowdown <share>',
      "the known slowdown of pooled-slowed, as a share of pooled's p50 (0.2 = +20%)",
      share,
      0.2,
    )
    .option(
      '--budgets <file>',
      `budgets file whose alpha and minEffect the gate uses (default: ${BUDGETS_DEFAULTS.join(', else ')})`,
    )
    .option(
      '--duration <duration>',
      "measured time per run, 2, 2s, 10s (default: light's quick window, 2 s); longer windows average out short noise",
      seconds,
    )
    .option('--from <report>', 'a report.json calibrate wrote: recompute without running')
    .option('--out <dir>', 'output directory (report.json, calibration.json)', 'reports/calibration')
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from (see run --help)')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .action(async (flags: CalibrateFlags) => {
      process.exitCode = await calibrateCommand(flags);
    });
}
