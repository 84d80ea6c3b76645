/**
 * `consul-kv-bench compare <base.json> <head.json>`: per scenario, row and metric, the two medians with their
 * confidence intervals, the relative change, and whether it is significant (two-sided Wilcoxon signed-rank over
 * runs paired by time when base and head were measured interleaved, else Mann–Whitney U; α = 0.05,
 * at least {@link MIN_SAMPLES} runs a side; otherwise `~`, "no significance, no conclusion", as benchstat prints).
 * Pure: reads reports, measures nothing.
 *
 * @module
 */
import type { Report, ResultRow, RunSummary } from '../report/report-schema.ts';
import { runsOf } from '../results/merge.ts';
import { type MedianCi, MIN_SAMPLES, medianCi, type RunPoint, testRuns } from '../stats/compare-stats.ts';

/** A metric that can be compared and budgeted. */
export interface MetricDef {
  /** Which direction is better. */
  readonly better: 'higher' | 'lower';
  /** Unit as printed (`ms`, `req/s`, …). */
  readonly unit: string;
  /**
   * How a budget reads the runs by default: `median` for measures, `all` for counts of things that must not
   * happen (errors), so `errors == 0` fails when any run had errors.
   */
  readonly judged: 'median' | 'all';
  /** The metric's value in one run; `null` when the run does not have it. */
  readonly value: (run: RunSummary) => number | null;
}

/** The metrics `compare` and `gate` know, by the name budgets use. Latencies in ms. */
export const METRICS: Readonly<Record<string, MetricDef>> = {
  rps: { better: 'higher', unit: 'req/s', judged: 'median', value: (r) => r.rps },
  p50: { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.latencyUs.p50 / 1000 },
  p90: { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.latencyUs.p90 / 1000 },
  p99: { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.latencyUs.p99 / 1000 },
  'p99.9': { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.latencyUs.p999 / 1000 },
  max: { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.latencyUs.max / 1000 },
  errors: { better: 'lower', unit: 'requests', judged: 'all', value: (r) => r.errors },
  errorRate: { better: 'lower', unit: 'share', judged: 'all', value: (r) => r.errors / Math.max(1, r.requests) },
  consulRequestsPerRequest: {
    better: 'lower',
    unit: 'req/req',
    judged: 'median',
    value: (r) => r.consulRequestsPerRequest,
  },
  heapBytesPerRequest: { better: 'lower', unit: 'bytes', judged: 'median', value: (r) => r.heapBytesPerRequest },
  allocatedBytesPerRequest: {
    better: 'lower',
    unit: 'bytes',
    judged: 'median',
    value: (r) => r.allocatedBytesPerRequest ?? null,
  },
  inFlightPeak: { better: 'lower', unit: 'requests', judged: 'median', value: (r) => r.inFlightPeak },
  connectionsPerRequest: {
    better: 'lower',
    unit: 'conn/req',
    judged: 'median',
    value: (r) => r.connectionsPerRequest ?? null,
  },
  propagationP99: {
    better: 'lower',
    unit: 'ms',
    judged: 'median',
    value: (r) => (r.propagationP99Us === undefined ? null : r.propagationP99Us / 1000),
  },
  recoveryMs: { better: 'lower', unit: 'ms', judged: 'median', value: (r) => r.recoveryMs ?? null },
};

/** The compared metrics, in output order. */
export const COMPARED_METRICS = [
  'rps',
  'p50',
  'p99',
  'p99.9',
  'errors',
  'consulRequestsPerRequest',
  'connectionsPerRequest',
  'allocatedBytesPerRequest',
] as const;

/** The samples of one metric of a row (runs that lack it are left out). */
export function samples(row: ResultRow, metric: string): number[] {
  return points(row, metric).map((x) => x.value);
}

/** The samples of one metric of a row with each run's start time, for pairing interleaved runs. */
export function points(row: ResultRow, metric: string): RunPoint[] {
  const def = METRICS[metric];
  if (!def) return [];
  return runsOf(row).flatMap((run) => {
    const value = def.value(run);
    return value !== null && Number.isFinite(value) ? [{ value, startedAtMs: run.startedAtMs }] : [];
  });
}

/** One line of a comparison. */
export interface Comparison {
  readonly scenario: string;
  readonly row: string;
  readonly metric: string;
  readonly unit: string;
  readonly base: MedianCi;
  readonly head: MedianCi;
  /** (head − base) / base of the medians; null when base is 0. */
  readonly change: number | null;
  /**
   * Two-sided p-value ({@link testRuns}: Wilcoxon signed-rank over runs paired by time when they were measured
   * interleaved, else Mann–Whitney U); null when a side has fewer than {@link MIN_SAMPLES} samples.
   */
  readonly p: number | null;
  /** How the runs were tested: `paired` or `unpaired`; null without a test. */
  readonly method: 'paired' | 'unpaired' | null;
  /** p < alpha with enough samples. */
  readonly significant: boolean;
  /** The change goes the better way (only meaningful when significant). */
  readonly better: boolean;
}

/**
 * Compares every row present in both reports, scenario by scenario, on {@link COMPARED_METRICS}.
 * @param alpha significance level. Default 0.05.
 */
export function compareReports(base: Report, head: Report, alpha = 0.05): Comparison[] {
  const out: Comparison[] = [];
  for (const hs of head.scenarios) {
    const bs = base.scenarios.find((s) => s.name === hs.name);
    if (!bs) continue;
    for (const hr of hs.results) {
      const br = bs.results.find((r) => r.client === hr.client);
      if (!br) continue;
      for (const metric of COMPARED_METRICS) {
        const bp = points(br, metric);
        const hp = points(hr, metric);
        if (bp.length === 0 || hp.length === 0) continue;
        const enough = bp.length >= MIN_SAMPLES && hp.length >= MIN_SAMPLES;
        const test = enough ? testRuns(bp, hp) : null;
        const p = test ? test.p : null;
        const bm = medianCi(bp.map((x) => x.value));
        const hm = medianCi(hp.map((x) => x.value));
        const change = bm.median === 0 ? null : (hm.median - bm.median) / Math.abs(bm.median);
        const def = METRICS[metric]!;
        out.push({
          scenario: hs.name,
          row: hr.client,
          metric,
          unit: def.unit,
          base: bm,
          head: hm,
          change,
          p,
          method: test ? test.method : null,
          significant: p !== null && p < alpha,
          better: def.better === 'higher' ? hm.median > bm.median : hm.median < bm.median,
        });
      }
    }
  }
  return out;
}

/** A number as printed in comparisons: 3 significant digits, thousands kept whole. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US').replaceAll(',', ' ');
  if (a >= 1e-6) return Number(v.toPrecision(3)).toString();
  return v.toExponential(1);
}

/** `median ±CI` as benchstat prints it: the interval's larger distance from the median, as a percentage. */
export function fmtMedian(m: MedianCi): string {
  if (m.coverage === 0 || m.median === 0) return `${fmt(m.median)}`;
  const spread = Math.max(m.high - m.median, m.median - m.low) / Math.abs(m.median);
  return `${fmt(m.median)} ±${(spread * 100).toFixed(0)}%`;
}

/** The change column: `+12.3%` when significant, else `~`, with the p-value and sample counts. */
export function fmtChange(c: Comparison): string {
  const n = `n=${c.base.n}+${c.head.n}`;
  if (c.p === null) return `~ (${n}: need ≥ ${MIN_SAMPLES} runs a side, run --repeat ${MIN_SAMPLES})`;
  const paired = c.method === 'paired' ? ' paired' : '';
  if (!c.significant || c.change === null) return `~ (p=${c.p.toFixed(3)} ${n}${paired})`;
  return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}% (p=${c.p.toFixed(3)} ${n}${paired})`;
}
