/**
 * The statistics of `compare` and `gate`: the Mann–Whitney U test (two-sided) and a distribution-free
 * confidence interval of the median, after benchstat (golang.org/x/perf/benchstat) and Node core's
 * `benchmark/compare.js`: repeated runs, a rank test that assumes no distribution, and "no significance, no
 * conclusion".
 *
 * The rank sum comes from simple-statistics (`wilcoxonRankSum`, mid-ranks for ties). The p-value is exact (the
 * null distribution of U counted by dynamic programming, Mann & Whitney 1947) when there are no ties and
 * n₁·n₂ ≤ 10 000, else the normal approximation with tie correction and continuity correction (as R's
 * `wilcox.test` with `exact = FALSE, correct = TRUE`).
 *
 * @module
 */
import wilcoxon from '@stdlib/stats-wilcoxon';
import { errorFunction, median, sampleCorrelation, wilcoxonRankSum } from 'simple-statistics';

/** Samples per side benchstat wants before it states a confidence interval at 0.95; below it we conclude nothing. */
export const MIN_SAMPLES = 6;

/** Result of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of the first sample: the number of (x, y) pairs with x > y, ties counting ½. */
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly method: 'exact' | 'normal';
}

/** Counts of U values under H0 for sizes (m, n): `counts[u]` = arrangements with that U (Mann & Whitney's recursion). */
function uDistribution(m: number, n: number): number[] {
  // f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)
  let prev: number[][] = Array.from({ length: n + 1 }, () => [1]); // m = 0: U = 0 in one way, for every n
  for (let i = 1; i <= m; i++) {
    const cur: number[][] = [[1]]; // n = 0: U = 0 in one way
    for (let j = 1; j <= n; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      const a = prev[j]!; // (i-1, j): shift by j
      for (let u = 0; u < a.length; u++) row[u + j] = (row[u + j] ?? 0) + a[u]!;
      const b = cur[j - 1]!; // (i, j-1)
      for (let u = 0; u < b.length; u++) row[u] = (row[u] ?? 0) + b[u]!;
      cur.push(row);
    }
    prev = cur;
  }
  return prev[n]!;
}

/** Standard normal CDF from simple-statistics' error function. */
function phi(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/**
 * Two-sided Mann–Whitney U test of `x` against `y`.
 * @throws {RangeError} when a sample is empty.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  if (x.length === 0 || y.length === 0) throw new RangeError('Mann–Whitney U needs two non-empty samples');
  const m = x.length;
  const n = y.length;
  const u = wilcoxonRankSum([...x], [...y]) - (m * (m + 1)) / 2;
  const pooled = [...x, ...y].sort((a, b) => a - b);
  const ties: number[] = [];
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1] === pooled[i]) j++;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  if (ties.length === 0 && m * n <= 10_000) {
    const counts = uDistribution(m, n);
    const total = counts.reduce((s, c) => s + c, 0);
    let lower = 0;
    for (let k = 0; k <= Math.floor(u); k++) lower += counts[k]!;
    let upper = 0;
    for (let k = Math.ceil(u); k < counts.length; k++) upper += counts[k]!;
    return { u, p: Math.min(1, (2 * Math.min(lower, upper)) / total), method: 'exact' };
  }
  const big = m + n;
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0) / (big * (big - 1));
  const sigma = Math.sqrt(((m * n) / 12) * (big + 1 - tieTerm));
  const mu = (m * n) / 2;
  if (sigma === 0) return { u, p: 1, method: 'normal' };
  const d = u - mu;
  const z = (d - Math.sign(d) * 0.5) / sigma;
  return { u, p: Math.min(1, 2 * (1 - phi(Math.abs(z)))), method: 'normal' };
}

/** A median with its distribution-free confidence interval. */
export interface MedianCi {
  readonly median: number;
  /** Bounds of the interval; equal to the median when there are too few samples for one. */
  readonly low: number;
  readonly high: number;
  /** Actual coverage of [low, high] (order statistics give discrete levels, ≥ the level asked for when possible). */
  readonly coverage: number;
  readonly n: number;
}

/**
 * The median and the order-statistic confidence interval [x₍k₎, x₍n−k+1₎] with the largest k whose coverage
 * 1 − 2·P(Binomial(n, ½) ≤ k − 1) is at least `level` (the sign-test interval benchstat uses). With too few samples for
 * that level (n < 6 at 0.95) the interval is the median alone and `coverage` is 0.
 * @throws {RangeError} on an empty sample.
 */
export function medianCi(values: readonly number[], level = 0.95): MedianCi {
  if (values.length === 0) throw new RangeError('a median needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const med = median(sorted);
  const cdf: number[] = []; // P(B ≤ i)
  let acc = 0;
  let binom = 1;
  for (let i = 0; i <= n; i++) {
    if (i > 0) binom = (binom * (n - i + 1)) / i;
    acc += binom / 2 ** n;
    cdf.push(acc);
  }
  let best = 0;
  for (let k = 1; k <= Math.floor((n + 1) / 2); k++) {
    const coverage = 1 - 2 * cdf[k - 1]!;
    if (coverage >= level) best = k;
  }
  if (best === 0) return { median: med, low: med, high: med, coverage: 0, n };
  const coverage = 1 - 2 * cdf[best - 1]!;
  return { median: med, low: sorted[best - 1]!, high: sorted[n - best]!, coverage, n };
}

/** One run's value of a metric, with when the run started (ms since the Unix epoch) when the report says. */
export interface RunPoint {
  readonly value: number;
  readonly startedAtMs?: number | undefined;
}

/** Result of {@link testRuns}. */
export interface RunTest {
  /** Two-sided p-value. */
  readonly p: number;
  /**
   * The head's change from the base: for paired runs the median of the per-pair ratios head/base minus 1 (the
   * median pairwise difference over the base median when a value is ≤ 0); unpaired, (median head − median base) /
   * |median base|. `Infinity` from a base of 0.
   */
  readonly change: number;
  /** `paired`: Wilcoxon signed-rank over runs paired by time; `unpaired`: Mann–Whitney U. */
  readonly method: 'paired' | 'unpaired';
  /** Within-pair correlation of the (log) values when the runs interleave (NaN when constant); else absent. */
  readonly correlation?: number;
}

/**
 * Pairs base and head runs measured interleaved (`run --repeat`, or alternating base/head rounds as the CI example
 * runs them): the same number of runs a side, every run with a start time, and the two sides' time spans
 * overlapping. The k-th base run (in time) pairs with the k-th head run. `null` otherwise (e.g. all base runs
 * before all head runs), and then a pairing would remove nothing.
 */
export function interleavedPairs(base: readonly RunPoint[], head: readonly RunPoint[]): Array<[number, number]> | null {
  if (base.length !== head.length || base.length === 0) return null;
  const timed = (xs: readonly RunPoint[]) =>
    xs.every((x) => x.startedAtMs !== undefined) ? [...xs].sort((a, b) => a.startedAtMs! - b.startedAtMs!) : null;
  const b = timed(base);
  const h = timed(head);
  if (!b || !h) return null;
  const overlap = b[0]!.startedAtMs! < h.at(-1)!.startedAtMs! && h[0]!.startedAtMs! < b.at(-1)!.startedAtMs!;
  return overlap ? b.map((x, i) => [x.value, h[i]!.value]) : null;
}

/**
 * Tests whether head runs differ from base runs. The test is chosen from how the runs were **measured**, never from
 * their values: choosing it from the same data that is then tested inflates its false alarms beyond either test's
 * alone (docs/GATING.md).
 *
 * - Measured interleaved ({@link interleavedPairs}: base and head in alternating rounds, as `run --repeat` and the
 *   pull-request job measure them): the two-sided Wilcoxon signed-rank test (`@stdlib/stats-wilcoxon`, exact below
 *   50 pairs without ties) on the per-pair log ratios. A shared machine's slow drift moves both runs of a round and
 *   cancels out, which a rank test over the pooled runs cannot do. The within-pair correlation is reported
 *   (`correlation`): a pair's difference has variance 2σ²(1 − ρ), so where it is low (noise faster than a round)
 *   pairing costs power, which `calibrate` measures.
 * - Otherwise (base and head measured apart): the two-sided Mann–Whitney U test.
 * @throws {RangeError} when a side is empty.
 */
export function testRuns(base: readonly RunPoint[], head: readonly RunPoint[]): RunTest {
  if (base.length === 0 || head.length === 0) throw new RangeError('a test of runs needs runs on both sides');
  const baseMedian = median(base.map((x) => x.value));
  const relative = (d: number) =>
    baseMedian === 0 ? (d === 0 ? 0 : Math.sign(d) * Number.POSITIVE_INFINITY) : d / Math.abs(baseMedian);
  const pairs = interleavedPairs(base, head);
  if (pairs) {
    const positive = pairs.every(([b, h]) => b > 0 && h > 0);
    const scale = (x: number) => (positive ? Math.log(x) : x);
    const d = pairs.map(([b, h]) => scale(h) - scale(b));
    if (d.every((x) => x === 0)) return { p: 1, change: 0, method: 'paired', correlation: 1 };
    const correlation =
      pairs.length > 2
        ? sampleCorrelation(
            pairs.map(([b]) => scale(b)),
            pairs.map(([, h]) => scale(h)),
          )
        : Number.NaN;
    const md = median(d);
    return {
      p: wilcoxon(d).pValue,
      change: positive ? Math.expm1(md) : relative(md),
      method: 'paired',
      correlation,
    };
  }
  const h = head.map((x) => x.value);
  return {
    p: mannWhitneyU(
      h,
      base.map((x) => x.value),
    ).p,
    change: relative(median(h) - baseMedian),
    method: 'unpaired',
  };
}
