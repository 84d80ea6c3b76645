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
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { fmt } from '../compare/compare-reports.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { loadBudgets } from '../gate/budgets.ts';
import { type Calibration, calibrateGate } from '../gate/calibration.ts';
import { readReport } from '../report/read-report.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import { parseScenario } from '../scenario/scenario-schema.ts';
import { userCwd } from './cli-options.ts';
import { measureScenarios } from './run.ts';

/** Options of `calibrate`. */
export interface CalibrateFlags {
  /** A report.json `calibrate` wrote: recompute without running. */
  from?: string;
  /** Runs per row, even, ≥ 12. Default 12. */
  runs: number;
  /** The known slowdown of the second row: added CPU work per read, as a share of pooled's. Default 0.2 (+20%). */
  slowdown: number;
  /** Measured seconds per run. Default: light's quick window (2 s). Longer windows average out short noise. */
  duration?: number;
  /** Budgets file whose `alpha` and `minEffect` the gate uses. Default: .github/consul-kv-bench-budgets.yml. */
  budgets: string;
  consul: ConsulBackendChoice;
  /** Output directory. Default `reports/calibration`. */
  out: string;
}

const SCENARIO = 'light';

/** The calibration as a table, with the goals. */
export function calibrationTable(c: Calibration): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const table = new Table({
    head: ['budget', 'median: pooled → pooled-slowed', 'A/A gates failed (false alarms)', 'A/B gates failed (power)'],
    style: { head: [], border: [] },
  });
  for (const m of c.metrics) {
    const change = `${m.change >= 0 ? '+' : ''}${pct(m.change)}`;
    table.push([
      m.metric,
      `${fmt(m.plainMedian)} → ${fmt(m.slowedMedian)} (${change})`,
      `${m.falseAlarms} of ${m.splits} (${pct(m.falseAlarmRate)})`,
      `${m.caught} of ${m.splits} (${pct(m.power)})`,
    ]);
  }
  table.push(['any of them', '', pct(c.anyMetric.falseAlarmRate), pct(c.anyMetric.power)]);
  if (c.unpairedAnyMetric)
    table.push([
      'any, unpaired',
      'the same runs without start times (Mann–Whitney U)',
      pct(c.unpairedAnyMetric.falseAlarmRate),
      pct(c.unpairedAnyMetric.power),
    ]);
  const test = c.paired ? 'runs paired by round (Wilcoxon signed-rank)' : 'runs pooled (Mann–Whitney U)';
  return `${table.toString()}\n${c.runs} rounds; every choice of ${c.half} of them gated as ${c.half} + ${c.half} runs, ${test}; alpha ${c.alpha}, minEffect ${(c.minEffect * 100).toFixed(0)}%. Goals: false alarms ≤ 5%, power ≥ 95%.`;
}

/**
 * Runs `calibrate`.
 * @returns 0 when both goals are met, 1 when one is not (the figures are printed either way), 130/143 interrupted.
 */
export async function calibrateCommand(flags: CalibrateFlags): Promise<number> {
  const cwd = userCwd();
  const out = path.resolve(cwd, flags.out);
  const budgets = await loadBudgets(flags.budgets, path.resolve(cwd, flags.budgets));
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
  );
  await writeFile(path.join(path.dirname(reportFile), 'calibration.json'), `${JSON.stringify(calibration, null, 2)}\n`);
  process.stdout.write(
    `${calibrationTable(calibration)}\ncalibration: ${path.join(path.dirname(reportFile), 'calibration.json')}\n`,
  );
  return calibration.anyMetric.falseAlarmRate <= 0.05 && calibration.anyMetric.power >= 0.95 ? 0 : 1;
}

const evenRuns = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 12 || n > 40 || n % 2 !== 0) {
    throw new InvalidArgumentError(`--runs takes an even whole number from 12 to 40 (got ${JSON.stringify(value)})`);
  }
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

const seconds = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 600)
    throw new InvalidArgumentError(`--duration takes whole seconds from 1 to 600 (got ${JSON.stringify(value)})`);
  return n;
};

/** Adds `calibrate` to the program. */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description(
      "measure the gate's false-alarm rate and power on this machine: light --quick, pooled, pooled again and pooled slowed by a known amount, interleaved; every choice of half the rounds gated as base and head",
    )
    .option('--runs <n>', 'rounds (runs per row), even, 12–40 (every choice of half of them is gated)', evenRuns, 12)
    .option(
      '--slowdown <share>',
      "the known slowdown of pooled-slowed, as a share of pooled's p50 (0.2 = +20%)",
      share,
      0.2,
    )
    .option(
      '--budgets <file>',
      'budgets file whose alpha and minEffect the gate uses',
      '.github/consul-kv-bench-budgets.yml',
    )
    .option(
      '--duration <s>',
      "measured seconds per run (default: light's quick window, 2 s); longer windows average out short noise",
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
