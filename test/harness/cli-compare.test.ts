/**
 * Compare, gate and report on a real quick run (six interleaved runs of two rows), and the output other tools read:
 * `--version`, `run --json`, `--export csv|bmf|gab` on `run` and `compare`, `compare --fail-on-regression`
 * (against itself, on the committed calibration's known slowdown, and with too few runs to test).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../harness/report/report-schema.ts';
import { cli, ROOT, tmp } from '../helpers.ts';

describe.concurrent('compare and gate on a real quick run', () => {
  let dir: string;
  let reportFile: string;
  let runJson: string;
  let runStderr: string;
  beforeAll(async () => {
    dir = await tmp();
    const r = await cli([
      'run',
      'light',
      '--quick',
      '--clients',
      'pooled,naive-fetch',
      '--repeat',
      '6',
      // twelve row runs: 1 s each is enough for a histogram, a pairing and a gate (a duration with its unit)
      '--duration',
      '1s',
      '--warmup',
      '0',
      '--consul',
      'local',
      '--out',
      dir,
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/repeat 6 of 6 \(rows interleaved\)/);
    reportFile = path.join(dir, 'report.json');
    runJson = r.stdout;
    runStderr = r.stderr;
  }, 5 * 60_000);

  it('keeps every run (interleaved) with its histogram, and compare finds no change against itself', async () => {
    const report = ReportSchema.parse(JSON.parse(await readFile(reportFile, 'utf8')));
    expect(report.scenarios[0]!.repeat).toBe(6);
    for (const row of report.scenarios[0]!.results) {
      expect(row.runs, row.client).toHaveLength(6);
      expect(row.ok).toBe(row.runs!.reduce((n, x) => n + x.ok, 0));
      for (const x of row.runs!) expect(x.histogram.length).toBeGreaterThan(10);
      const starts = row.runs!.map((x) => x.startedAtMs ?? 0);
      expect(starts.every((t, i) => i === 0 || t > starts[i - 1]!)).toBe(true); // timed, in order: pairable
    }
    const r = await cli(['compare', reportFile, reportFile]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pooled .*│ p99 \(ms\)/);
    expect(r.stdout).not.toMatch(/[+-]\d+\.\d%/); // nothing significant
    expect(r.stdout).toMatch(/~ \(p=1\.000 n=6\+6 paired\)/); // runs paired by start time
  });

  it('run --json prints a summary on stdout and the tables on stderr; run and compare --export csv|bmf|gab', async () => {
    const summary = JSON.parse(runJson) as {
      version: string;
      exitCode: number;
      reports: { json: string };
      scenarios: Array<{
        name: string;
        rows: Array<{ row: string; metrics: Record<string, { median: number; runs: number; unit: string }> }>;
      }>;
    };
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(summary.version).toBe(pkg.version);
    expect(summary.exitCode).toBe(0);
    expect(summary.reports.json).toBe(reportFile);
    const pooled = summary.scenarios[0]!.rows.find((r) => r.row === 'pooled')!;
    expect(pooled.metrics.p99!.median).toBeGreaterThan(0);
    expect(pooled.metrics.p99!.unit).toBe('ms');
    expect(pooled.metrics.rps!.runs).toBe(6);
    expect(runStderr).toMatch(/pooled/); // the table went to stderr
    const version = await cli(['--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    const bmf = await cli(['compare', reportFile, reportFile, '--export', 'bmf']);
    expect(bmf.exitCode, bmf.stderr).toBe(0);
    const bench = JSON.parse(bmf.stdout) as Record<
      string,
      Record<string, { value: number; lower_value: number; upper_value: number }>
    >;
    const p99 = bench['light/pooled']!.p99!;
    expect(p99.lower_value).toBeLessThanOrEqual(p99.value);
    expect(p99.upper_value).toBeGreaterThanOrEqual(p99.value);
    expect(bmf.stderr).toMatch(/base median/); // the table went to stderr
    const gab = await cli(['compare', reportFile, reportFile, '--export', 'gab']);
    const entries = JSON.parse(gab.stdout) as Array<{ name: string; unit: string; value: number; range: string }>;
    expect(entries.find((e) => e.name === 'light/pooled/p99')?.unit).toBe('ms');
    expect(entries.some((e) => e.name.endsWith('/rps'))).toBe(false); // bigger is better: not in a smaller-is-better file
    const csv = await cli(['compare', reportFile, reportFile, '--export', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe(
      'scenario,row,metric,unit,base_median,base_runs,head_median,head_runs,change,p,test,significant,direction',
    );
    const exported = await cli([
      'run',
      'light',
      '--quick',
      '--clients',
      'pooled',
      '--duration',
      '1s',
      '--warmup',
      '0',
      '--consul',
      'local',
      '--out',
      path.join(dir, 'csv-run'),
      '--export',
      'csv',
    ]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const lines = exported.stdout.trim().split('\n');
    expect(lines[0]).toBe('scenario,row,metric,unit,better,median,ci_low,ci_high,runs');
    expect(
      lines.some((l) => /^light,pooled,p99,ms,lower,[\d.]+,[\d.]+,[\d.]+,1$/.test(l)),
      lines.join('\n'),
    ).toBe(true);
  });

  it('compare --fail-on-regression: 0 against itself, 1 on a significant worsening, 2 with too few runs to test', async () => {
    const same = await cli(['compare', reportFile, reportFile, '--fail-on-regression']);
    expect(same.exitCode, same.stderr).toBe(0);
    // The committed calibration: pooled and pooled-slowed (+20% of its p50) measured interleaved, 240 rounds. As
    // base and head of one row, the head is a known regression.
    const calibration = JSON.parse(await readFile(path.join(ROOT, 'reports/calibration/report.json'), 'utf8'));
    const only = (row: string) => ({
      ...calibration,
      scenarios: calibration.scenarios.map((s: { results: Array<{ client: string }> }) => ({
        ...s,
        results: s.results.filter((r) => r.client === row).map((r) => ({ ...r, client: 'pooled' })),
      })),
    });
    const base = path.join(dir, 'calibration-base.json');
    const head = path.join(dir, 'calibration-head.json');
    await writeFile(base, JSON.stringify(only('pooled')));
    await writeFile(head, JSON.stringify(only('pooled-slowed')));
    const worse = await cli(['compare', base, head, '--fail-on-regression', '--json']);
    expect(worse.exitCode, worse.stderr).toBe(1);
    expect(worse.stderr).toMatch(/regression: light\/pooled p50 \+\d+\.\d%/);
    expect((JSON.parse(worse.stdout) as { exitCode: number }).exitCode).toBe(1);
    const tolerant = await cli(['compare', base, head, '--fail-on-regression', '500%']);
    expect(tolerant.exitCode, tolerant.stderr).toBe(0);
    const few = path.join(ROOT, 'reports/light-open/report.json');
    const short = await cli(['compare', few, few, '--fail-on-regression']);
    expect(short.exitCode).toBe(2);
    expect(short.stderr).toMatch(/needs ≥ 6 runs a side to test a change .*--repeat 6/);
  });

  it('generous budgets pass (exit 0); impossible ones fail naming the budget, value and threshold (exit 1), with JUnit and a step summary', async () => {
    const generous = path.join(dir, 'generous.yml');
    await writeFile(
      generous,
      'scenarios:\n  light:\n    rows:\n      pooled: ["errors == 0", "p99 < 5s", "rps > 10"]\n    relative:\n      - pooled.p99 <= 10 * naive-fetch.p99\n',
    );
    const ok = await cli(['gate', '--budgets', generous, reportFile]);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/all 4 budgets hold/);

    const impossible = path.join(dir, 'impossible.yml');
    await writeFile(impossible, 'scenarios:\n  light:\n    rows:\n      pooled: ["p99 < 1us", "errors == 0"]\n');
    const summary = path.join(dir, 'summary.md');
    const junitFile = path.join(dir, 'junit.xml');
    const bad = await cli(['gate', '--budgets', impossible, reportFile, '--junit', junitFile], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(bad.exitCode, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/✗ │ light pooled: p99 < 1us +│ \d[\d .]* ms +│ < 0\.001 ms/);
    expect(bad.stdout).toMatch(/1 of 2 budgets failed/);
    expect(await readFile(summary, 'utf8')).toMatch(/### consul-kv-bench gate: 1 of 2 budgets failed/);
    expect(await readFile(junitFile, 'utf8')).toMatch(/tests="2" failures="1"/);
  });

  it('report renders report.md and report.html again from report.json alone, identical to what the run wrote', async () => {
    const md = path.join(dir, 'report.md');
    const html = path.join(dir, 'report.html');
    const written = await readFile(md, 'utf8');
    const writtenHtml = await readFile(html, 'utf8');
    await writeFile(md, 'stale');
    await writeFile(html, 'stale');
    const r = await cli(['report', reportFile]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${md}`);
    expect(r.stdout).toContain(html);
    expect(await readFile(md, 'utf8')).toBe(written);
    expect(await readFile(html, 'utf8')).toBe(writtenHtml);
    const notJson = path.join(dir, 'not-json.yml');
    await writeFile(notJson, 'scenarios: {}\n');
    const bad = await cli(['report', notJson]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/not-json\.yml: not JSON/);
  });

  it('a malformed budgets file, an unknown metric or a missing report: one line with the file and line, exit 2', async () => {
    const broken = path.join(dir, 'broken.yml');
    await writeFile(broken, 'scenarios:\n  light:\n    rows:\n      pooled:\n        - p98 < 5ms\n');
    const r = await cli(['gate', '--budgets', broken, reportFile]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/broken\.yml:5: unknown metric "p98"/);
    const missing = await cli(['gate', '--budgets', broken.replace('broken', 'nope'), reportFile]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no such budgets file/);
    const noReport = await cli(['compare', reportFile, path.join(dir, 'none.json')]);
    expect(noReport.exitCode).toBe(2);
    expect(noReport.stderr).toMatch(/none\.json: no such file/);
  });
});
