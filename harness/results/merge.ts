/**
 * Repeated runs and several reports taken together: a run's summary, a row merged with another run of it, a
 * report merged with others scenario by scenario. Latency comes from merged HDR histograms, never averaged
 * percentiles (autocannon's `aggregateResult.js`, Node's `benchmark/compare.js`: runs are kept, statistics are a
 * separate step). Used by the runner (`run --repeat`), `compare`, `gate` and `publish`; measures nothing.
 *
 * @module
 */
import { decodeHistogram, encodeHistogram, mergeHistograms, summarize } from '../load/latency-histogram.ts';
import type { PhaseResult, Report, ResultRow, RunSummary, ScenarioResult } from '../report/report-schema.ts';

/** The figures of one run of a row, as kept in `results[].runs` (`run --repeat N`). */
export function runSummary(row: ResultRow): RunSummary {
  return {
    ...(row.startedAtMs !== undefined ? { startedAtMs: row.startedAtMs } : {}),
    durationMs: row.durationMs,
    requests: row.requests,
    ok: row.ok,
    rps: row.rps,
    latencyUs: row.latencyUs,
    histogram: row.histogram,
    errors: row.errors.total,
    consulRequests: row.consulRequests,
    consulRequestsPerRequest: row.consulRequestsPerRequest,
    heapBytesPerRequest: row.heapBytesPerRequest,
    ...(row.allocatedBytesPerRequest !== undefined ? { allocatedBytesPerRequest: row.allocatedBytesPerRequest } : {}),
    connectionsPerRequest: row.consulConnectionsOpened / Math.max(1, row.ok),
    peakRssBytes: row.peakRssBytes,
    loadGenerator: row.loadGenerator,
    inFlightPeak: row.inFlightPeak,
    ...(row.leak ? { leak: row.leak.verdict } : {}),
    ...(row.staleness
      ? { propagationP99Us: row.staleness.propagationUs.p99, staleShare: row.staleness.staleShare }
      : {}),
    ...(row.recovery ? { recoveryMs: row.recovery.recoveryMs, recovered: row.recovery.recovered } : {}),
  };
}

/** A per-request figure of two rows, weighted by their requests; null when either lacks it. */
function weighted(a: ResultRow, b: ResultRow, f: (r: ResultRow) => number | null): number | null {
  const x = f(a);
  const y = f(b);
  return x === null || y === null ? null : (x * a.requests + y * b.requests) / Math.max(1, a.requests + b.requests);
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
export function mergeRun(merged: ResultRow, run: ResultRow): ResultRow {
  const runs = [...(merged.runs ?? [runSummary(merged)]), ...(run.runs ?? [runSummary(run)])];
  const histogram = mergeHistograms([decodeHistogram(merged.histogram), decodeHistogram(run.histogram)]);
  const sum = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);
  const errors = { ...merged.errors };
  for (const k of Object.keys(errors) as Array<keyof typeof errors>)
    errors[k] = (merged.errors[k] ?? 0) + (run.errors[k] ?? 0);
  const requests = merged.requests + run.requests;
  const ok = merged.ok + run.ok;
  const durationMs = merged.durationMs + run.durationMs;
  const consulRequests = sum(merged.consulRequests, run.consulRequests);
  return {
    ...merged,
    durationMs,
    requests,
    ok,
    rps: ok / (durationMs / 1000),
    latencyUs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    errors,
    consulRequests,
    consulRequestsPerRequest: consulRequests !== null && requests > 0 ? consulRequests / requests : null,
    heapBytesPerRequest: weighted(merged, run, (r) => r.heapBytesPerRequest),
    ...(merged.allocatedBytesPerRequest !== undefined || run.allocatedBytesPerRequest !== undefined
      ? {
          externalBytesPerRequest: weighted(merged, run, (r) => r.externalBytesPerRequest ?? null),
          allocatedBytesPerRequest: weighted(merged, run, (r) => r.allocatedBytesPerRequest ?? null),
        }
      : {}),
    peakRssBytes:
      merged.peakRssBytes === null || run.peakRssBytes === null
        ? null
        : Math.max(merged.peakRssBytes, run.peakRssBytes),
    loadGenerator: {
      elu: Math.max(merged.loadGenerator.elu, run.loadGenerator.elu),
      cpuPercent: Math.max(merged.loadGenerator.cpuPercent, run.loadGenerator.cpuPercent),
      saturated: merged.loadGenerator.saturated || run.loadGenerator.saturated,
    },
    ...(merged.phases && run.phases ? { phases: mergePhases(merged.phases, run.phases) } : {}),
    ...worstLeak(merged, run),
    consulConnectionsOpened: merged.consulConnectionsOpened + run.consulConnectionsOpened,
    consulConnectionsPeak: Math.max(merged.consulConnectionsPeak, run.consulConnectionsPeak),
    inFlightPeak:
      merged.inFlightPeak === null || run.inFlightPeak === null
        ? null
        : Math.max(merged.inFlightPeak, run.inFlightPeak),
    flags: [...new Set([...merged.flags, ...run.flags])],
    runs,
  };
}

/** A row's runs: `results[].runs`, or the row itself as its one run. */
export function runsOf(row: ResultRow): RunSummary[] {
  return row.runs ?? [runSummary(row)];
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
