/**
 * `consul-kv-bench gate`: evaluates a budgets file against a report, optionally against a baseline report measured
 * on the same runner (Bencher's relative mode). Pure evaluation here; the CLI prints and writes.
 *
 * Rules:
 * - an absolute budget is checked on the **median** of the row's runs, or on **every run** for counts of things
 *   that must not happen (`errors`, `errorRate`) and when it says `in all runs`;
 * - a leak budget holds when **every run's** verdict does (or the verdict most runs got, `by majority`); runs that
 *   disagree are named in the note;
 * - with a baseline, a budget the baseline **held** and the head breaks fails, for a median budget with at least 6
 *   head runs only when the head breaks it with confidence or is significantly worse than the baseline
 *   ({@link heldThenBroken}); an every-run budget, or fewer runs, fail outright. A budget
 *   the baseline broke too fails only when the head is significantly worse than the baseline (p below `alpha`, ≥ 6
 *   runs a side, as benchstat: Wilcoxon signed-rank over runs paired by round when base and head were measured
 *   interleaved, else Mann–Whitney U, chosen from the design; `testRuns`) and by more than `minEffect`; otherwise it holds, with a note
 *   saying what the baseline measured;
 * - a relative budget compares two rows of the same report (same run, same machine);
 * - a budgeted row or scenario missing from the report fails the budget.
 *
 * @module
 */
import { fmt, points, samples } from '../compare/compare-reports.ts';
import { FIGURES, type FigureRegistry } from '../figures/index.ts';
import type { Report, ResultRow } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';
import { MIN_SAMPLES, medianCi, testRuns } from '../stats/compare-stats.ts';
import type { Budget, Budgets, Op } from './budgets.ts';

/** The outcome of one budget. */
export interface BudgetResult {
  readonly budget: Budget;
  /** `<scenario> <row>: <expression>`, the name in every output. */
  readonly name: string;
  readonly pass: boolean;
  /** What was measured, formatted with its unit. */
  readonly measured: string;
  readonly threshold: string;
  /** Room left (positive) or overshoot (negative), relative to the threshold; `–` when not numeric. */
  readonly margin: string;
  /** Why it holds or fails when it is not plain (baseline, missing rows, samples). */
  readonly note: string;
}

const compare = (a: number, op: Op, b: number): boolean =>
  op === '<'
    ? a < b
    : op === '<='
      ? a <= b
      : op === '>'
        ? a > b
        : op === '>='
          ? a >= b
          : op === '=='
            ? a === b
            : a !== b;

function margin(value: number, op: Op, threshold: number): string {
  if (op === '==' || op === '!=' || threshold === 0) return '–';
  const room =
    op === '<' || op === '<=' ? (threshold - value) / Math.abs(threshold) : (value - threshold) / Math.abs(threshold);
  return `${room >= 0 ? '+' : ''}${(room * 100).toFixed(1)}%`;
}

const unitOf = (metric: string, figures: FigureRegistry): string => {
  const u = figures.figure(metric)?.unit ?? '';
  return u === 'ms' ? ' ms' : u === 'req/s' ? ' req/s' : '';
};

function findRow(report: Report, scenario: string, row: string): ResultRow | undefined {
  return report.scenarios.find((s) => s.name === scenario)?.results.find((r) => r.client === row);
}

/** The verdicts of a row's runs, and how many runs got each. */
function verdictCounts(row: ResultRow): { verdicts: string[]; counts: Record<string, number> } {
  const verdicts = runsOf(row).map((r) => r.leak ?? row.leak?.verdict ?? 'none');
  const counts: Record<string, number> = {};
  for (const v of verdicts) counts[v] = (counts[v] ?? 0) + 1;
  return { verdicts, counts };
}

/** The verdict most runs got (ties count as the worse). */
function majority(counts: Record<string, number>): string {
  const order = ['leak', 'inconclusive', 'no-leak', 'none'];
  return (
    Object.entries(counts).sort((a, b) => b[1] - a[1] || order.indexOf(a[0]) - order.indexOf(b[0]))[0]?.[0] ?? 'none'
  );
}

/** Whether a leak budget holds for a row: every run, or the majority. */
function leakHolds(b: Extract<Budget, { kind: 'leak' }>, row: ResultRow): boolean {
  const { verdicts, counts } = verdictCounts(row);
  const ok = (v: string) => (b.op === '==' ? v === b.verdict : v !== b.verdict);
  return b.runs === 'all' ? verdicts.every(ok) : ok(majority(counts));
}

/** `leak ×1, no-leak ×5` */
const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([v, n]) => `${v} ×${n}`)
    .join(', ');

/**
 * A median budget the baseline held and the head's median breaks, with at least {@link MIN_SAMPLES} head runs: near
 * a threshold, noise alone puts a median on either side, so the head fails only when
 * - its median is past the threshold **with confidence**: the whole distribution-free 95% interval of the head's
 *   median ({@link medianCi}) lies past it; or
 * - it is **significantly worse than the baseline** ({@link testRuns}, p below `alpha`, ≥ {@link MIN_SAMPLES} runs a
 *   side) by more than `minEffect`, and past the threshold.
 * Otherwise it holds, and the note says why. `calibrate` measures this path's false alarms with a budget set at the
 * median of identical runs.
 */
function heldThenBroken(
  b: Extract<Budget, { kind: 'absolute' }>,
  values: readonly number[],
  basePoints: ReturnType<typeof points>,
  headPoints: ReturnType<typeof points>,
  budgets: Budgets,
  figures: FigureRegistry,
  result: Omit<BudgetResult, 'pass' | 'note'>,
  headNote: string,
  baseNote: string,
): BudgetResult {
  const ci = medianCi(values);
  const unit = unitOf(b.metric, figures);
  const ciText = `95% interval of the head's median ${fmt(ci.low)}–${fmt(ci.high)}${unit}`;
  // the interval's end nearest the threshold breaks it too
  const nearest = b.op === '<' || b.op === '<=' ? ci.low : ci.high;
  if (!compare(nearest, b.op, b.value))
    return {
      ...result,
      pass: false,
      note: `${headNote}${baseNote}, which held it: the head breaks it with confidence (${ciText})`,
    };
  if (basePoints.length >= MIN_SAMPLES) {
    const test = testRuns(basePoints, headPoints);
    const worse = figures.figure(b.metric)!.better === 'higher' ? test.change < 0 : test.change > 0;
    const how = test.method === 'paired' ? `, ${values.length} pairs` : '';
    if (worse && test.p < budgets.alpha && Math.abs(test.change) > budgets.minEffect)
      return {
        ...result,
        pass: false,
        note: `${headNote}${baseNote}, which held it: the head breaks it and is worse than the baseline by ${(test.change * 100).toFixed(1)}% (p=${test.p.toFixed(3)}${how})`,
      };
    return {
      ...result,
      pass: true,
      note: `${headNote}${baseNote}, which held it: the head's median is past the threshold, but not with confidence (${ciText}) nor significantly worse than the baseline (p=${test.p.toFixed(3)}${how}): noise near the threshold`,
    };
  }
  return {
    ...result,
    pass: true,
    note: `${headNote}${baseNote}, which held it: the head's median is past the threshold, but not with confidence (${ciText}); ${basePoints.length} baseline runs cannot show it worse (need ≥ ${MIN_SAMPLES})`,
  };
}

/** An absolute budget on some runs' values: whether it holds, and the value shown (median, or the worst run). */
function judgeValues(
  b: Extract<Budget, { kind: 'absolute' }>,
  values: readonly number[],
): { holds: boolean; shown: number; broken: number } {
  const broken = values.filter((v) => !compare(v, b.op, b.value)).length;
  if (b.runs === 'median') {
    const med = medianCi(values).median;
    return { holds: compare(med, b.op, b.value), shown: med, broken };
  }
  // every run: show the worst one (furthest past the threshold, or the nearest to it when all hold)
  const lowerIsWorse = b.op === '>' || b.op === '>=';
  const worst = values.reduce((w, v) => (lowerIsWorse ? (v < w ? v : w) : v > w ? v : w), values[0]!);
  return { holds: broken === 0, shown: worst, broken };
}

/** What a set of runs measured, for a note: `median 12 ms of 6 runs` or `all 6 runs held it` / `2 of 6 runs broke it`. */
function describeRuns(
  b: Extract<Budget, { kind: 'absolute' }>,
  values: readonly number[],
  figures: FigureRegistry,
): string {
  const j = judgeValues(b, values);
  if (b.runs === 'median')
    return `median ${fmt(j.shown)}${unitOf(b.metric, figures)} of ${values.length} run${values.length > 1 ? 's' : ''}`;
  return j.broken === 0
    ? `all ${values.length} runs held it`
    : `${j.broken} of ${values.length} runs broke it (worst ${fmt(j.shown)}${unitOf(b.metric, figures)})`;
}

/** Evaluates every budget. */
export function evaluateBudgets(budgets: Budgets, head: Report, baseline?: Report): BudgetResult[] {
  const figures = budgets.figures ?? FIGURES;
  return budgets.budgets.map((b): BudgetResult => {
    const name = b.kind === 'relative' ? `${b.scenario}: ${b.text}` : `${b.scenario} ${b.row}: ${b.text}`;
    /** A budget that could not be judged fails, with the reason. */
    const unjudged = (note: string): BudgetResult => ({
      budget: b,
      name,
      pass: false,
      measured: '–',
      threshold: '–',
      margin: '–',
      note,
    });
    const missing = (what: string): BudgetResult =>
      unjudged(`${what} missing from the report (a failed row is listed under failures; is the scenario in the run?)`);
    const noValues = 'the report has no values for this metric';
    if (b.kind === 'relative') {
      const l = findRow(head, b.scenario, b.left.row);
      const r = findRow(head, b.scenario, b.right.row);
      if (!l) return missing(`row ${b.left.row}`);
      if (!r) return missing(`row ${b.right.row}`);
      const ls = samples(l, b.left.metric, figures);
      const rs = samples(r, b.right.metric, figures);
      if (ls.length === 0 || rs.length === 0) return unjudged(noValues);
      const lv = medianCi(ls).median;
      const rv = b.factor * medianCi(rs).median;
      return {
        budget: b,
        name,
        pass: compare(lv, b.op, rv),
        measured: `${fmt(lv)}${unitOf(b.left.metric, figures)}`,
        threshold: `${b.op} ${fmt(rv)}${unitOf(b.right.metric, figures)}${b.factor !== 1 ? ` (${b.factor} × ${fmt(medianCi(rs).median)})` : ''}`,
        margin: margin(lv, b.op, rv),
        note: '',
      };
    }
    const row = findRow(head, b.scenario, b.row);
    if (!row)
      return missing(head.scenarios.some((s) => s.name === b.scenario) ? `row ${b.row}` : `scenario ${b.scenario}`);
    if (b.kind === 'leak') {
      const { counts } = verdictCounts(row);
      const disagree = Object.keys(counts).length > 1;
      const measured = b.runs === 'all' && disagree ? countsText(counts) : majority(counts);
      const threshold = `${b.op} ${b.verdict}${b.runs === 'all' ? ' in all runs' : ' by majority'}`;
      const notes = [...(disagree ? [`the runs disagree: ${countsText(counts)}`] : [])];
      const holds = leakHolds(b, row);
      if (holds || !baseline)
        return { budget: b, name, pass: holds, measured, threshold, margin: '–', note: notes.join('; ') };
      const base = findRow(baseline, b.scenario, b.row);
      if (!base) notes.push('no baseline row to compare with');
      else {
        const baseCounts = countsText(verdictCounts(base).counts);
        notes.push(
          leakHolds(b, base)
            ? `the baseline held it (${baseCounts}): a regression`
            : `violated in the baseline too (${baseCounts}): not a regression`,
        );
      }
      const pass = base !== undefined && !leakHolds(b, base);
      return { budget: b, name, pass, measured, threshold, margin: '–', note: notes.join('; ') };
    }
    const values = samples(row, b.metric, figures);
    if (values.length === 0) return unjudged(noValues);
    const judged = judgeValues(b, values);
    const result = {
      budget: b,
      name,
      measured: `${fmt(judged.shown)}${unitOf(b.metric, figures)}`,
      threshold: `${b.op} ${fmt(b.value)}${unitOf(b.metric, figures)}${b.runs === 'all' && values.length > 1 ? ' in all runs' : ''}`,
      margin: margin(judged.shown, b.op, b.value),
    };
    const runsNote = values.length > 1 ? describeRuns(b, values, figures) : '';
    if (judged.holds || !baseline) return { ...result, pass: judged.holds, note: runsNote };
    const base = findRow(baseline, b.scenario, b.row);
    const basePoints = base ? points(base, b.metric, figures) : [];
    const baseValues = basePoints.map((x) => x.value);
    const headNote = runsNote ? `head: ${runsNote}; ` : '';
    if (!base || baseValues.length === 0)
      return { ...result, pass: false, note: `${headNote}no baseline values to compare with` };
    const baseNote = `baseline: ${describeRuns(b, baseValues, figures)}`;
    if (judgeValues(b, baseValues).holds) {
      // every-run budgets count things that must not happen; with too few runs there is no test to make
      if (b.runs === 'all' || values.length < MIN_SAMPLES)
        return {
          ...result,
          pass: false,
          note: `${headNote}${baseNote}, which held it: the head breaks it${b.runs === 'median' ? ` (${values.length} runs: not tested against noise; run --repeat ${MIN_SAMPLES} or more)` : ''}`,
        };
      return heldThenBroken(
        b,
        values,
        basePoints,
        points(row, b.metric, figures),
        budgets,
        figures,
        result,
        headNote,
        baseNote,
      );
    }
    // Both break it (a busy runner slows base and head alike): fail only on a significant, large regression.
    if (values.length < MIN_SAMPLES || baseValues.length < MIN_SAMPLES) {
      return {
        ...result,
        pass: true,
        note: `${headNote}${baseNote}, broken there too; ${values.length}+${baseValues.length} runs cannot show a regression beyond that (need ≥ ${MIN_SAMPLES} a side: run --repeat ${MIN_SAMPLES})`,
      };
    }
    const test = testRuns(basePoints, points(row, b.metric, figures));
    const { p, change } = test;
    const worse = figures.figure(b.metric)!.better === 'higher' ? change < 0 : change > 0;
    const changeText = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%` : 'from 0';
    const how = test.method === 'paired' ? `, ${values.length} pairs` : '';
    const significant = p < budgets.alpha;
    const large = Math.abs(change) > budgets.minEffect;
    if (worse && significant && large) {
      return {
        ...result,
        pass: false,
        note: `regression vs baseline: ${changeText} (p=${p.toFixed(3)}${how}, beyond minEffect ${(budgets.minEffect * 100).toFixed(0)}%)`,
      };
    }
    const why = !worse
      ? 'not worse than the baseline'
      : !significant
        ? `no significant change vs baseline (p=${p.toFixed(3)}${how})`
        : `change ${changeText} within minEffect ${(budgets.minEffect * 100).toFixed(0)}%`;
    return { ...result, pass: true, note: `violated in base and head alike (${baseNote}): ${why}` };
  });
}
