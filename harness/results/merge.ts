/**
 * Repeated runs and several reports taken together: a run's summary, a row merged with another run of it, a
 * report merged with others scenario by scenario. Latency comes from merged HDR histograms, never averaged
 * percentiles (autocannon's `aggregateResult.js`, Node's `benchmark/compare.js`: runs are kept, statistics are a
 * separate step). Used by the runner (`run --repeat`), `compare`, `gate` and `publish`; measures nothing.
 *
 * @module
 */

import { FIGURES, type FigureRegistry, type RunSummary } from '../figures/index.ts';
import { decodeHistogram, encodeHistogram, mergeHistograms, summarize } from '../load/latency-histogram.ts';
import type { MeasuredRow, PhaseResult, Report, ResultRow, ScenarioResult } from '../report/report-schema.ts';

/**
 * The figures of one run of a row, as kept in `results[].runs` (`run --repeat N`): the fields of the figure
 * registry (`harness/figures/`).
 * @param figures the registry. Default {@link FIGURES}.
 */
export function runSummary(row: MeasuredRow, figures: FigureRegistry = FIGURES): RunSummary {
  return figures.runSummary(row) as RunSummary;
}

/** Phases of two runs taken together by name: histograms added, counts summed, RPS over the summed time. */
function mergePhases(a: readonly PhaseResult[], b: readonly PhaseResult[]): PhaseResult[] {
  return a.map((p) => {
    const q = b.find((x) => x.name === p.name);
    if (!q) return p;
    const histogram = mergeHistograms([decodeHistogram(p.histogram), decodeHistogram(q.histogram)]);
    const durationMs = p.durationMs + q.durationMs;
    const ok = p.ok + q.ok;
    return {
      ...p,
      durationMs,
      requests: p.requests + q.requests,
      ok,
      rps: ok / Math.max(1e-9, durationMs / 1000),
      latencyUs: summarize(histogram),
      histogram: encodeHistogram(histogram),
      errors: p.errors + q.errors,
    };
  });
}

const VERDICT_ORDER = ['leak', 'inconclusive', 'no-leak'];

/**
 * The leak verdict a merged row shows: the worst of its runs (leak, then inconclusive, then no-leak), with that
 * run's evidence and timeline, so a leak in any run is never hidden behind the first run's verdict. Every run's own
 * verdict stays in `runs[].leak`.
 */
function worstLeak(a: ResultRow, b: ResultRow): Pick<ResultRow, 'leak' | 'timeline'> {
  if (!a.leak || !b.leak) return {};
  const worse = VERDICT_ORDER.indexOf(b.leak.verdict) < VERDICT_ORDER.indexOf(a.leak.verdict) ? b : a;
  return { leak: worse.leak, ...(worse.timeline ? { timeline: worse.timeline } : {}) };
}

/**
 * Adds one more run (or a row with runs of its own, e.g. from another report) to a row measured before: latency
 * from the merged HDR histograms (never averaged percentiles), counts summed, RPS as 2xx over the summed windows,
 * per-request figures weighted by requests, peaks (RSS, in flight, connections, the generator's load) as the
 * highest of the runs, phases merged by name, flags united, and the worst leak verdict with its run's evidence and
 * timeline. Staleness and recovery stay the first run's (their per-run figures are in `runs`). Every run's own
 * figures are in `runs`.
 */
export function mergeRun(merged: ResultRow, run: ResultRow, figures: FigureRegistry = FIGURES): ResultRow {
  const runs = [...(merged.runs ?? [runSummary(merged, figures)]), ...(run.runs ?? [runSummary(run, figures)])];
  const histogram = mergeHistograms([decodeHistogram(merged.histogram), decodeHistogram(run.histogram)]);
  const errors = { ...merged.errors };
  for (const k of Object.keys(errors) as Array<keyof typeof errors>)
    errors[k] = (merged.errors[k] ?? 0) + (run.errors[k] ?? 0);
  const core: ResultRow = {
    ...merged,
    durationMs: merged.durationMs + run.durationMs,
    requests: merged.requests + run.requests,
    ok: merged.ok + run.ok,
    latencyUs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    errors,
    ...(merged.phases && run.phases ? { phases: mergePhases(merged.phases, run.phases) } : {}),
    ...worstLeak(merged, run),
    consulConnectionsOpened: merged.consulConnectionsOpened + run.consulConnectionsOpened,
    consulConnectionsPeak: Math.max(merged.consulConnectionsPeak, run.consulConnectionsPeak),
    flags: [...new Set([...merged.flags, ...run.flags])],
    runs,
  };
  // The figures' own rules (sums, peaks, per-request figures weighted by requests, RPS over the summed windows).
  return { ...core, ...figures.mergeFields(merged, run, core) } as ResultRow;
}

/** A row's runs: `results[].runs`, or the row itself as its one run. */
export function runsOf(row: ResultRow, figures: FigureRegistry = FIGURES): RunSummary[] {
  return row.runs ?? [runSummary(row, figures)];
}

/**
 * Adds a row to a scenario's results: as it is when `repeat` is 1; else as the first run of a new row (with
 * `runs`), or merged into the row of the same name ({@link mergeRun}).
 */
export function addRun(result: ScenarioResult, row: ResultRow, repeat: number): void {
  const at = result.results.findIndex((x) => x.client === row.client);
  if (repeat === 1) result.results.push(row);
  else if (at === -1) result.results.push({ ...row, runs: [runSummary(row)] });
  else result.results[at] = mergeRun(result.results[at]!, row);
}

/**
 * Takes several reports together (the first report's run metadata is kept): different scenarios side by side, and
 * the same scenario's rows merged run by run (so base and head can be measured in alternating rounds, each round a
 * report, and compared as one sample each).
 * @throws {RangeError} when given no report.
 */
export function mergeReports(reports: readonly Report[]): Report {
  const [first, ...rest] = reports;
  if (!first) throw new RangeError('mergeReports needs at least one report');
  const scenarios = new Map(first.scenarios.map((s) => [s.name, { ...s, results: [...s.results] }]));
  for (const r of rest) {
    for (const s of r.scenarios) {
      const into = scenarios.get(s.name);
      if (!into) {
        scenarios.set(s.name, { ...s, results: [...s.results] });
        continue;
      }
      for (const row of s.results) {
        const at = into.results.findIndex((x) => x.client === row.client);
        if (at === -1) into.results.push(row);
        else into.results[at] = mergeRun(into.results[at]!, row);
      }
      into.repeat = into.results.reduce((n, x) => Math.max(n, x.runs?.length ?? 1), 1);
    }
  }
  return { ...first, scenarios: [...scenarios.values()], failures: reports.flatMap((r) => r.failures) };
}
