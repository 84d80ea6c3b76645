/**
 * What `gate` prints and writes: a terminal table with ✓/✗, a markdown summary (for `$GITHUB_STEP_SUMMARY`) and
 * JUnit XML with one test case per budget (junit-report-builder).
 *
 * @module
 */
import Table from 'cli-table3';
import junitModule, { type Builder } from 'junit-report-builder';
import { markdownTable } from 'markdown-table';
import type { BudgetResult } from './gate.ts';
import type { HistoryResult } from './history.ts';

// The package is CommonJS: under Node's ESM its default import is the builder itself, while its typings describe
// an ES module default; take whichever holds newBuilder.
const junit = ((junitModule as unknown as { default?: Builder }).default ??
  (junitModule as unknown as Builder)) as Builder;

const HEAD = ['', 'budget', 'measured', 'threshold', 'margin', 'note'];
const cells = (r: BudgetResult): string[] => [r.pass ? '✓' : '✗', r.name, r.measured, r.threshold, r.margin, r.note];

/** One line: how many budgets hold. */
export function gateHeadline(results: readonly BudgetResult[]): string {
  const failed = results.filter((r) => !r.pass).length;
  return failed === 0 ? `all ${results.length} budgets hold` : `${failed} of ${results.length} budgets failed`;
}

/** The terminal table. */
export function gateTable(results: readonly BudgetResult[]): string {
  const table = new Table({ head: HEAD, style: { head: [], border: [] } });
  for (const r of results) table.push(cells(r));
  return table.toString();
}

/** The markdown summary (escapes `|` in cells). */
export function gateMarkdown(results: readonly BudgetResult[], context: string): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  return [
    `### consul-kv-bench gate: ${gateHeadline(results)}`,
    '',
    context,
    '',
    markdownTable([HEAD, ...results.map((r) => cells(r).map(esc))]),
    '',
  ].join('\n');
}

/** JUnit XML: a suite `consul-kv-bench budgets`, a case per budget (class = scenario.row), failures with the numbers. */
export function gateJunit(results: readonly BudgetResult[]): string {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name('consul-kv-bench budgets');
  for (const r of results) {
    const b = r.budget;
    const c = suite
      .testCase()
      .className(b.kind === 'relative' ? `${b.scenario}` : `${b.scenario}.${b.row}`)
      .name(b.text);
    if (!r.pass)
      c.failure(
        `${r.name}: measured ${r.measured}, threshold ${r.threshold}, margin ${r.margin}${r.note ? `; ${r.note}` : ''}`,
        'budget',
      );
    else if (r.note) c.standardOutput(r.note);
  }
  return builder.build();
}

const HISTORY_HEAD = ['', 'scenario', 'row', 'metric', 'head', 'rolling median', 'range', 'runs', 'note'];
const n = (v: number | null): string => (v === null ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
const historyCells = (r: HistoryResult): string[] => [
  r.verdict === 'regression' ? '✗' : r.verdict === 'ok' ? '✓' : '·',
  r.scenario,
  r.row,
  r.metric,
  n(r.head),
  n(r.median),
  r.min === null ? '–' : `${n(r.min)}–${n(r.max)}`,
  String(r.runs),
  r.note,
];

/** The head against history, as a terminal table. */
export function historyTable(results: readonly HistoryResult[]): string {
  const table = new Table({ head: HISTORY_HEAD, style: { head: [], border: [] } });
  for (const r of results) table.push(historyCells(r));
  return table.toString();
}

/** The head against history, as markdown for the step summary. */
export function historyMarkdown(results: readonly HistoryResult[], window: number): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  return [
    `### consul-kv-bench: the head against the last ${window} recorded runs`,
    '',
    markdownTable([HISTORY_HEAD, ...results.map((r) => historyCells(r).map(esc))]),
    '',
  ].join('\n');
}
