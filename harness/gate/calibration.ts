/**
 * The gate's false-alarm rate and power, measured on real runs (Node core's benchmark docs warn that about one in
 * twenty comparisons of identical code comes out "significant" at 95%; nodejs/node#28867). From N rounds of three
 * rows measured interleaved (a row, the same row again, and the row slowed by a known amount), every choice of half
 * the rounds is gated as base and head, as a pull request's job measures them in alternating rounds:
 * - **false alarm**: base = the row's runs in those rounds, head = its twin's: the gate failing is a false alarm;
 * - **power**: base = the row's runs in those rounds, head = the slowed row's: the gate failing is a regression
 *   caught.
 * Every path by which the gate can fail a median budget is calibrated ({@link CALIBRATED_PATHS}):
 * - `both-broken`: budgets every run breaks (`p50 < 0`, …), so only the regression rule decides (p below `alpha`
 *   from `testRuns`, ≥ 6 runs a side, beyond `minEffect`);
 * - `at-median`: budgets at the median of the plain row's runs, so the baseline holds about half the time and the
 *   held-then-broken rule decides then (the head past the threshold with confidence, or significantly worse).
 * Splits of the same rounds are not independent experiments; the rounds cut into disjoint gates are, and their
 * count and failures are reported apart, with a 95% upper bound on the false-alarm rate they support
 * (Clopper–Pearson). Pure: reads run summaries, measures nothing.
 *
 * @module
 */

import { binomialDistribution } from 'simple-statistics';
import { samples } from '../compare/compare-reports.ts';
import type { Report, ResultRow, RunSummary } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';
import { MIN_SAMPLES, medianCi } from '../stats/compare-stats.ts';
import type { Budget, Budgets } from './budgets.ts';
import { evaluateBudgets } from './gate.ts';

/** The metrics calibrated, each with a budget that every run breaks. */
export const CALIBRATED_METRICS = [
  { metric: 'p50', op: '<', value: 0 },
  { metric: 'p99', op: '<', value: 0 },
  { metric: 'rps', op: '>', value: Number.MAX_SAFE_INTEGER },
] as const;

/** The gate paths calibrated: where the thresholds sit. */
export const CALIBRATED_PATHS = ['both-broken', 'at-median'] as const;

/**
 * The 95% upper bound of a binomial proportion with `x` successes in `n` trials (Clopper–Pearson, one-sided): the
 * largest p with P(X ≤ x | n, p) ≥ 0.05, by bisection on simple-statistics' binomial distribution. 1 when n = 0.
 */
export function upperBound95(x: number, n: number): number {
  if (n === 0 || x >= n) return 1;
  const cdf = (p: number) => (binomialDistribution(n, p) ?? []).slice(0, x + 1).reduce((a, b) => a + b, 0);
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) >= 0.05) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The disjoint gates of a calibration: no round in two of them, so their outcomes are independent experiments. */
export interface IndependentGates {
  /** How many: the rounds cut into consecutive groups of `half`. */
  readonly experiments: number;
  /** A/A gates among them that failed, and the 95% upper bound on the false-alarm rate that supports. */
  readonly falseAlarms: number;
  readonly falseAlarmUpper95: number;
  /** A/B gates among them that failed. */
  readonly caught: number;
}

/** One path's calibration (see the module's doc). */
export interface PathCalibration {
  readonly path: (typeof CALIBRATED_PATHS)[number];
  /** The budgets gated, e.g. `p50 < 4.21`. */
  readonly budgets: readonly string[];
  readonly metrics: readonly MetricCalibration[];
  /** The gate fails when any metric's budget fails. */
  readonly anyMetric: { falseAlarmRate: number; power: number };
  readonly independent: IndependentGates;
}

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
  /** Whether the runs carry start times, so the gate paired them (Wilcoxon signed-rank) rather than pooled them. */
  readonly paired: boolean;
  readonly metrics: readonly MetricCalibration[];
  /** The gate fails when any metric's budget fails: the false-alarm rate and power of all three together. */
  readonly anyMetric: { falseAlarmRate: number; power: number };
  /**
   * The same gates with the runs' start times removed, so the gate pools the runs (Mann–Whitney U) as it does for
   * base and head measured apart: what pairing by round buys on these runs. Present when the runs are timed.
   */
  readonly unpairedAnyMetric?: { falseAlarmRate: number; power: number };
  /** Every path, `both-broken` (the figures above) first. */
  readonly paths: readonly PathCalibration[];
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
 * Calibrates the gate on `report`'s rows `plain`, `twin` (the same client again) and `slowed` of `scenario`, each
 * with the same number of runs (at least 12, even), measured interleaved in rounds (`run --repeat`: plain, twin,
 * slowed, plain, …). Every choice of `perGate` of the rounds (default 6, the runs a side of the CI example; at most
 * half the rounds) is one gate, as a pull request's job measures base and head in alternating rounds: base =
 * plain's runs of those rounds; head = twin's (false alarm when it fails) or slowed's (caught when it fails); on
 * every path of {@link CALIBRATED_PATHS}, and on the disjoint gates apart.
 * @throws {RangeError} when the rows are missing or have too few runs.
 */
export function calibrateGate(
  report: Report,
  scenario: string,
  rowNames: { plain: string; twin: string; slowed: string },
  settings: Pick<Budgets, 'alpha' | 'minEffect'>,
  options: { readonly perGate?: number } = {},
): Calibration {
  const rows = report.scenarios.find((s) => s.name === scenario)?.results ?? [];
  const [a, t, b] = [rowNames.plain, rowNames.twin, rowNames.slowed].map((name) => rows.find((r) => r.client === name));
  if (!a || !t || !b)
    throw new RangeError(
      `calibration needs rows ${rowNames.plain}, ${rowNames.twin} and ${rowNames.slowed} in ${scenario}`,
    );
  const [runsA, runsT, runsB] = [a, t, b].map((r) => runsOf(r)) as [RunSummary[], RunSummary[], RunSummary[]];
  const n = Math.min(runsA.length, runsT.length, runsB.length);
  if (n < 12) throw new RangeError(`calibration needs at least 12 runs of each row (got ${n})`);
  const half = Math.min(Math.floor(n / 2), options.perGate ?? MIN_SAMPLES);
  const splits = combinations(n, half);
  /** Disjoint gates: consecutive groups of `half` rounds. */
  const disjoint = Array.from({ length: Math.floor(n / half) }, (_, k) =>
    Array.from({ length: half }, (_, i) => k * half + i),
  );
  const budgetOf = (m: (typeof CALIBRATED_METRICS)[number], value: number): Budget => ({
    kind: 'absolute',
    scenario,
    row: 'row',
    metric: m.metric,
    op: m.op,
    value,
    runs: 'median',
    text: `${m.metric} ${m.op} ${Math.abs(value) >= 1e6 ? value : Number(value.toPrecision(6))}`,
    line: 0,
  });
  const budgetsOf = (path: PathCalibration['path']): Budgets => ({
    ...settings,
    budgets: CALIBRATED_METRICS.map((m) =>
      budgetOf(m, path === 'both-broken' ? m.value : medianCi(samples(a, m.metric)).median),
    ),
  });
  /** Gates every split: per metric and for any metric, how many A/A gates failed and how many A/B gates did. */
  const gateAll = (
    budgets: Budgets,
    which: readonly number[][],
    plainRuns: RunSummary[],
    twinRuns: RunSummary[],
    slowedRuns: RunSummary[],
  ) => {
    const counts = CALIBRATED_METRICS.map(() => ({ falseAlarms: 0, caught: 0 }));
    let anyFalse = 0;
    let anyCaught = 0;
    for (const split of which) {
      const pick = (runs: RunSummary[]) =>
        reportOf(
          report,
          scenario,
          a,
          split.map((i) => runs[i]!),
        );
      const base = pick(plainRuns);
      const aa = evaluateBudgets(budgets, pick(twinRuns), base);
      const ab = evaluateBudgets(budgets, pick(slowedRuns), base);
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
      counts,
      anyFalse,
      anyCaught,
      any: { falseAlarmRate: anyFalse / which.length, power: anyCaught / which.length },
    };
  };
  const paths = CALIBRATED_PATHS.map((path): PathCalibration => {
    const budgets = budgetsOf(path);
    const { counts, any } = gateAll(budgets, splits, runsA, runsT, runsB);
    const ind = gateAll(budgets, disjoint, runsA, runsT, runsB);
    return {
      path,
      budgets: budgets.budgets.map((b) => b.text),
      metrics: CALIBRATED_METRICS.map((m, i) => ({
        metric: m.metric,
        ...effect(a, b, m.metric),
        splits: splits.length,
        falseAlarms: counts[i]!.falseAlarms,
        falseAlarmRate: counts[i]!.falseAlarms / splits.length,
        caught: counts[i]!.caught,
        power: counts[i]!.caught / splits.length,
      })),
      anyMetric: any,
      independent: {
        experiments: disjoint.length,
        falseAlarms: ind.anyFalse,
        falseAlarmUpper95: upperBound95(ind.anyFalse, disjoint.length),
        caught: ind.anyCaught,
      },
    };
  });
  const paired = [...runsA, ...runsT, ...runsB].every((r) => r.startedAtMs !== undefined);
  const untimed = (runs: RunSummary[]) => runs.map(({ startedAtMs: _, ...rest }) => rest);
  const unpaired = paired
    ? gateAll(budgetsOf('both-broken'), splits, untimed(runsA), untimed(runsT), untimed(runsB)).any
    : undefined;
  const [first] = paths;
  return {
    runs: n,
    half,
    alpha: settings.alpha,
    minEffect: settings.minEffect,
    paired,
    metrics: first!.metrics,
    anyMetric: first!.anyMetric,
    ...(unpaired ? { unpairedAnyMetric: unpaired } : {}),
    paths,
  };
}
