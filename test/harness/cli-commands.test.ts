/**
 * The CLI's other paths as a new user meets them: a client module of one's own (and profiling), bad input (exit 2
 * with one line naming the fix), an external Consul, and SIGINT/SIGTERM (everything stopped, rows kept). Compare,
 * gate, report and the machine-readable output on real quick runs: cli-compare.test.ts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { ReportSchema } from '../../harness/report/report-schema.ts';
import { answers, cli, consulUrlFrom, eventually, processesMentioning, ROOT, tmp } from '../helpers.ts';

describe.concurrent('your own client module', () => {
  it('--client runs a module through the same path, and --profile flame links a flamegraph', async () => {
    const out = await tmp();
    const r = await cli([
      'run',
      'light',
      '--quick',
      // 1 s a row at a modest open-model rate: a flamegraph needs samples, not a saturated machine. In the closed
      // model beside the other `waiting` files, the module's row once answered no read in its second (a CI run):
      // fifty connections at once on a fetch client whose service the machine starved
      '--duration',
      '1',
      '--rate',
      '300',
      '--consul',
      'local',
      '--clients',
      'no-consul',
      '--client',
      'clients/examples/my-client.ts',
      '--profile',
      'flame',
      '--out',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
    const rows = report.scenarios[0]!.results;
    expect(rows.map((x) => x.client)).toEqual(['no-consul', 'my-client']);
    const mine = rows[1]!;
    expect(mine.clientModule).toBe(path.join(ROOT, 'clients/examples/my-client.ts'));
    expect(mine.ok).toBeGreaterThan(0);
    expect(mine.consulRequestsPerRequest).toBeGreaterThan(0.9);
    expect(mine.profile?.error).toBeUndefined();
    const html = mine.profile!.files.find((f) => f.endsWith('.html'));
    expect(html).toBeDefined();
    expect((await readFile(path.join(out, html!), 'utf8')).length).toBeGreaterThan(1000);
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).toContain(`](${encodeURI(html!)})`);
  });

  it("--profile doctor is best-effort: the run succeeds and the row holds clinic's report or the reason it has none", async () => {
    const out = await tmp();
    const r = await cli([
      'run',
      'light',
      '--quick',
      '--duration',
      '1',
      '--rate',
      '300',
      '--consul',
      'local',
      '--clients',
      'pooled',
      '--profile',
      'doctor',
      '--out',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
    const profile = report.scenarios[0]!.results[0]!.profile!;
    expect(profile.kind).toBe('doctor');
    if (profile.error) expect(profile.files).toEqual([]);
    else expect((await readFile(path.join(out, profile.files[0]!), 'utf8')).length).toBeGreaterThan(10_000);
    expect(await readdir(ROOT).then((f) => f.filter((n) => n.startsWith('node_trace')))).toEqual([]);
  });

  it.each([
    [['--client', 'does/not/exist.ts'], /--client does\/not\/exist.ts: no such file/],
    [['--client', 'README.md'], /give a .ts, .js or .mjs file/],
    [['--client', 'clients/pooled.ts'], /the name pooled is taken/],
  ])('%j exits 2', async (args, message) => {
    const r = await cli(['run', 'light', '--quick', ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe.concurrent('bad input exits 2 with one line naming the fix', () => {
  it.each([
    [['run', 'no-such-scenario'], /unknown scenario "no-such-scenario": use one of articles/],
    [
      ['run', '--clients', 'pooled,nope'],
      /--clients nope: articles has no such row; use its rows \(no-consul, consul-direct/,
    ],
    [['run', '--clients', 'Pooled'], /bad row name "Pooled": use a comma-separated list of row names/],
    [
      ['run', 'watch-propagation', '--clients', 'pooled-stael'],
      /--clients pooled-stael: watch-propagation has no such row; use its rows \(pooled, pooled-stale/,
    ],
    [['run', '--consistency', 'eventual'], /Allowed choices are default, stale, consistent/],
    [['run', '--rate-limit', 'fast'], /--rate-limit takes <qps>\[:<burst>\] with qps ≥ 0.1/],
    [
      ['run', 'consul-restart', '--consul', 'external'],
      /consul-restart stops and starts Consul, which the harness cannot do to an external one/,
    ],
    [['run', '--connections', '0'], /--connections takes a whole number ≥ 1/],
    [['run', '--duration', 'soon'], /--duration takes a duration ≥ 1 s, in seconds or with a unit: 30, 30s, 500ms, 2m/],
    [['run', '--duration', '5 fortnights'], /--duration takes a duration ≥ 1 s/],
    [['run', '--warmup', '-1s'], /--warmup takes a duration ≥ 0 s/],
    [['run', '--export', 'xml'], /Allowed choices are csv, bmf, gab/],
    [
      ['compare', 'a.json', 'b.json', '--json', '--export', 'csv'],
      /option '--json' cannot be used with option '--export/,
    ],
    [
      ['compare', 'a.json', 'b.json', '--fail-on-regression', 'lots'],
      /--fail-on-regression takes a share, as 5% or 0.05/,
    ],
    [['run', '--consul', 'cloud'], /Allowed choices are auto, local, container, external/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', 'network-stall', '--duration', '5'], /--duration does not apply to network-stall/],
    [['run', '--profile', 'perf'], /Allowed choices are flame, cpu, doctor/],
    [['run', '--repeat', '0'], /--repeat takes a whole number from 1 to 100/],
    [['gate', 'report.json'], /required option '--budgets <file>' not specified/],
    [['calibrate', '--runs', '13'], /--runs takes an even whole number from 12 to 240/],
    [['calibrate', '--duration', '0'], /--duration takes a duration ≥ 1 s/],
    [['calibrate', '--duration', '11m'], /--duration takes a duration from 1 s to 10 min/],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unreachable external Consul', async () => {
    const r = await cli(['run', '--consul', 'external', '--quick'], { CONSUL_HTTP_ADDR: 'http://127.0.0.1:1' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /did not answer with a known leader: start it, fix CONSUL_HTTP_ADDR, or use --consul local/,
    );
  });

  it('an external Consul off loopback is refused before any load', async () => {
    const r = await cli(['run', '--consul', 'external', '--quick'], { CONSUL_HTTP_ADDR: 'http://192.0.2.1:8500' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/is not a loopback address/);
  });

  it('--consul external without CONSUL_HTTP_ADDR', async () => {
    const r = await cli(['run', '--consul', 'external', '--quick'], { CONSUL_HTTP_ADDR: '' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/needs CONSUL_HTTP_ADDR/);
  });
});

describe.concurrent('calibrate --from a committed calibration', () => {
  it('recomputes the false alarms and the power from the raw runs, paired by round, with the pooled figures beside', async () => {
    const out = await tmp();
    const from = path.join(out, 'report.json');
    // the 12-round one (reports/calibration has 240 rounds: a minute of gating)
    await writeFile(from, await readFile(path.join(ROOT, 'reports/calibration-noisy-10s/report.json')));
    const r = await cli(['calibrate', '--from', from]);
    expect([0, 1], r.stderr).toContain(r.exitCode);
    expect(r.stdout).toMatch(/│ p50 < 0 +│ [\d.]+ → [\d.]+ \(\+[\d.]+%\)/);
    expect(r.stdout).toMatch(/budgets at pooled's median: held-then-broken/);
    expect(r.stdout).toMatch(/disjoint gates +│ 2 independent/);
    expect(r.stdout).toMatch(/any, unpaired/);
    expect(r.stdout).toMatch(/12 rounds; every choice of 6 of them gated as 6 \+ 6 runs \(.*\), runs paired by round/);
    const c = JSON.parse(await readFile(path.join(out, 'calibration.json'), 'utf8'));
    expect(c.paired).toBe(true);
    expect(c.metrics[0].splits).toBe(924);
    expect(c.paths.map((p: { path: string }) => p.path)).toEqual(['both-broken', 'at-median']);
    expect(c.paths[0].independent.experiments).toBe(2);
    const met = c.paths.every(
      (p: { anyMetric: { falseAlarmRate: number; power: number } }) =>
        p.anyMetric.falseAlarmRate <= 0.05 && p.anyMetric.power >= 0.95,
    );
    expect(r.exitCode).toBe(met ? 0 : 1);
  });
});

describe.concurrent('runs against an external Consul', () => {
  it('uses it, never stops it, and records the backend', async () => {
    const consulUrl = inject('consulUrl');
    const out = await tmp();
    const r = await cli(
      [
        'run',
        'light',
        '--quick',
        '--consul',
        'external',
        '--clients',
        'pooled',
        '--duration',
        '1',
        '--warmup',
        '0',
        '--out',
        out,
      ],
      { CONSUL_HTTP_ADDR: consulUrl },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
    expect(report.environment.consul.backend).toBe('external');
    expect(report.scenarios[0]!.results.map((x) => x.client)).toEqual(['pooled']);
    expect(await answers(consulUrl)).toBe(true);
  });
});

describe.concurrent.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during a run', (signal, code) => {
  it(`stops Consul and the service, keeps the rows measured, exits ${code}`, async () => {
    const out = await tmp();
    const child = execa(
      process.execPath,
      [
        path.join(ROOT, 'harness/bin.ts'),
        'run',
        'light',
        '--consul',
        'local',
        '--duration',
        '2',
        '--warmup',
        '0',
        '--out',
        out,
      ],
      {
        cwd: ROOT,
        reject: false,
        timeout: 120_000,
        // execa follows a SIGTERM with a SIGKILL after 5 s by default: on a busy CI machine the harness's graceful
        // stop (the current phase, Consul, the report) once took longer, and the kill, not the harness, ended it
        forceKillAfterDelay: false,
      },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await eventually(() => /\[2\/\d+\] consul-direct: measure/.test(stderr), 60_000)).toBe(true);
    child.kill(signal);
    const r = await child;
    expect(r.exitCode, stderr).toBe(code);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
    expect(report.status).toBe('interrupted');
    expect(report.scenarios[0]!.results.map((x) => x.client)).toContain('no-consul');
    const consulUrl = consulUrlFrom(stderr);
    expect(await answers(consulUrl)).toBe(false);
    expect(await processesMentioning(new URL(consulUrl).port)).toEqual([]);
  });
});
