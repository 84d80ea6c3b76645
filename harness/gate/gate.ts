/**
 * `consul-kv-bench gate`: evaluates a budgets file against a report, optionally against a baseline report measured
 * on the same runner (Bencher's relative mode). Pure evaluation here; the CLI prints and writes.
 *
 * Rules:
 * - an absolute budget is checked on the **median** of the row's runs;
 * - with a baseline, a violated budget fails only when the head is **significantly worse** than the baseline
 *   (two-sided Mann–Whitney U below `alpha`, ≥ 6 runs a side, as benchstat) **and** by more than `minEffect`;
 *   otherwise it holds, with a note (a busy runner slows base and head alike);
 * - a leak budget is checked on the verdict most runs got (ties count as the worse); with a baseline it fails only
 *   when the baseline held it;
 * - a relative budget compares two rows of the same report (same run, same machine);
 * - a budgeted row or scenario missing from the report fails the budget.
 *
 * @module
 */
import { fmt, METRICS, samples } from '../compare/compare-reports.ts';
import type { Report, ResultRow } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';
import { MIN_SAMPLES, mannWhitneyU, medianCi } from '../stats/compare-stats.ts';
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

const unitOf = (metric: string): string => {
  const u = METRICS[metric]?.unit ?? '';
  return u === 'ms' ? ' ms' : u === 'req/s' ? ' req/s' : '';
};

function findRow(report: Report, scenario: string, row: string): ResultRow | undefined {
  return report.scenarios.find((s) => s.name === scenario)?.results.find((r) => r.client === row);
}

function majorityVerdict(row: ResultRow): { verdict: string; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  for (const r of runsOf(row)) {
    const v = r.leak ?? row.leak?.verdict ?? 'none';
    counts[v] = (counts[v] ?? 0) + 1;
  }
  const order = ['leak', 'inconclusive', 'no-leak', 'none'];
  const verdict =
    Object.entries(counts).sort((a, b) => b[1] - a[1] || order.indexOf(a[0]) - order.indexOf(b[0]))[0]?.[0] ?? 'none';
  return { verdict, counts };
}

/** Evaluates every budget. */
export function evaluateBudgets(budgets: Budgets, head: Report, baseline?: Report): BudgetResult[] {
  return budgets.budgets.map((b): BudgetResult => {
    const name = b.kind === 'relative' ? `${b.scenario}: ${b.text}` : `${b.scenario} ${b.row}: ${b.text}`;
    const missing = (what: string): BudgetResult => ({
      budget: b,
      name,
      pass: false,
      measured: '–',
      threshold: '–',
      margin: '–',
      note: `${what} missing from the report (a failed row is listed under failures; is the scenario in the run?)`,
    });
    if (b.kind === 'relative') {
      const l = findRow(head, b.scenario, b.left.row);
      const r = findRow(head, b.scenario, b.right.row);
      if (!l) return missing(`row ${b.left.row}`);
      if (!r) return missing(`row ${b.right.row}`);
      const ls = samples(l, b.left.metric);
      const rs = samples(r, b.right.metric);
      if (ls.length === 0 || rs.length === 0)
        return {
          budget: b,
          name,
          pass: false,
          measured: '–',
          threshold: '–',
          margin: '–',
          note: 'the report has no values for this metric',
        };
      const lv = medianCi(ls).median;
      const rv = b.factor * medianCi(rs).median;
      return {
        budget: b,
        name,
        pass: compare(lv, b.op, rv),
        measured: `${fmt(lv)}${unitOf(b.left.metric)}`,
        threshold: `${b.op} ${fmt(rv)}${unitOf(b.right.metric)}${b.factor !== 1 ? ` (${b.factor} × ${fmt(medianCi(rs).median)})` : ''}`,
        margin: margin(lv, b.op, rv),
        note: '',
      };
    }
    const row = findRow(head, b.scenario, b.row);
    if (!row)
      return missing(head.scenarios.some((s) => s.name === b.scenario) ? `row ${b.row}` : `scenario ${b.scenario}`);
    if (b.kind === 'leak') {
      const { verdict, counts } = majorityVerdict(row);
      const holds = b.op === '==' ? verdict === b.verdict : verdict !== b.verdict;
      const detail = Object.entries(counts)
        .map(([v, n]) => `${v} ×${n}`)
        .join(', ');
      let pass = holds;
      let note = runsOf(row).length > 1 ? `verdicts: ${detail}` : '';
      if (!holds && baseline) {
        const base = findRow(baseline, b.scenario, b.row);
        const baseHeld = base
          ? b.op === '=='
            ? majorityVerdict(base).verdict === b.verdict
            : majorityVerdict(base).verdict !== b.verdict
          : false;
        if (!baseHeld) {
          pass = true;
          note = `${note ? note + '; ' : ''}violated in the baseline too: not a regression`;
        }
      }
      return { budget: b, name, pass, measured: verdict, threshold: `${b.op} ${b.verdict}`, margin: '–', note };
    }
    const values = samples(row, b.metric);
    if (values.length === 0)
      return {
        budget: b,
        name,
        pass: false,
        measured: '–',
        threshold: '–',
        margin: '–',
        note: 'the report has no values for this metric',
      };
    const med = medianCi(values).median;
    const holds = compare(med, b.op, b.value);
    const result = {
      budget: b,
      name,
      measured: `${fmt(med)}${unitOf(b.metric)}`,
      threshold: `${b.op} ${fmt(b.value)}${unitOf(b.metric)}`,
      margin: margin(med, b.op, b.value),
    };
    const runsNote = values.length > 1 ? `median of ${values.length} runs` : '';
    if (holds || !baseline) return { ...result, pass: holds, note: runsNote };
    const base = findRow(baseline, b.scenario, b.row);
    const baseValues = base ? samples(base, b.metric) : [];
    if (baseValues.length === 0)
      return { ...result, pass: false, note: `${runsNote ? runsNote + '; ' : ''}no baseline values to compare with` };
    const baseMed = medianCi(baseValues).median;
    const change = baseMed === 0 ? (med === 0 ? 0 : Number.POSITIVE_INFINITY) : (med - baseMed) / Math.abs(baseMed);
    const worse = METRICS[b.metric]!.better === 'higher' ? med < baseMed : med > baseMed;
    const changeText = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%` : 'from 0';
    if (values.length < MIN_SAMPLES || baseValues.length < MIN_SAMPLES) {
      return {
        ...result,
        pass: true,
        note: `violated, but ${values.length}+${baseValues.length} runs cannot show a regression vs baseline (need ≥ ${MIN_SAMPLES} a side: run --repeat ${MIN_SAMPLES})`,
      };
    }
    const p = mannWhitneyU(values, baseValues).p;
    const significant = p < budgets.alpha;
    const large = Math.abs(change) > budgets.minEffect;
    if (worse && significant && large)
      return {
        ...result,
        pass: false,
        note: `regression vs baseline: ${changeText} (p=${p.toFixed(3)}, beyond minEffect ${(budgets.minEffect * 100).toFixed(0)}%)`,
      };
    const why = !worse
      ? 'not worse than the baseline'
      : !significant
        ? `no significant change vs baseline (p=${p.toFixed(3)})`
        : `change ${changeText} within minEffect ${(budgets.minEffect * 100).toFixed(0)}%`;
    return { ...result, pass: true, note: `violated in base and head alike: ${why}` };
  });
}
