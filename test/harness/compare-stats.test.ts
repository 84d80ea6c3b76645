/**
 * The statistics of compare/gate against reference values computed independently:
 * - R's `wilcox.test` documentation example (Hollander & Wolfe 1973, p. 69: permeability constants):
 *   `wilcox.test(x, y, alternative = "greater")` gives W = 35, p = 0.1272, so the two-sided exact p is 0.2544;
 * - exact p-values enumerated by brute force over every split of the pooled sample (a 10-line Python script,
 *   itertools.combinations, independent of this code): 0.2544122544 for the R example, 2/924 = 0.0021645022 for two
 *   fully separated samples of 6, and 0.2331002331 for a sample with ties (the normal approximation must be near it);
 * - the sign-test confidence interval of the median (Conover, Practical Nonparametric Statistics, table A3): for
 *   n = 6 the 95% interval is [x₍₁₎, x₍₆₎] with coverage 1 − 2/64 = 0.96875; for n = 10 it is [x₍₂₎, x₍₉₎] with
 *   coverage 1 − 22/1024 = 0.978515625; below 6 samples there is none at 95%;
 * - the Wilcoxon signed-rank test's exact null distribution: with 6 pairs all one way, the two-sided p is 2/64
 *   (each of the 2⁶ sign patterns equally likely; only all-plus and all-minus are as extreme).
 */
import { describe, expect, it } from 'vitest';
import { interleavedPairs, MIN_SAMPLES, mannWhitneyU, medianCi, testRuns } from '../../harness/stats/compare-stats.ts';

describe('Mann–Whitney U', () => {
  it("matches R's documented example and the brute-force exact p-value", () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    expect(r.u).toBe(35);
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(0.2544122544, 9);
  });

  it('two fully separated samples of 6: the smallest exact p, either way round', () => {
    const a = [5.1, 4.9, 5.3, 5.2, 5.0, 5.4];
    const b = [5.6, 5.8, 5.5, 5.9, 5.7, 6.0];
    expect(mannWhitneyU(a, b).u).toBe(0);
    expect(mannWhitneyU(a, b).p).toBeCloseTo(2 / 924, 12);
    expect(mannWhitneyU(b, a).u).toBe(36);
    expect(mannWhitneyU(b, a).p).toBeCloseTo(2 / 924, 12);
  });

  it('with ties: mid-ranks and the normal approximation, near the brute-force exact p', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 4, 5, 6], [2, 3, 3, 7, 8, 9]);
    expect(r.u).toBe(12);
    expect(r.method).toBe('normal');
    expect(Math.abs(r.p - 0.2331002331)).toBeLessThan(0.03);
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1]).p).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe('median confidence interval', () => {
  it('uses the sign-test order statistics', () => {
    expect(MIN_SAMPLES).toBe(6);
    const six = medianCi([6, 1, 5, 2, 4, 3]);
    expect(six).toEqual({ median: 3.5, low: 1, high: 6, coverage: 0.96875, n: 6 });
    const ten = medianCi([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect([ten.low, ten.high, ten.median]).toEqual([2, 9, 5.5]);
    expect(ten.coverage).toBeCloseTo(0.978515625, 12);
    const five = medianCi([1, 2, 3, 4, 5]);
    expect(five).toEqual({ median: 3, low: 3, high: 3, coverage: 0, n: 5 });
  });
});

describe('testRuns: paired by round when the runs were measured interleaved', () => {
  const at = (values: number[], start: number, step = 2000) =>
    values.map((value, i) => ({ value, startedAtMs: start + i * step }));
  // A machine drifting from fast to slow and back, larger than the 20% slowdown of the head.
  const drift = [10, 14, 7, 12, 9, 15];
  const base = at(drift, 0);
  const ratios = [1.18, 1.22, 1.19, 1.21, 1.2, 1.23]; // distinct, so the exact distribution applies
  const head = at(
    drift.map((x, i) => x * ratios[i]!),
    1000,
  );

  it('pairs the k-th base run with the k-th head run by start time, only when their spans overlap', () => {
    expect(interleavedPairs(base, head)).toEqual(drift.map((x, i) => [x, x * ratios[i]!]));
    expect(interleavedPairs(base, at(drift, 100_000))).toBeNull(); // all base runs first
    expect(interleavedPairs(base, head.slice(1))).toBeNull(); // unequal counts
    expect(
      interleavedPairs(
        base,
        drift.map((value) => ({ value })),
      ),
    ).toBeNull(); // no start times
  });

  it('a 20% slowdown under a larger drift: significant paired (p = 2/64), not pooled', () => {
    const paired = testRuns(base, head);
    expect(paired.method).toBe('paired');
    expect(paired.p).toBeCloseTo(2 / 64, 10);
    expect(paired.change).toBeCloseTo(Math.sqrt(1.2 * 1.21) - 1, 10); // median log ratio
    const pooled = testRuns(
      base.map(({ value }) => ({ value })),
      head.map(({ value }) => ({ value })),
    );
    expect(pooled.method).toBe('unpaired');
    expect(pooled.p).toBeGreaterThan(0.2);
  });

  it('the test follows the design, not the data: interleaved pairs are paired even when they do not move together', () => {
    const b = at([10, 14, 10, 14, 10, 14], 0);
    const h = at([14.2, 9.8, 13.9, 10.1, 14.1, 9.9], 1000); // anti-correlated with their partners
    const r = testRuns(b, h);
    expect(r.method).toBe('paired');
    expect(r.correlation).toBeLessThan(0);
    expect(r.p).toBeGreaterThan(0.5);
    expect(testRuns(base, head).correlation).toBeGreaterThan(0.5);
  });

  it('identical pairs: p = 1, no change; values of 0 fall back to differences', () => {
    expect(testRuns(base, at(drift, 1000))).toMatchObject({ p: 1, change: 0, method: 'paired' });
    const zeros = testRuns(at([0, 0, 0, 1, 1, 1], 0), at([1, 1, 1, 2, 2, 2], 1000));
    expect(zeros.method).toBe('paired');
    expect(zeros.change).toBeCloseTo(1 / 0.5, 10); // median difference 1 over the base median 0.5
    expect(() => testRuns([], base)).toThrow(RangeError);
  });
});
