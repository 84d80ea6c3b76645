/**
 * Budgets and the gate: parsing (each operator, units, leak and relative budgets, errors with file and line) and
 * evaluation (absolute, relative, missing rows, leak verdicts, the baseline rule with its significance test and
 * minimum effect), on reports built here. The end-to-end gate on real quick runs is in cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BenchError } from '../../harness/errors.ts';
import { parseBudgets } from '../../harness/gate/budgets.ts';
import { evaluateBudgets } from '../../harness/gate/gate.ts';
import { gateJunit, gateMarkdown } from '../../harness/gate/gate-output.ts';
import type { Report } from '../../harness/report/report-schema.ts';
import { mergeReports } from '../../harness/results/merge.ts';
import { report, row, run } from '../report-fixtures.ts';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).isUsage).toBe(true);
    return (err as BenchError).message;
  }
  throw new Error('did not throw');
}

describe('parsing budgets', () => {
  it('reads every operator, units, leak and relative budgets, with their lines', () => {
    const b = parseBudgets(
      [
        'minEffect: 0.2',
        'scenarios:',
        '  light:',
        '    rows:',
        '      pooled:',
        '        - p99 < 50ms',
        '        - p99.9 <= 0.2s',
        '        - p50 < 800us',
        '        - rps > 1000',
        '        - rps >= 1000',
        '        - errors == 0',
        '        - errors != 3',
        '        - leak == no-leak',
        '    relative:',
        '      - pooled.p99 <= 0.5 * naive-fetch.p99',
        '      - watch-cached.p99 < pooled.p99',
      ].join('\n'),
      'b.yml',
    );
    expect(b.minEffect).toBe(0.2);
    expect(b.alpha).toBe(0.05);
    const abs = b.budgets.filter((x) => x.kind === 'absolute');
    expect(abs.map((x) => [x.metric, x.op, x.value, x.line])).toEqual([
      ['p99', '<', 50, 6],
      ['p99.9', '<=', 200, 7],
      ['p50', '<', 0.8, 8],
      ['rps', '>', 1000, 9],
      ['rps', '>=', 1000, 10],
      ['errors', '==', 0, 11],
      ['errors', '!=', 3, 12],
    ]);
    expect(b.budgets.find((x) => x.kind === 'leak')).toMatchObject({ op: '==', verdict: 'no-leak', line: 13 });
    const rel = b.budgets.filter((x) => x.kind === 'relative');
    expect(rel[0]).toMatchObject({
      left: { row: 'pooled', metric: 'p99' },
      op: '<=',
      factor: 0.5,
      right: { row: 'naive-fetch', metric: 'p99' },
      line: 15,
    });
    expect(rel[1]).toMatchObject({ factor: 1, line: 16 });
    // JSON is YAML too
    expect(parseBudgets('{"scenarios": {"light": {"rows": {"pooled": ["p99 < 5"]}}}}', 'b.json').budgets).toHaveLength(
      1,
    );
  });

  it('names the file, the line and the fix for every mistake', () => {
    expect(usage(() => parseBudgets('scenarios:\n  light: [oops', 'b.yml'))).toMatch(/^b\.yml:\d+: not valid YAML/);
    expect(usage(() => parseBudgets('scenarios:\n  lite:\n    rows:\n      pooled: ["p99 < 5"]', 'b.yml'))).toMatch(
      /^b\.yml:2: unknown scenario "lite": use one of articles, articles-tls, light/,
    );
    expect(usage(() => parseBudgets('scenarios:\n  light:\n    rows:\n      pooledd: ["p99 < 5"]', 'b.yml'))).toMatch(
      /^b\.yml:4: unknown row "pooledd" in light: use one of/,
    );
    expect(
      usage(() => parseBudgets('scenarios:\n  light:\n    rows:\n      pooled:\n        - p98 < 5', 'b.yml')),
    ).toMatch(/^b\.yml:5: unknown metric "p98": use one of rps, p50/);
    expect(
      usage(() => parseBudgets('scenarios:\n  light:\n    rows:\n      pooled:\n        - p99 is small', 'b.yml')),
    ).toMatch(/^b\.yml:5: cannot read budget "p99 is small": write <metric> <op> <number>\[unit\]/);
    expect(
      usage(() => parseBudgets('scenarios:\n  light:\n    rows:\n      pooled:\n        - rps > 5ms', 'b.yml')),
    ).toMatch(/^b\.yml:5: rps is in req\/s, not a duration: drop the unit ms/);
    expect(
      usage(() => parseBudgets('scenarios:\n  light:\n    relative:\n      - pooled.p99 < naive.p99', 'b.yml')),
    ).toMatch(/^b\.yml:4: unknown row "naive" in light/);
    expect(usage(() => parseBudgets('minEfect: 0.1\nscenarios: {}', 'b.yml'))).toMatch(
      /^b\.yml:1: unknown field "minEfect": use alpha, minEffect and scenarios/,
    );
    expect(usage(() => parseBudgets('alpha: 2\nscenarios: {}', 'b.yml'))).toMatch(/^b\.yml:1: alpha must be below 1/);
    expect(usage(() => parseBudgets('scenarios: {}', 'b.yml'))).toMatch(/^b\.yml:1: no budgets/);
  });
});

describe('evaluating budgets', () => {
  const six = (ms: number[]) => ms.map((m) => run(m));
  const head = report('light', [
    row('pooled', six([10, 11, 12, 10, 11, 12])),
    row('naive-fetch', six([30, 31, 32, 30, 31, 33])),
  ]);
  const budgets = (text: string) => parseBudgets(`scenarios:\n  light:\n${text}`, 'b.yml');

  it('absolute budgets on the median of the runs, each operator, with value, threshold and margin', () => {
    const r = evaluateBudgets(
      budgets(
        '    rows:\n      pooled: ["p99 < 20ms", "p99 < 11ms", "p99 <= 11ms", "p99 > 5", "p99 >= 12", "errors == 0", "errors != 0", "rps > 999"]',
      ),
      head,
    );
    expect(r.map((x) => x.pass)).toEqual([true, false, true, true, false, true, false, true]);
    expect(r[0]).toMatchObject({
      name: 'light pooled: p99 < 20ms',
      measured: '11 ms',
      threshold: '< 20 ms',
      margin: '+45.0%',
      note: 'median 11 ms of 6 runs',
    });
    expect(r[1]!.margin).toBe('+0.0%'); // exactly at a strict threshold: no room, and it fails
  });

  it('relative budgets compare two rows of the same run; a missing row fails', () => {
    const r = evaluateBudgets(
      budgets(
        '    relative:\n      - pooled.p99 <= 0.5 * naive-fetch.p99\n      - pooled.p99 <= 0.3 * naive-fetch.p99\n      - pooled.p99 < watch-cached.p99',
      ),
      head,
    );
    expect(r.map((x) => x.pass)).toEqual([true, false, false]);
    expect(r[0]!.threshold).toBe('<= 15.5 ms (0.5 × 31)');
    expect(r[2]!.note).toMatch(/row watch-cached missing from the report/);
  });

  it('leak budgets hold when every run does (or the majority, by majority); runs that disagree are named', () => {
    const stall = report('network-stall', [
      row('pooled', [run(1, { leak: 'no-leak' }), run(1, { leak: 'leak' }), run(1, { leak: 'no-leak' })], 'no-leak'),
      row('fixed', [run(1, { leak: 'leak' }), run(1, { leak: 'leak' })], 'leak'),
    ]);
    const b = parseBudgets(
      'scenarios:\n  network-stall:\n    rows:\n      pooled: ["leak == no-leak", "leak == no-leak by majority"]\n      fixed: ["leak == no-leak"]',
      'b.yml',
    );
    const r = evaluateBudgets(b, stall);
    expect(r.map((x) => [x.pass, x.measured, x.threshold])).toEqual([
      [false, 'no-leak ×2, leak ×1', '== no-leak in all runs'],
      [true, 'no-leak', '== no-leak by majority'],
      [false, 'leak', '== no-leak in all runs'],
    ]);
    expect(r[0]!.note).toBe('the runs disagree: no-leak ×2, leak ×1');
    // with a baseline that leaked too, it is not a regression; with one that held, it is, whatever the run count
    const same = evaluateBudgets(b, stall, stall)[2]!;
    expect(same.pass).toBe(true);
    expect(same.note).toBe('violated in the baseline too (leak ×2): not a regression');
    const healthy = report('network-stall', [row('fixed', [run(1, { leak: 'no-leak' })], 'no-leak')]);
    const regressed = evaluateBudgets(b, stall, healthy)[2]!;
    expect(regressed.pass).toBe(false);
    expect(regressed.note).toBe('the baseline held it (no-leak ×1): a regression');
  });

  it('counts of what must not happen (errors) are judged on every run; others say "in all runs" to be', () => {
    const someErrors = report('light', [
      row(
        'pooled',
        [0, 0, 3, 0, 5, 0].map((e) => run(10 + e, { errors: e })),
      ),
    ]);
    const r = evaluateBudgets(
      budgets(
        '    rows:\n      pooled: ["errors == 0", "errors == 0 on the median", "p99 < 14ms", "p99 < 14ms in all runs"]',
      ),
      someErrors,
    );
    // an every-run budget shows its worst run: the furthest past the threshold, or the nearest to it
    expect(r.map((x) => [x.pass, x.measured])).toEqual([
      [false, '5'],
      [true, '0'],
      [true, '10 ms'],
      [false, '15 ms'],
    ]);
    expect(r[0]!.note).toBe('2 of 6 runs broke it (worst 5)');
    expect(r[0]!.threshold).toBe('== 0 in all runs');
    expect(r[1]!.note).toBe('median 0 of 6 runs');
  });

  it('with a baseline, a violated budget fails only on a significant regression beyond minEffect', () => {
    const b = parseBudgets('minEffect: 0.1\nscenarios:\n  light:\n    rows:\n      pooled: ["p99 < 5ms"]', 'b.yml');
    // base and head alike (a busy runner): holds
    const same = evaluateBudgets(b, head, report('light', [row('pooled', six([10, 11.5, 10.5, 11, 10, 12]))]))[0]!;
    expect(same.pass).toBe(true);
    expect(same.note).toMatch(
      /violated in base and head alike \(baseline: median 10\.8 ms of 6 runs\): no significant change vs baseline \(p=/,
    );
    // head clearly slower (every run above every base run, +83%): fails, naming the change and p
    const slower = evaluateBudgets(b, head, report('light', [row('pooled', six([6, 6.1, 5.9, 6, 6.2, 5.8]))]))[0]!;
    expect(slower.pass).toBe(false);
    expect(slower.note).toMatch(/regression vs baseline: \+83\.3% \(p=0\.00\d, beyond minEffect 10%\)/);
    // significant (every head run above every base run) but small (+5%, under minEffect): holds
    const steady = report('light', [row('pooled', six([10.5, 10.6, 10.7, 10.5, 10.6, 10.7]))]);
    const small = evaluateBudgets(
      b,
      steady,
      report('light', [row('pooled', six([10.0, 10.1, 10.2, 10.0, 10.1, 10.2]))]),
    )[0]!;
    expect(small.pass).toBe(true);
    expect(small.note).toMatch(/within minEffect 10%/);
    // broken in the baseline too, with too few runs to tell: holds, says what the baseline did and what is needed
    const one = evaluateBudgets(
      b,
      report('light', [row('pooled', [run(11)])]),
      report('light', [row('pooled', [run(6)])]),
    )[0]!;
    expect(one.pass).toBe(true);
    expect(one.note).toMatch(/^baseline: median 6 ms of 1 run, broken there too; .*need ≥ 6 a side: run --repeat 6/);
    // held by the baseline and broken by the head with too few runs to test: fails, and says how to test it
    const b250 = parseBudgets('scenarios:\n  light:\n    rows:\n      pooled: ["p99 < 250ms"]', 'b.yml');
    const broke = evaluateBudgets(
      b250,
      report('light', [row('pooled', [run(250.8)])]),
      report('light', [row('pooled', [run(230)])]),
    )[0]!;
    expect(broke.pass).toBe(false);
    expect(broke.note).toBe(
      'baseline: median 230 ms of 1 run, which held it: the head breaks it (1 runs: not tested against noise; run --repeat 6 or more)',
    );
  });

  it('held by the baseline, broken by the head: with 6 runs, only with confidence or significantly worse', () => {
    const b10 = parseBudgets('minEffect: 0.1\nscenarios:\n  light:\n    rows:\n      pooled: ["p99 < 10ms"]', 'b.yml');
    const timed = (ms: number[], offset: number) => ms.map((m, i) => run(m, { startedAtMs: i * 2000 + offset }));
    const judge = (base: number[], head: number[]) =>
      evaluateBudgets(
        b10,
        report('light', [row('pooled', timed(head, 1000))]),
        report('light', [row('pooled', timed(base, 0))]),
      )[0]!;
    // noise around the threshold: the head's median (10.05) breaks it, its interval (9.7–10.4) straddles it, and
    // it is no worse than a baseline of the same spread whose median (9.95) held it: holds
    const noise = judge([9.8, 10.1, 9.7, 10.2, 9.9, 10.0], [10.0, 9.7, 10.4, 9.9, 10.1, 10.3]);
    expect(noise.pass).toBe(true);
    expect(noise.note).toMatch(/not with confidence \(95% interval of the head's median 9\.7–10\.4 ms\)/);
    expect(noise.note).toMatch(
      /nor significantly worse than the baseline \(p=0\.\d+, 6 pairs\): noise near the threshold$/,
    );
    // every head run past the threshold: its median's interval is past it, fails
    const past = judge([9.8, 9.9, 9.7, 9.9, 9.8, 9.9], [10.2, 10.4, 10.3, 10.5, 10.1, 10.6]);
    expect(past.pass).toBe(false);
    expect(past.note).toMatch(
      /the head breaks it with confidence \(95% interval of the head's median 10\.1–10\.6 ms\)$/,
    );
    // one head run under the threshold, but every round 20% slower than its base: significantly worse, fails
    const worse = judge([8.2, 8.6, 8.4, 8.7, 8.3, 8.5], [9.9, 10.3, 10.1, 10.4, 10.0, 10.2]);
    expect(worse.pass).toBe(false);
    expect(worse.note).toMatch(/worse than the baseline by \+?2\d\.\d% \(p=0\.031, 6 pairs\)$/);
  });

  it('with a baseline measured interleaved, runs pair by start time: a 20% regression under a larger drift fails', () => {
    const b = parseBudgets('minEffect: 0.1\nscenarios:\n  light:\n    rows:\n      pooled: ["p99 < 5ms"]', 'b.yml');
    const drift = [10, 14, 7, 12, 9, 15]; // the machine, round by round
    const ratios = [1.18, 1.22, 1.19, 1.21, 1.2, 1.23];
    const timed = (ms: number[], offset: number) => ms.map((m, i) => run(m, { startedAtMs: i * 2000 + offset }));
    const base = report('light', [row('pooled', timed(drift, 0))]);
    const head = report('light', [
      row(
        'pooled',
        timed(
          drift.map((m, i) => m * ratios[i]!),
          1000,
        ),
      ),
    ]);
    const paired = evaluateBudgets(b, head, base)[0]!;
    expect(paired.pass).toBe(false);
    expect(paired.note).toMatch(/regression vs baseline: \+20\.\d% \(p=0\.031, 6 pairs, beyond minEffect 10%\)/);
    // the same values without start times (pooled ranks): the drift hides it
    const untimed = (r: Report): Report => ({
      ...r,
      scenarios: r.scenarios.map((s) => ({
        ...s,
        results: s.results.map((x) => ({ ...x, runs: x.runs!.map(({ startedAtMs: _, ...rest }) => rest) })),
      })),
    });
    const pooled = evaluateBudgets(b, untimed(head), untimed(base))[0]!;
    expect(pooled.pass).toBe(true);
    expect(pooled.note).toMatch(/no significant change vs baseline \(p=0\.\d+\)$/);
  });

  it('outputs: markdown escapes cells; JUnit has one case per budget and the failures with their numbers', () => {
    const r = evaluateBudgets(budgets('    rows:\n      pooled: ["p99 < 20ms", "p99 < 11ms"]'), head);
    const md = gateMarkdown(r, 'ctx');
    expect(md).toContain('### consul-kv-bench gate: 1 of 2 budgets failed');
    expect(md).toContain('| ✗ ');
    const xml = gateJunit(r);
    expect(xml).toMatch(/<testsuite name="consul-kv-bench budgets" tests="2" failures="1"/);
    expect(xml).toContain('classname="light.pooled" name="p99 &lt; 11ms"');
    expect(xml).toContain('measured 11 ms, threshold &lt; 11 ms');
    expect(mergeReports([head, report('network-stall', [])]).scenarios.map((s) => s.name)).toEqual([
      'light',
      'network-stall',
    ]);
    // rounds of the same scenario merge run by run: 6 + 6 runs, counts summed
    const rounds = mergeReports([head, head]);
    expect(rounds.scenarios).toHaveLength(1);
    expect(rounds.scenarios[0]!.results[0]!.runs).toHaveLength(12);
    expect(rounds.scenarios[0]!.results[0]!.ok).toBe(2 * head.scenarios[0]!.results[0]!.ok);
    expect(rounds.scenarios[0]!.repeat).toBe(12);
  });
});
