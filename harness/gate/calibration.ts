/**
 * The gate's false-alarm rate and power, measured on real runs (Node core's benchmark docs warn that about one in
 * twenty comparisons of identical code comes out "significant" at 95%; nodejs/node#28867). From N runs of a row and N
 * runs of the same row slowed by a known amount, every split of the runs into two halves is gated as base and head:
 * - **false alarm**: base = one half of the unslowed runs, head = the other half: the gate failing is a false alarm;
 * - **power**: base = one half of the unslowed runs, head = the other half of the slowed runs: the gate failing is
 *   a regression caught.
 * The budgets are set so that base and head both break them (`p50 < 0`, …): then only the gate's regression rule
 * decides (Mann–Whitney U below `alpha`, ≥ 6 runs a side, beyond `minEffect`). Pure: reads run summaries, measures
 * nothing.
 *
 * @module
 */

import { samples } from '../compare/compare-reports.ts';
import type { Report, ResultRow, RunSummary } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';
import { medianCi } from '../stats/compare-stats.ts';
import type { Budget, Budgets } from './budgets.ts';
import { evaluateBudgets } from './gate.ts';

/** The metrics calibrated, each with a budget that every run breaks. */
export const CALIBRATED_METRICS = [
  { metric: 'p50', op: '<', value: 0 },
  { metric: 'p99', op: '<', value: 0 },
  { metric: 'rps', op: '>', value: Number.MAX_SAFE_INTEGER },
] as const;

/** One metric's calibration. */
export interface MetricCalibration {
  readonly metric: string;
  /** Medians over every run of the plain and the slowed row, and the change: the slowdown as measured. */
  readonly plainMedian: number;
  readonly slowedMedian: number;
  readonly change: number;
  /** Splits gated. */
  readonly splits: number;
  /** A/A splits the gate failed, and their share: the false-alarm rate. */
  readonly falseAlarms: number;
  readonly falseAlarmRate: number;
  /** A/B splits (head slowed) the gate failed, and their share: the power. */
  readonly caught: number;
  readonly power: number;
}

/** The whole calibration. */
export interface Calibration {
  readonly runs: number;
  readonly half: number;
  readonly alpha: number;
  readonly minEffect: number;
  readonly metrics: readonly MetricCalibration[];
  /** The gate fails when any metric's budget fails: the false-alarm rate and power of all three together. */
  readonly anyMetric: { falseAlarmRate: number; power: number };
}

/** n choose k. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * The ways to choose `k` of `n` indices: all of them (lexicographic) when there are at most `limit`, else `limit`
 * of them drawn uniformly at random with a fixed seed (so a recomputation gives the same figures), never the first
 * `limit` in order, which would all share the earliest runs.
 */
export function combinations(n: number, k: number, limit = 5000): number[][] {
  if (choose(n, k) > limit) {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const seen = new Set<string>();
    const out: number[][] = [];
    while (out.length < limit) {
      const indices = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [indices[i], indices[j]] = [indices[j]!, indices[i]!];
      }
      const pick = indices.slice(0, k).sort((a, b) => a - b);
      const key = pick.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        out.push(pick);
      }
    }
    return out;
  }
  const out: number[][] = [];
  const pick: number[] = [];
  const walk = (from: number): void => {
    if (pick.length === k) {
      out.push([...pick]);
      return;
    }
    for (let i = from; i <= n - (k - pick.length); i++) {
      pick.push(i);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}

/** The medians of a metric over every run of two rows, and the relative change from the first to the second. */
function effect(
  a: ResultRow,
  b: ResultRow,
  metric: string,
): { plainMedian: number; slowedMedian: number; change: number } {
  const plainMedian = medianCi(samples(a, metric)).median;
  const slowedMedian = medianCi(samples(b, metric)).median;
  return { plainMedian, slowedMedian, change: plainMedian === 0 ? 0 : (slowedMedian - plainMedian) / plainMedian };
}

/** A one-row report holding `runs` under the row name `pooled` of `scenario`, as the gate reads it. */
function reportOf(template: Report, scenario: string, row: ResultRow, runs: RunSummary[]): Report {
  return {
    ...template,
    scenarios: [
      {
        name: scenario,
        description: '',
        settings: {},
        loadModel: 'closed',
        results: [{ ...row, client: 'row', runs }],
      },
    ],
  };
}

/**
 * Calibrates the gate on `report`'s rows `plain` and `slowed` of `scenario` (each with the same number of runs, at
 * least 12, even).
 * @throws {RangeError} when the rows are missing or have too few runs.
 */
export function calibrateGate(
  report: Report,
  scenario: string,
  plain: string,
  slowed: string,
  settings: Pick<Budgets, 'alpha' | 'minEffect'>,
): Calibration {
  const rows = report.scenarios.find((s) => s.name === scenario)?.results ?? [];
  const a = rows.find((r) => r.client === plain);
  const b = rows.find((r) => r.client === slowed);
  if (!a || !b) throw new RangeError(`calibration needs rows ${plain} and ${slowed} in ${scenario}`);
  const runsA = runsOf(a);
  const runsB = runsOf(b);
  const n = Math.min(runsA.length, runsB.length);
  if (n < 12) throw new RangeError(`calibration needs at least 12 runs of each row (got ${n})`);
  const half = Math.floor(n / 2);
  const splits = combinations(n, half);
  const budgetOf = (m: (typeof CALIBRATED_METRICS)[number]): Budget => ({
    kind: 'absolute',
    scenario,
    row: 'row',
    metric: m.metric,
    op: m.op,
    value: m.value,
    runs: 'median',
    text: `${m.metric} ${m.op} ${m.value}`,
    line: 0,
  });
  const budgets: Budgets = { ...settings, budgets: CALIBRATED_METRICS.map(budgetOf) };
  const counts = CALIBRATED_METRICS.map(() => ({ falseAlarms: 0, caught: 0 }));
  let anyFalse = 0;
  let anyCaught = 0;
  for (const split of splits) {
    const inSplit = new Set(split);
    const base = reportOf(
      report,
      scenario,
      a,
      runsA.slice(0, n).filter((_, i) => inSplit.has(i)),
    );
    const sameHead = reportOf(
      report,
      scenario,
      a,
      runsA.slice(0, n).filter((_, i) => !inSplit.has(i)),
    );
    const slowHead = reportOf(
      report,
      scenario,
      a,
      runsB.slice(0, n).filter((_, i) => !inSplit.has(i)),
    );
    const aa = evaluateBudgets(budgets, sameHead, base);
    const ab = evaluateBudgets(budgets, slowHead, base);
    aa.forEach((r, i) => {
      if (!r.pass) counts[i]!.falseAlarms++;
    });
    ab.forEach((r, i) => {
      if (!r.pass) counts[i]!.caught++;
    });
    if (aa.some((r) => !r.pass)) anyFalse++;
    if (ab.some((r) => !r.pass)) anyCaught++;
  }
  return {
    runs: n,
    half,
    alpha: settings.alpha,
    minEffect: settings.minEffect,
    metrics: CALIBRATED_METRICS.map((m, i) => ({
      metric: m.metric,
      ...effect(a, b, m.metric),
      splits: splits.length,
      falseAlarms: counts[i]!.falseAlarms,
      falseAlarmRate: counts[i]!.falseAlarms / splits.length,
      caught: counts[i]!.caught,
      power: counts[i]!.caught / splits.length,
    })),
    anyMetric: { falseAlarmRate: anyFalse / splits.length, power: anyCaught / splits.length },
  };
}
