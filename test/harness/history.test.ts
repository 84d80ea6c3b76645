/**
 * Gate history: entries from reports, the rolling-median judgement (a regression must be beyond minEffect and
 * outside the window's range; too few runs are not judged), and `gate --history --record` end to end on report
 * files: it appends a line per run, judges a head against them, writes the trend page, and fails only with
 * `--history-fail` and a window long enough that the checks' false-alarm bound is within alpha.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBudgets } from '../../harness/gate/budgets.ts';
import { type HistoryEntry, historyEntry, historyFalseAlarm, judgeHistory } from '../../harness/gate/history.ts';
import { cli } from '../helpers.ts';
import { report, row, run } from '../report-fixtures.ts';

const budgets = parseBudgets(
  'minEffect: 0.10\nscenarios:\n  light:\n    rows:\n      pooled: ["p99 < 500ms", "rps > 10"]\n',
  'b.yml',
);
const at = (p99: number, rps = 1000) => report('light', [row('pooled', [run(p99, { rps })])]);

describe('judgeHistory', () => {
  const history: HistoryEntry[] = [20, 22, 19, 21, 20, 23, 21].map((p99, i) => ({
    ...historyEntry(at(p99)),
    createdAt: `2026-11-${10 + i}T00:00:00Z`,
  }));

  it('a head inside the range of the window is ok; beyond minEffect and outside the range is a regression', () => {
    const ok = judgeHistory(budgets, at(22.5), history).find((r) => r.metric === 'p99')!;
    expect(ok).toMatchObject({ verdict: 'ok', median: 21, runs: 7, min: 19, max: 23 });
    // 10% worse than the median (23.1) but still within the range seen (23): not a regression
    expect(judgeHistory(budgets, at(23), history).find((r) => r.metric === 'p99')!.verdict).toBe('ok');
    const bad = judgeHistory(budgets, at(30), history).find((r) => r.metric === 'p99')!;
    expect(bad.verdict).toBe('regression');
    expect(bad.note).toMatch(/\+42\.9% vs the rolling median of 7 runs, outside their range/);
    // rps: higher is better
    expect(judgeHistory(budgets, at(21, 500), history).find((r) => r.metric === 'rps')!.verdict).toBe('regression');
    expect(judgeHistory(budgets, at(21, 1500), history).find((r) => r.metric === 'rps')!.verdict).toBe('ok');
  });

  it('the false-alarm rate of the checks, from the window used: 1/(N + 1) a check, the union bound over them', () => {
    const judged = judgeHistory(budgets, at(30), history);
    expect(historyFalseAlarm(judged, 0.05)).toEqual({ checks: 2, perCheck: 1 / 8, family: 2 / 8, windowForAlpha: 39 });
    expect(historyFalseAlarm(judgeHistory(budgets, at(30), history.slice(0, 2)), 0.05)).toMatchObject({
      checks: 0,
      family: 0,
    });
  });

  it('the window is the last N runs, and fewer than minRuns are not judged', () => {
    const drifted = [...history, ...[40, 41, 39].map((p99) => historyEntry(at(p99)))];
    expect(judgeHistory(budgets, at(40), drifted, { window: 3 }).find((r) => r.metric === 'p99')!.verdict).toBe(
      'too-few',
    );
    expect(
      judgeHistory(budgets, at(40), drifted, { window: 3, minRuns: 3 }).find((r) => r.metric === 'p99'),
    ).toMatchObject({
      verdict: 'ok',
      median: 40,
    });
    expect(judgeHistory(budgets, at(30), history.slice(0, 2))[0]!.verdict).toBe('too-few');
  });
});

describe('gate --history', () => {
  it('records runs, judges a head against them, writes the trend page, fails only with --history-fail', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ckb-history-'));
    await writeFile(
      path.join(dir, 'budgets.yml'),
      'minEffect: 0.10\nscenarios:\n  light:\n    rows:\n      pooled: ["p99 < 500ms"]\n',
    );
    const history = path.join(dir, 'history.jsonl');
    for (const [i, p99] of [20, 22, 19, 21, 20].entries()) {
      const file = path.join(dir, `main-${i}.json`);
      await writeFile(file, JSON.stringify({ ...at(p99), createdAt: `2026-11-1${i}T00:00:00Z` }));
      const r = await cli(['gate', '--budgets', path.join(dir, 'budgets.yml'), file, '--history', history, '--record']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(`recorded this run in ${history} (${i + 1} runs)`);
    }
    expect((await readFile(history, 'utf8')).trim().split('\n')).toHaveLength(5);
    const head = path.join(dir, 'head.json');
    await writeFile(head, JSON.stringify(at(35)));
    const reported = await cli(['gate', '--budgets', path.join(dir, 'budgets.yml'), head, '--history', history]);
    expect(reported.exitCode, reported.stderr).toBe(0); // the budget (p99 < 500ms) holds; history only reports
    expect(reported.stdout).toMatch(/1 regression\(s\) \(reported; --history-fail makes them fail the gate\)/);
    const trend = await readFile(path.join(dir, 'history.html'), 'utf8');
    expect(trend).toContain('data-chart="trend-0"');
    expect(trend).toMatch(/regression: head 35/);
    expect(trend).not.toMatch(/<script/);
    // 5 runs: a head worse than all of them by chance 1 time in 6, above alpha: --history-fail still only reports
    const fail = () =>
      cli([
        'gate',
        '--budgets',
        path.join(dir, 'budgets.yml'),
        head,
        '--history',
        history,
        '--history-window',
        '19',
        '--history-fail',
      ]);
    const short = await fail();
    expect(short.exitCode, short.stderr).toBe(0);
    expect(short.stdout).toMatch(
      /history false alarms: at most 16\.7% a check, 16\.7% over 1 check\(s\) \(rank test; a window of 19 runs keeps it within alpha 0\.05\): too high for --history-fail to fail the gate/,
    );
    // 19 runs: 1 in 20, within alpha: the regression fails the gate
    const more = [21, 20, 22, 19, 21, 20, 22, 21, 19, 20, 21, 22, 20, 21].map((p99, i) =>
      JSON.stringify({ ...historyEntry(at(p99)), createdAt: `2026-11-2${i % 10}T0${Math.floor(i / 10)}:00:00Z` }),
    );
    await writeFile(history, `${(await readFile(history, 'utf8')).trim()}\n${more.join('\n')}\n`);
    const failed = await fail();
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/at most 5\.0% a check, 5\.0% over 1 check\(s\)/);
    const noFile = await cli(['gate', '--budgets', path.join(dir, 'budgets.yml'), head, '--record']);
    expect(noFile.exitCode).toBe(2);
    expect(noFile.stderr).toMatch(/--record appends to a history file: add --history/);
  });
});
