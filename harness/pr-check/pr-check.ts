/**
 * The pull-request check behind the GitHub Action (`action.yml`) and `consul-kv-bench pr-check`: measures a user's
 * client module as it is on the base branch and on the pull request (two checkouts), on one machine, in alternating
 * rounds (base then head, then head then base, …, so a runner that slows down mid-job slows both sides alike), then
 * compares them (medians, CIs, Wilcoxon/Mann–Whitney) and gates the head on the budgets file, against the base as
 * baseline. Writes every report, a markdown summary, JUnit XML and the body of the pull-request comment (its status
 * first, pass or fail, so the one comment the action keeps turns green after a fix). Emits progress lines; prints
 * nothing itself.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { compareReports, fmtChange, fmtMedian } from '../compare/compare-reports.ts';
import type { ConsulBackendChoice } from '../consul/consul-types.ts';
import { usageError } from '../errors.ts';
import { loadBudgets } from '../gate/budgets.ts';
import { type BudgetResult, evaluateBudgets } from '../gate/gate.ts';
import { gateHeadline, gateJunit, gateMarkdown, historyMarkdown } from '../gate/gate-output.ts';
import { appendHistory, historyEntry, historyFalseAlarm, judgeHistory, readHistory } from '../gate/history.ts';
import { renderTrendHtml } from '../gate/history-html.ts';
import { runScenarios } from '../index.ts';
import type { Report } from '../report/report-schema.ts';
import { writeReport } from '../report/report-writer.ts';
import { mergeReports } from '../results/merge.ts';
import { loadScenario } from '../scenario/load-scenario.ts';

/** The marker that finds the check's own comment on a pull request, to update it rather than add another. */
export const COMMENT_MARKER = '<!-- consul-kv-bench pr-check -->';

/** Options of {@link prCheck}. Paths are absolute. */
export interface PrCheckOptions {
  /** Checkout of the base branch. Absent (a push to the default branch): the head alone is measured and gated. */
  readonly baseDir?: string | undefined;
  /** Checkout of the pull request. */
  readonly headDir: string;
  /** The client module, relative to each checkout, e.g. `consul-kv-bench/consul-kv-client.ts`. */
  readonly client: string;
  /** The budgets file, relative to the head checkout. */
  readonly budgets: string;
  /** Scenarios to measure (their names). Steady ones run every round; fault and restart ones once a side. */
  readonly scenarios: readonly string[];
  /** Reference rows measured beside the client (registered clients), e.g. `['pooled']`. */
  readonly referenceRows: readonly string[];
  /** Rounds of base and head, 1–10. */
  readonly rounds: number;
  /** Interleaved runs per row in each round of a steady scenario, 1–20. */
  readonly repeat: number;
  /**
   * Measured seconds per row of the steady scenarios, ≥ 1. Default: each scenario's quick block (`light`: 2 s).
   * Fault and restart scenarios keep their quick phases.
   */
  readonly durationS?: number | undefined;
  /** Warm-up seconds per row of the steady scenarios, discarded, ≥ 0. Default: each scenario's quick block. */
  readonly warmupS?: number | undefined;
  readonly consul: ConsulBackendChoice;
  /** Where reports go: `<out>/<side>-<scenario>-<round>/`, merged ones in `<out>/base/` and `<out>/head/`. */
  readonly out: string;
  /** Markdown summary to append to (GitHub's `$GITHUB_STEP_SUMMARY`). Optional. */
  readonly summaryFile?: string | undefined;
  /** Written with the pull-request comment's body, its status first (pass or fail). */
  readonly commentFile: string;
  /** JUnit XML, one test case per budget. */
  readonly junitFile: string;
  /** History file (JSON lines, `gate --history`): the head is judged against its rolling median. Optional. */
  readonly historyFile?: string | undefined;
  /** Append this run to `historyFile` (on the default branch). Default `false`. */
  readonly record?: boolean | undefined;
  /**
   * A regression against the history fails the check, when the history checks' false-alarm rate is within the
   * budgets' alpha (the rule of `gate --history-fail`, `harness/gate/history.ts`). Default `false`: reported only.
   */
  readonly historyFail?: boolean | undefined;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** What {@link prCheck} found. */
export interface PrCheckResult {
  readonly pass: boolean;
  readonly results: readonly BudgetResult[];
  /** Whether the base checkout had the client module (a pull request that adds it has no baseline). */
  readonly baseMeasured: boolean;
  /** Regressions against the history's rolling median (they fail the check only with `historyFail`). */
  readonly historyRegressions: number;
  /** The summary's markdown (also in `summaryFile`). */
  readonly markdown: string;
  readonly wallMs: number;
}

/**
 * Runs the check (see the module comment).
 * @throws {BenchError} `USAGE` when a checkout, the head's client module or the budgets file is missing, or the
 *   numbers are out of range; errors of {@link runScenarios} when Consul cannot start.
 */
export async function prCheck(o: PrCheckOptions): Promise<PrCheckResult> {
  const started = Date.now();
  const progress = o.onProgress ?? (() => {});
  for (const [flag, dir] of [
    ['--base', o.baseDir],
    ['--head', o.headDir],
  ] as const)
    if (dir !== undefined && !existsSync(dir))
      throw usageError(`pr-check ${flag} ${dir}: no such directory; check out that side first`);
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 10)
    throw usageError(`pr-check --rounds must be 1–10 (got ${o.rounds})`);
  if (!Number.isInteger(o.repeat) || o.repeat < 1 || o.repeat > 20)
    throw usageError(`pr-check --repeat must be 1–20 (got ${o.repeat})`);
  const headClient = path.join(o.headDir, o.client);
  if (!existsSync(headClient))
    throw usageError(`pr-check --client ${o.client}: not in the head checkout (${headClient})`);
  const clientRow = path.basename(o.client).replace(/\.(ts|js|mjs)$/, '');
  const budgets = await loadBudgets(o.budgets, path.join(o.headDir, o.budgets), [clientRow]);
  const baseMeasured = o.baseDir !== undefined && existsSync(path.join(o.baseDir, o.client));
  if (o.baseDir !== undefined && !baseMeasured)
    progress(`the base checkout has no ${o.client}: the head is gated without a baseline`);
  const steady = o.scenarios.filter((n) => {
    const s = loadScenario(n);
    return !s.fault && !s.restart;
  });
  const once = o.scenarios.filter((n) => !steady.includes(n));
  const sides = { base: [] as Report[], head: [] as Report[] };
  const measure = async (side: 'base' | 'head', scenarios: readonly string[], round: number, repeat: number) => {
    if (side === 'base' && !baseMeasured) return;
    const dir = side === 'base' ? o.baseDir! : o.headDir;
    progress(`round ${round}: ${side} (${scenarios.join(', ')})`);
    const steadyOnly = scenarios.every((n) => steady.includes(n));
    const { report } = await runScenarios({
      scenarios,
      ...(steadyOnly && o.durationS !== undefined ? { duration: o.durationS } : {}),
      ...(steadyOnly && o.warmupS !== undefined ? { warmup: o.warmupS } : {}),
      clients: [...o.referenceRows],
      clientModules: [path.join(dir, o.client)],
      quick: true,
      repeat,
      consul: o.consul,
      out: path.join(o.out, `${side}-${scenarios.join('+')}-${round}`),
      cwd: dir,
      onProgress: progress,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    sides[side].push(report);
  };
  for (let round = 1; round <= o.rounds; round++) {
    const order: Array<'base' | 'head'> = round % 2 === 1 ? ['base', 'head'] : ['head', 'base'];
    if (steady.length) for (const side of order) await measure(side, steady, round, o.repeat);
  }
  if (once.length) for (const side of ['base', 'head'] as const) await measure(side, once, 1, 1);

  const head = mergeReports(sides.head);
  const base = baseMeasured ? mergeReports(sides.base) : undefined;
  await writeReport(head, path.join(o.out, 'head'));
  if (base) await writeReport(base, path.join(o.out, 'base'));
  const results = evaluateBudgets(budgets, head, base);
  const budgetsPass = results.every((r) => r.pass);
  const env = head.environment;
  const context = `Client \`${o.client}\`, budgets \`${o.budgets}\`; ${o.rounds} alternating rounds of ${o.repeat} run(s) a side (${steady.join(', ') || 'none'}), ${once.join(', ') || 'no fault scenario'} once a side; ${env.cpuModel} (${env.cpuCount} CPUs), Node ${env.node}, Consul ${env.consul.version}${base ? '' : '; no baseline (the base branch has no client module)'}.`;
  const parts = [gateMarkdown(results, context)];
  if (base) {
    const rows = compareReports(base, head);
    if (rows.length)
      parts.push(
        '#### base → head',
        '',
        markdownTable([
          ['scenario', 'row', 'metric', 'base median', 'head median', 'change'],
          ...rows.map((c) => [
            c.scenario,
            c.row,
            `${c.metric} (${c.unit})`,
            fmtMedian(c.base),
            fmtMedian(c.head),
            fmtChange(c),
          ]),
        ]),
        '',
        'medians ± the larger half-width of their 95% CI; change: Wilcoxon signed-rank (paired by round) or Mann–Whitney U at α = 0.05; ~ = no significant difference',
        '',
      );
  }
  let historyRegressions = 0;
  let historyCanFail = false;
  if (o.historyFile) {
    const history = await readHistory(o.historyFile, o.historyFile);
    const judged = judgeHistory(budgets, head, history);
    historyRegressions = judged.filter((r) => r.verdict === 'regression').length;
    const fa = historyFalseAlarm(judged, budgets.alpha);
    historyCanFail = fa.checks > 0 && fa.family <= budgets.alpha;
    parts.push(historyMarkdown(judged, 10));
    await writeFile(path.join(o.out, 'history.html'), renderTrendHtml(history, judged));
    if (o.record) {
      await appendHistory(
        o.historyFile,
        historyEntry(head, { commit: process.env.GITHUB_SHA, ref: process.env.GITHUB_REF_NAME }),
      );
      progress(`recorded this run in ${o.historyFile} (${history.length + 1} runs)`);
    }
  }
  const historyFails = Boolean(o.historyFail) && historyCanFail && historyRegressions > 0;
  const pass = budgetsPass && !historyFails;
  const markdown = parts.join('\n');
  if (o.summaryFile) {
    await mkdir(path.dirname(o.summaryFile), { recursive: true });
    await writeFile(o.summaryFile, `${markdown}\n`, { flag: 'a' });
  }
  await mkdir(path.dirname(o.junitFile), { recursive: true });
  await writeFile(o.junitFile, gateJunit(results));
  await mkdir(path.dirname(o.commentFile), { recursive: true });
  const status = `${pass ? '✅ pass' : '❌ FAIL'}: ${gateHeadline(results)}${historyFails ? `; ${historyRegressions} regression(s) against the history` : ''}`;
  await writeFile(
    o.commentFile,
    `${COMMENT_MARKER}\n**consul-kv-bench ${status}** for \`${o.client}\`${process.env.GITHUB_SHA ? ` at ${process.env.GITHUB_SHA.slice(0, 7)}` : ''}.\n\n${markdown}\n`,
  );
  return { pass, results, baseMeasured, historyRegressions, markdown, wallMs: Date.now() - started };
}
