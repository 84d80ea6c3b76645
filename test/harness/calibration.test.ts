/**
 * The gate's calibration on synthetic runs: every choice of 6 of 12 rounds is gated; identical rows give few false
 * alarms, a row 30% slower in every run is caught in every split, and one barely slower is rarely caught. Under a
 * machine drift larger than the slowdown, runs paired by round catch it where pooled runs cannot.
 */
import { describe, expect, it } from 'vitest';
import { calibrateGate, combinations, upperBound95 } from '../../harness/gate/calibration.ts';
import { createLatencyHistogram, encodeHistogram } from '../../harness/load/latency-histogram.ts';
import type { Report, RunSummary } from '../../harness/report/report-schema.ts';
import { report as reportOf, row } from '../report-fixtures.ts';

const histogram = encodeHistogram(createLatencyHistogram());

function run(p50Ms: number, startedAtMs?: number): RunSummary {
  const us = Math.round(p50Ms * 1000);
  return {
    ...(startedAtMs !== undefined ? { startedAtMs } : {}),
    durationMs: 1000,
    requests: 1000,
    ok: 1000,
    rps: 1_000_000 / us,
    latencyUs: { p50: us, p90: us * 2, p99: us * 3, p999: us * 4, max: us * 5, mean: us, count: 1000 },
    histogram,
    errors: 0,
    consulRequests: 1000,
    consulRequestsPerRequest: 1,
    heapBytesPerRequest: 1,
    inFlightPeak: 1,
  };
}

/** Rows of runs measured in rounds (row j of round i starts at i·3 s + j s), or with no start times. */
function report(rows: Record<string, number[]>, timed = true): Report {
  const results = Object.entries(rows).map(([client, p50s], j) =>
    row(
      client,
      p50s.map((v, i) => run(v, timed ? i * 3000 + j * 1000 : undefined)),
    ),
  );
  return reportOf('light', results);
}

/** 12 noisy values around `center` (a fixed pseudo-random sequence, ±`spread`, default 10%). */
function noisy(center: number, seed: number, spread = 0.1): number[] {
  let s = seed;
  return Array.from({ length: 12 }, () => {
    s = (s * 16807) % 2147483647;
    return center * (1 - spread + ((s % 1000) / 1000) * 2 * spread);
  });
}

const names = { plain: 'pooled', twin: 'pooled-twin', slowed: 'pooled-slowed' };
const settings = { alpha: 0.05, minEffect: 0.1 };

describe('calibrateGate', () => {
  it('splits 12 runs every way into 6 + 6 (924 splits); past the limit, a seeded random sample', () => {
    expect(combinations(12, 6)).toHaveLength(924);
    const sample = combinations(20, 10, 500);
    expect(sample).toHaveLength(500);
    expect(new Set(sample.map((s) => s.join(','))).size).toBe(500);
    expect(sample.filter((s) => s[0] === 0).length).toBeLessThan(400); // not the first 500 in order (all start at 0)
    expect(combinations(20, 10, 500)).toEqual(sample);
    expect(combinations(4, 2)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
  });

  it('identical rows: few false alarms; a row 30% slower in every run: caught in every split', () => {
    const plain = noisy(10, 7);
    const c = calibrateGate(
      report({ pooled: plain, 'pooled-twin': noisy(10, 5), 'pooled-slowed': noisy(13, 3) }),
      'light',
      names,
      settings,
    );
    expect(c.runs).toBe(12);
    expect(c.paired).toBe(true);
    const p50 = c.metrics.find((m) => m.metric === 'p50')!;
    expect(p50.splits).toBe(924);
    expect(p50.falseAlarmRate).toBeLessThanOrEqual(0.1);
    expect(p50.power).toBe(1);
    expect(p50.change).toBeGreaterThan(0.2);
  });

  it('every gate path: budgets both sides break, and budgets at the median of identical runs; disjoint gates apart', () => {
    const c = calibrateGate(
      report({ pooled: noisy(10, 7), 'pooled-twin': noisy(10, 5), 'pooled-slowed': noisy(13, 3) }),
      'light',
      names,
      settings,
    );
    expect(c.paths.map((p) => p.path)).toEqual(['both-broken', 'at-median']);
    const [broken, atMedian] = c.paths;
    expect(broken!.budgets).toEqual(['p50 < 0', 'p99 < 0', `rps > ${Number.MAX_SAFE_INTEGER}`]);
    // the thresholds of the second path sit at pooled's median: the baseline holds them in about half the splits
    expect(atMedian!.budgets[0]).toMatch(/^p50 < 9\.\d+|^p50 < 10(\.\d+)?$/);
    expect(atMedian!.anyMetric.falseAlarmRate).toBeLessThanOrEqual(0.05);
    expect(atMedian!.anyMetric.power).toBe(1);
    // 12 rounds cut into gates of 6: two independent experiments, and the bound they support
    expect(atMedian!.independent.experiments).toBe(2);
    expect(atMedian!.independent.caught).toBe(2);
    expect(c.metrics).toEqual(broken!.metrics);
  });

  it('the 95% upper bound of a false-alarm rate from independent experiments (Clopper–Pearson, one-sided)', () => {
    expect(upperBound95(0, 10)).toBeCloseTo(1 - 0.05 ** (1 / 10), 6);
    expect(upperBound95(0, 59)).toBeLessThan(0.05); // 59 clean experiments are what "≤ 5%" at 95% takes
    expect(upperBound95(0, 58)).toBeGreaterThan(0.05);
    expect(upperBound95(1, 20)).toBeCloseTo(0.2161, 3);
    expect(upperBound95(3, 3)).toBe(1);
  });

  it('a slowdown within minEffect is rarely caught', () => {
    const plain = noisy(10, 11);
    const c = calibrateGate(
      report({ pooled: plain, 'pooled-twin': plain, 'pooled-slowed': plain.map((x) => x * 1.05) }),
      'light',
      names,
      settings,
    );
    expect(c.metrics.find((m) => m.metric === 'p50')!.power).toBeLessThan(0.2);
  });

  it('a machine drifting by ±40% between rounds: a 20% slowdown is caught when runs pair by round, rarely when pooled', () => {
    const drift = noisy(1, 13, 0.4);
    const jitter = (seed: number) => noisy(1, seed, 0.03);
    const rows = {
      pooled: drift.map((d, i) => 10 * d * jitter(17)[i]!),
      'pooled-twin': drift.map((d, i) => 10 * d * jitter(19)[i]!),
      'pooled-slowed': drift.map((d, i) => 12 * d * jitter(23)[i]!),
    };
    const paired = calibrateGate(report(rows), 'light', names, settings);
    const pooled = calibrateGate(report(rows, false), 'light', names, settings);
    expect(pooled.paired).toBe(false);
    const p50 = (c: typeof paired) => c.metrics.find((m) => m.metric === 'p50')!;
    expect(p50(paired).power).toBeGreaterThanOrEqual(0.95);
    expect(p50(paired).falseAlarmRate).toBeLessThanOrEqual(0.05);
    expect(p50(pooled).power).toBeLessThan(0.5);
  });

  it('needs 12 runs of each row', () => {
    expect(() =>
      calibrateGate(
        report({ pooled: [1, 2], 'pooled-twin': [1, 2], 'pooled-slowed': [1, 2] }),
        'light',
        names,
        settings,
      ),
    ).toThrow(/at least 12 runs/);
    expect(() => calibrateGate(report({ pooled: [1, 2] }), 'light', names, settings)).toThrow(/needs rows/);
  });
});
