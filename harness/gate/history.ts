/**
 * Gate history (`gate --history <file.jsonl>`), in the manner of Bencher's continuous benchmarking: on the default
 * branch each gated run appends one line (every row's medians of the compared metrics, with where and when it was
 * measured); on a pull request the head is judged against the **rolling median of the last N runs** of the same
 * row and metric, beside the same-run baseline. A head value is a regression against history when it is worse than
 * the rolling median by more than the budgets' `minEffect` **and** worse than every run in the window: history
 * comes from other runs, often other runners, so only a value outside everything seen lately counts.
 *
 * **Its false-alarm rate is known, not assumed.** With nothing changed, the head and the N runs of the window are
 * exchangeable, so the head is worse than all N with probability 1/(N + 1) (a rank test: the head's rank among
 * N + 1); the `minEffect` condition only lowers it. Over k checks (row metrics) of one gate the union bound gives at
 * most k/(N + 1) ({@link historyFalseAlarm}). `gate --history-fail` fails the gate on a history regression only when
 * that bound is at most the budgets' `alpha`; with a shorter window it reports them, saying what window it would
 * take. Reads and writes JSON lines; measures nothing.
 *
 * @module
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { median } from 'simple-statistics';
import { COMPARED_METRICS, METRICS, samples } from '../compare/compare-reports.ts';
import { usageError } from '../errors.ts';
import type { Report } from '../report/report-schema.ts';
import type { Budgets } from './budgets.ts';

/** One line of the history file. */
export interface HistoryEntry {
  /** When the run was measured (the report's `createdAt`). */
  readonly createdAt: string;
  /** The commit measured (`GITHUB_SHA`), when known. */
  readonly commit?: string | undefined;
  /** The branch or ref (`GITHUB_REF_NAME`), when known. */
  readonly ref?: string | undefined;
  /** `<cpu model> ×<cpus>, Node <v>, Consul <v>`: history mixes machines; this says which. */
  readonly machine: string;
  /** Medians over the run's repeats, by scenario, row and metric (the units of `METRICS`). */
  readonly rows: ReadonlyArray<{ scenario: string; row: string; metrics: Readonly<Record<string, number>> }>;
}

/** The entry for a report: every row's median of each compared metric. */
export function historyEntry(
  report: Report,
  meta: { commit?: string | undefined; ref?: string | undefined } = {},
): HistoryEntry {
  const env = report.environment;
  return {
    createdAt: report.createdAt,
    ...(meta.commit ? { commit: meta.commit } : {}),
    ...(meta.ref ? { ref: meta.ref } : {}),
    machine: `${env.cpuModel} ×${env.cpuCount}, Node ${env.node}, Consul ${env.consul.version}`,
    rows: report.scenarios.flatMap((s) =>
      s.results.map((r) => {
        const metrics: Record<string, number> = {};
        for (const m of COMPARED_METRICS) {
          const v = samples(r, m);
          if (v.length) metrics[m] = median(v);
        }
        return { scenario: s.name, row: r.client, metrics };
      }),
    ),
  };
}

/**
 * Reads a history file; a missing file is an empty history.
 * @throws {BenchError} `USAGE` naming the line that is not a history entry.
 */
export async function readHistory(file: string, abs: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw usageError(`--history ${file}: cannot read it (${(err as Error).message})`);
  }
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      try {
        const e = JSON.parse(line) as HistoryEntry;
        if (typeof e.createdAt !== 'string' || !Array.isArray(e.rows)) throw new Error('not an entry');
        return e;
      } catch {
        throw usageError(
          `--history ${file}:${n}: not a history entry (one JSON object per line, as gate --record writes)`,
        );
      }
    });
}

/** Appends one entry (one line). */
export async function appendHistory(abs: string, entry: HistoryEntry): Promise<void> {
  await mkdir(path.dirname(abs), { recursive: true });
  await appendFile(abs, `${JSON.stringify(entry)}\n`);
}

/** The head against history, for one row and metric a budget names. */
export interface HistoryResult {
  readonly scenario: string;
  readonly row: string;
  readonly metric: string;
  readonly head: number;
  /** Rolling median of the window; null when history has fewer than `minRuns` values. */
  readonly median: number | null;
  readonly runs: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly verdict: 'ok' | 'regression' | 'too-few';
  readonly note: string;
}

/**
 * The false-alarm rate of history checks, from the window actually used: per check 1/(N + 1) for the smallest
 * window N judged, across the `checks` judged at most checks/(N + 1) (union bound), and the window that would bring
 * the latter to `alpha`: ⌈checks/alpha⌉ − 1. `perCheck` and `family` are 0 when nothing was judged.
 */
export function historyFalseAlarm(
  results: readonly HistoryResult[],
  alpha: number,
): { checks: number; perCheck: number; family: number; windowForAlpha: number } {
  const judged = results.filter((r) => r.verdict !== 'too-few');
  const checks = judged.length;
  const n = checks ? Math.min(...judged.map((r) => r.runs)) : 0;
  const perCheck = checks ? 1 / (n + 1) : 0;
  return {
    checks,
    perCheck,
    family: Math.min(1, checks * perCheck),
    windowForAlpha: Math.max(0, Math.ceil(Math.max(1, checks) / alpha) - 1),
  };
}

/**
 * Judges the head against the last `window` entries, for every (scenario, row, metric) an absolute budget names.
 * @param window runs in the rolling window (default 10); `minRuns` values needed to judge (default 5).
 */
export function judgeHistory(
  budgets: Budgets,
  head: Report,
  history: readonly HistoryEntry[],
  options: { window?: number; minRuns?: number } = {},
): HistoryResult[] {
  const window = options.window ?? 10;
  const minRuns = options.minRuns ?? 5;
  const seen = new Set<string>();
  const out: HistoryResult[] = [];
  for (const b of budgets.budgets) {
    if (b.kind !== 'absolute') continue;
    const key = `${b.scenario}\0${b.row}\0${b.metric}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const row = head.scenarios.find((s) => s.name === b.scenario)?.results.find((r) => r.client === b.row);
    const hv = row ? samples(row, b.metric) : [];
    if (hv.length === 0) continue;
    const headValue = median(hv);
    const past = history
      .slice(-window)
      .map((e) => e.rows.find((r) => r.scenario === b.scenario && r.row === b.row)?.metrics[b.metric])
      .filter((v): v is number => typeof v === 'number');
    const base = { scenario: b.scenario, row: b.row, metric: b.metric, head: headValue, runs: past.length };
    if (past.length < minRuns) {
      out.push({
        ...base,
        median: null,
        min: null,
        max: null,
        verdict: 'too-few',
        note: `${past.length} run(s) in history, need ${minRuns}`,
      });
      continue;
    }
    const m = median(past);
    const lo = Math.min(...past);
    const hi = Math.max(...past);
    const higherBetter = METRICS[b.metric]!.better === 'higher';
    const change = m === 0 ? (headValue === 0 ? 0 : Number.POSITIVE_INFINITY) : (headValue - m) / Math.abs(m);
    const worse = higherBetter
      ? change < -budgets.minEffect && headValue < lo
      : change > budgets.minEffect && headValue > hi;
    const pct = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%` : 'from 0';
    out.push({
      ...base,
      median: m,
      min: lo,
      max: hi,
      verdict: worse ? 'regression' : 'ok',
      note: worse
        ? `${pct} vs the rolling median of ${past.length} runs, outside their range: a regression`
        : `${pct} vs the rolling median of ${past.length} runs`,
    });
  }
  return out;
}
