/**
 * Capacity at an SLO: the SLO parser, the search on a synthetic latency curve (pure), and the search driving the real
 * open-model generator against a stub server that serves one request at a time for 2 ms: at most 500 req/s, past
 * which its queue grows and the corrected p99 explodes. The knee must fall between the last rate that held and the
 * first that broke, and they must be within one search step of each other.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  brokenTerms,
  overlaps,
  parseSlo,
  type StepMeasure,
  searchCapacity,
} from '../../harness/capacity/capacity-search.ts';
import { defaultStepS, tolerablePauseMs } from '../../harness/capacity/step-length.ts';
import { runOpenLoad } from '../../harness/load/open-load.ts';

const measure = (p99: number, errorShare = 0, achievedRps = 0): StepMeasure => ({
  latencyMs: { p50: p99 / 2, p90: p99 / 1.5, p99, 'p99.9': p99 * 1.2, max: p99 * 2 },
  errorShare,
  achievedRps,
  generatorBehind: false,
});

describe('step length', () => {
  it('is long enough that one pause of 4× the threshold cannot break the percentile alone, within 5–30 s', () => {
    expect(defaultStepS(parseSlo('p99<50ms,errors<0.1%'))).toBe(15);
    expect(defaultStepS(parseSlo('p50<10ms'))).toBe(5);
    expect(defaultStepS(parseSlo('errors<1%,max<1s'))).toBe(5);
    expect(defaultStepS(parseSlo('p99.9<50ms'))).toBe(30);
    expect(defaultStepS(parseSlo('p90<200ms,p99<100ms'))).toBe(30);
    // at the default step, the pause a term tolerates is 4× its threshold; over 5 s, a p99<50ms breaks on 100 ms
    const [p99] = parseSlo('p99<50ms');
    if (!p99) throw new Error('no term');
    expect(tolerablePauseMs(p99, 15)).toBeCloseTo(200, 6);
    expect(tolerablePauseMs(p99, 5)).toBeCloseTo(100, 6);
    expect(tolerablePauseMs(parseSlo('max<1s')[0] as NonNullable<typeof p99>, 15)).toBeUndefined();
  });
});

describe('parseSlo', () => {
  it('reads latency terms in us, ms and s, and errors as a percentage', () => {
    expect(parseSlo('p99<50ms, errors<0.1%')).toEqual([
      { metric: 'p99', op: '<', value: 50, text: 'p99<50ms' },
      { metric: 'errors', op: '<', value: 0.001, text: 'errors<0.1%' },
    ]);
    expect(parseSlo('p99.9 <= 1s,p50<500us').map((t) => t.value)).toEqual([1000, 0.5]);
    expect(brokenTerms(parseSlo('p99<50ms,errors<1%'), measure(60, 0.02))).toEqual([
      'p99<50ms (measured 60.0 ms)',
      'errors<1% (measured 2.00%)',
    ]);
  });

  it.each([
    ['', /--slo is empty/],
    ['p99>50ms', /--slo term "p99>50ms": write <metric> < <value>/],
    ['errors<5ms', /errors take a percentage/],
    ['p99<5%', /a latency takes us, ms or s/],
  ])('%j is refused with the fix', (text, message) => {
    expect(() => parseSlo(text)).toThrow(message);
  });
});

describe('searchCapacity on a known curve', () => {
  it('ramps ×2 one probe a rate, judges the knee on three repeats, then halves the interval; the knee lies inside it', async () => {
    const knee = 730; // p99 10 ms below, 200 ms above
    const probe = async (rate: number) => measure(rate <= knee ? 10 : 200);
    const r = await searchCapacity(probe, parseSlo('p99<50ms'), { startRate: 100, resolution: 0.05 });
    expect(r.steps.slice(0, 10).map((s) => [s.rate, s.phase, s.repeat, s.holds])).toEqual([
      [100, 'ramp', 1, true],
      [200, 'ramp', 1, true],
      [400, 'ramp', 1, true],
      [800, 'ramp', 1, false],
      [800, 'ramp', 2, false], // two breaks of three: broken in most, no third needed
      [400, 'search', 2, true], // the ramp's last held rate, judged on repeats (its probe was the first)
      [400, 'search', 3, true],
      [600, 'search', 1, true],
      [600, 'search', 2, true],
      [600, 'search', 3, true],
    ]);
    expect(r.repeats).toBe(3);
    expect(r.stoppedBy).toBe('resolution');
    expect(r.sustainableRps!).toBeLessThanOrEqual(knee);
    expect(r.firstBrokenRps!).toBeGreaterThan(knee);
    expect((r.firstBrokenRps! - r.sustainableRps!) / r.firstBrokenRps!).toBeLessThanOrEqual(0.05);
    expect(r.rates.filter((v) => v.verdict === 'held').every((v) => v.held === 3)).toBe(true);
  });

  it('a noisy knee: a rate that breaks in one repeat of three is mixed, neither held nor broken, and lies inside the interval', async () => {
    // below 600 always held; above 900 always broken; between, every third probe breaks (a random pause's p99)
    let n = 0;
    const probe = async (rate: number) => measure(rate < 600 ? 10 : rate > 900 ? 200 : ++n % 3 === 0 ? 200 : 10);
    const r = await searchCapacity(probe, parseSlo('p99<50ms'), { startRate: 100, resolution: 0.05 });
    const mixed = r.rates.filter((v) => v.verdict === 'mixed');
    expect(mixed.length).toBeGreaterThan(0);
    for (const v of mixed) {
      expect(v.rate).toBeGreaterThan(r.sustainableRps!);
      expect(v.rate).toBeLessThan(r.firstBrokenRps!);
    }
    expect(r.sustainableRps!).toBeLessThan(900);
    expect(r.firstBrokenRps!).toBeGreaterThan(900);
  });

  it('re-runs a step the machine or the generator set the pace of, and counts only the re-run', async () => {
    let calls = 0;
    const once = async (rate: number) => ({ ...measure(rate <= 400 ? 1 : 100), machineBound: ++calls === 2 });
    const r = await searchCapacity(once, parseSlo('p99<5ms'), { startRate: 100 });
    expect(r.steps.filter((s) => !s.counted).map((s) => [s.rate, s.machineBound])).toEqual([[200, true]]);
    expect(r.steps.filter((s) => s.rate === 200).map((s) => s.counted)).toEqual([false, true]);
    expect(r.sustainableRps).toBe(400);
    // flagged from the first rate: nothing to search below it, and the reason is the answer
    const bound = await searchCapacity(async () => ({ ...measure(1), machineBound: true }), parseSlo('p99<5ms'));
    expect([bound.stoppedBy, bound.steps.length]).toEqual(['machine', 3]);
    // flagged from 1 600 req/s up (the machine's ceiling, below the row's): unmeasured, and the search goes on below
    const ceiling = await searchCapacity(
      async (rate) => ({ ...measure(1), machineBound: rate >= 1600 }),
      parseSlo('p99<5ms'),
      { startRate: 100 },
    );
    expect(ceiling.rates.find((v) => v.rate === 1600)?.verdict).toBe('unmeasured');
    expect(ceiling.firstBrokenRps).toBeNull();
    expect(ceiling.sustainableRps).toBeGreaterThanOrEqual(1440);
    expect(ceiling.stoppedBy).toBe('resolution');
  });

  it('ranks two rows only where one held at or above the rate the other broke at', () => {
    expect(
      overlaps({ sustainableRps: 5000, firstBrokenRps: 6000 }, { sustainableRps: 5500, firstBrokenRps: 7000 }),
    ).toBe(true);
    expect(
      overlaps({ sustainableRps: 5000, firstBrokenRps: 5400 }, { sustainableRps: 5400, firstBrokenRps: 6000 }),
    ).toBe(false);
    expect(overlaps({ sustainableRps: null, firstBrokenRps: 100 }, { sustainableRps: 200, firstBrokenRps: null })).toBe(
      false,
    );
    expect(
      overlaps({ sustainableRps: 8000, firstBrokenRps: null }, { sustainableRps: 9000, firstBrokenRps: null }),
    ).toBe(true);
  });

  it('stops at maxRate, at the step budget, below minRate, and when the generator falls behind', async () => {
    const always = async () => measure(1);
    expect((await searchCapacity(always, parseSlo('p99<5ms'), { startRate: 100, maxRate: 300 })).stoppedBy).toBe(
      'max-rate',
    );
    const never = async () => measure(100);
    const low = await searchCapacity(never, parseSlo('p99<5ms'), { startRate: 8, minRate: 1 });
    expect(low.stoppedBy).toBe('min-rate');
    expect(low.sustainableRps).toBeNull();
    const budget = await searchCapacity(always, parseSlo('p99<5ms'), { maxSteps: 3 });
    expect([budget.stoppedBy, budget.steps.length]).toEqual(['steps', 3]);
    const behind = await searchCapacity(async () => ({ ...measure(1), generatorBehind: true }), parseSlo('p99<5ms'));
    expect([behind.stoppedBy, behind.steps.length]).toEqual(['generator', 3]); // the step and its two re-runs
    // Behind, with the SLO broken on corrected latency only: the generator's lateness did it; stop.
    const late = await searchCapacity(
      async () => ({ ...measure(50), uncorrectedLatencyMs: measure(1).latencyMs, generatorBehind: true }),
      parseSlo('p99<5ms'),
    );
    expect([late.stoppedBy, late.steps.length]).toEqual(['generator', 3]);
    // Behind, with the service time breaking it too (an overloaded target starving the generator): a broken step,
    // and the search goes on to find the knee.
    const knee = await searchCapacity(
      async (rate) => {
        const m = measure(rate > 1000 ? 50 : 1);
        return { ...m, uncorrectedLatencyMs: m.latencyMs, generatorBehind: rate > 1000 };
      },
      parseSlo('p99<5ms'),
      { startRate: 100 },
    );
    expect(knee.stoppedBy).toBe('resolution');
    expect(knee.sustainableRps).toBeGreaterThan(900);
    expect(knee.sustainableRps).toBeLessThanOrEqual(1000);
    expect(knee.steps.some((s) => s.brokenByTarget)).toBe(true);
  });
});

describe('searchCapacity with the open-model generator', () => {
  let server: http.Server;
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('a server of at most 500 req/s (one request at a time, 2 ms each): the knee falls within the last search step', async () => {
    const serviceMs = 2;
    // One request at a time, each held ≥ 2 ms by a timer (not CPU, so the generator's thread is not starved on a
    // small machine): at most 500 req/s, less by the timers' lateness.
    const queue: http.ServerResponse[] = [];
    let busy = false;
    const next = (): void => {
      const res = queue.shift();
      if (!res) {
        busy = false;
        return;
      }
      busy = true;
      setTimeout(() => {
        res.end('ok');
        next();
      }, serviceMs);
    };
    server = http.createServer((_req, res) => {
      queue.push(res);
      if (!busy) next();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = async (rate: number): Promise<StepMeasure> => {
      const r = await runOpenLoad({ url, paths: ['/'], rate, durationS: 2, timeoutS: 2, maxInFlight: 200 });
      const ms = (p: number) => r.histogram.getValueAtPercentile(p) / 1000;
      const scheduled = r.open.scheduled;
      return {
        latencyMs: { p50: ms(50), p90: ms(90), p99: ms(99), 'p99.9': ms(99.9), max: r.histogram.maxValue / 1000 },
        errorShare: (scheduled - r.responses) / Math.max(1, scheduled),
        achievedRps: r.responses / 2,
        generatorBehind: r.open.behind,
      };
    };
    // A moment when this shared machine stalls the generator (its send lag p99 ≥ 10 ms) ends a search honestly with
    // 'generator' (a CI run saw it once): such a search is repeated, up to three searches in all.
    // one probe a rate: the repeats' rule is tested above on known curves; here the real generator drives the search
    const options = { startRate: 100, resolution: 0.1, repeats: 1 };
    let r = await searchCapacity(probe, parseSlo('p99<50ms,errors<1%'), options);
    for (let retry = 0; retry < 2 && r.stoppedBy === 'generator'; retry++) {
      expect(r.steps.at(-1)!.generatorBehind).toBe(true);
      r = await searchCapacity(probe, parseSlo('p99<50ms,errors<1%'), options);
    }
    expect(r.stoppedBy).toBe('resolution');
    const capacity = 1000 / serviceMs; // an upper bound: HTTP handling adds to the 2 ms
    expect(r.sustainableRps!).toBeLessThanOrEqual(capacity);
    expect(r.sustainableRps!).toBeGreaterThanOrEqual(capacity * 0.4);
    expect(r.firstBrokenRps!).toBeGreaterThan(r.sustainableRps!);
    expect((r.firstBrokenRps! - r.sustainableRps!) / r.firstBrokenRps!).toBeLessThanOrEqual(0.1);
    for (const s of r.steps.filter((x) => !x.holds)) expect(s.broken.length).toBeGreaterThan(0);
  }, 300_000);
});
