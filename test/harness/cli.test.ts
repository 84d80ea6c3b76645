/**
 * The CLI as a new user runs it: every registered scenario in quick mode against a Consul the harness starts
 * itself (`--consul local`), writing a report with a row for every client and baseline; bad input exits 2 with
 * a one-line message; SIGINT/SIGTERM stop everything and keep what was measured.
 */

import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_NAMES } from '../../clients/index.ts';
import { ReportSchema } from '../../harness/report/report-schema.ts';
import { loadScenario, scenarioNames } from '../../harness/scenario/load-scenario.ts';
import { rowName } from '../../harness/scenario/scenario-schema.ts';
import { renderInChromium } from '../browser.ts';
import { answers, cli, eventually, ROOT } from '../helpers.ts';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'ckb-cli-'));
/** Output directories of the quick runs below, by scenario, for the browser check of their report.html. */
const quickRuns = new Map<string, string>();
/** Screenshots of the rendered reports go beside vitest's results (CI keeps .vitest-artifacts/). */
const ARTIFACTS = path.join(ROOT, '.vitest-artifacts');

/** The charts report.html must have for a scenario's settings. */
function expectedCharts(scenario: string): string[] {
  const s = loadScenario(scenario);
  return [
    'latency-spectrum',
    'rps',
    'p99',
    'consul-connections',
    'consul-requests-per-request',
    ...(s.freshness?.writesPerSecond ? ['propagation-spectrum', 'stale-share'] : []),
    ...(s.restart ? ['recovery'] : []),
    ...(s.phases ? ['timeline-in-flight', 'timeline-sockets', 'timeline-time-wait', 'timeline-handles'] : []),
  ];
}

/** Processes whose command line mentions `needle` (e.g. a Consul port), other than ps/grep. */
async function processesMentioning(needle: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return stdout.split('\n').filter((l) => l.includes(needle) && !/\bps -eo\b/.test(l));
}

function consulUrlFrom(stderr: string): string {
  const m = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
  if (!m?.[1]) throw new Error(`no Consul address in:\n${stderr}`);
  return m[1];
}

describe.each(scenarioNames())('run %s --quick', (scenario) => {
  it(
    'writes report.json and report.md with a row for every client and baseline, and stops everything',
    async () => {
      const out = await tmp();
      quickRuns.set(scenario, out);
      const r = await cli(['run', scenario, '--quick', '--consul', 'local', '--out', out]);
      expect(r.exitCode, r.stderr).toBe(0);
      // the terminal says where the HTML report is, as a URL a browser opens
      expect(r.stdout).toContain(`HTML report (charts; open in a browser): file://${path.join(out, 'report.html')}`);

      const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
      expect(report.status).toBe('complete');
      expect(report.environment.consul.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(report.environment.consul.backend).toBe('local');
      expect(report.environment.node).toBe(process.version);
      expect(report.command).toContain(`run ${scenario} --quick`);
      const rows = report.scenarios[0]!.results;
      expect(rows.map((x) => x.client)).toEqual(loadScenario(scenario).clients.map(rowName));
      if (scenario === 'articles') expect(rows.map((x) => x.client)).toEqual(CLIENT_NAMES);
      for (const row of rows) {
        expect(row.ok, row.client).toBeGreaterThan(0);
        expect(row.rps, row.client).toBeGreaterThan(0);
        expect(row.latencyUs.p50, row.client).toBeGreaterThan(0);
        expect(row.latencyUs.p99, row.client).toBeGreaterThanOrEqual(row.latencyUs.p50);
        expect(row.latencyUs.max, row.client).toBeGreaterThanOrEqual(row.latencyUs.p999);
        expect(row.consulRequests, row.client).not.toBeNull();
      }
      const byName = Object.fromEntries(rows.map((x) => [x.client, x]));
      if (byName['no-consul']) expect(byName['no-consul'].consulRequests).toBe(0);
      if (byName['consul-direct']) expect(byName['consul-direct'].consulRequestsPerRequest).toBeGreaterThan(0.95);
      expect(byName['watch-cached']!.consulRequestsPerRequest).toBeLessThan(0.01);

      const md = await readFile(path.join(out, 'report.md'), 'utf8');
      expect(md).toContain(`Consul**: ${report.environment.consul.version}`);
      for (const row of rows) expect(md).toContain(row.client);

      if (loadScenario(scenario).fault) {
        // the positive and negative controls, and the timeline behind the verdicts
        expect(byName['leaky-without-abort']!.leak?.verdict).toBe('leak');
        expect(byName['fixed']!.leak?.verdict).toBe('no-leak');
        expect(byName['pooled']!.leak?.verdict).toBe('no-leak');
        expect(byName['watch-cached']!.leak?.verdict).toBe('no-leak');
        // fresh-connection's TIME_WAIT pile-up shows in the sampled socket states
        const timeWait = Math.max(...byName['fresh-connection']!.timeline!.map((x) => x.sockets?.TIME_WAIT ?? 0));
        expect(timeWait).toBeGreaterThan(100);
        for (const row of rows) {
          expect(row.phases?.map((p) => p.name)).toEqual(['baseline', 'fault', 'drain']);
          expect(row.timeline!.length).toBeGreaterThan(40);
        }
        expect(byName['leaky-without-abort']!.inFlightPeak).toBeGreaterThan(
          3 * byName['fixed']!.leak!.evidence.inFlight!.drainEnd,
        );
        expect(report.environment.tools['toxiproxy-server']).toMatch(/^\d+\.\d+\.\d+/);
        expect(md).toContain('### Leak verdicts');
        expect(md).toMatch(/leaky-without-abort \| \*\*leak\*\*/);
        expect(await processesMentioning('toxiproxy-server')).toEqual([]);
      }
      const settings = loadScenario(scenario);
      if (settings.freshness?.writesPerSecond) {
        // every row measured freshness; a read-through client is never stale on one server; caches cost Consul far less
        for (const row of rows) {
          expect(row.staleness, row.client).toBeDefined();
          expect(row.staleness!.writes, row.client).toBeGreaterThan(0);
          expect(row.staleness!.writesSeen, row.client).toBe(row.staleness!.writes);
        }
        expect(byName['pooled']!.staleness!.staleReads).toBe(0);
        expect(byName['watch-cached']!.staleness!.consulRequestsPerSecond!).toBeLessThan(
          byName['pooled']!.staleness!.consulRequestsPerSecond! / 50,
        );
        // polling hears of a write up to one interval (1 s) late; a watch within one blocking-query return
        expect(byName['polling']!.staleness!.propagationUs.p50).toBeGreaterThan(
          byName['watch-cached']!.staleness!.propagationUs.p50,
        );
        expect(md).toContain('### Freshness');
      }
      if (settings.restart) {
        for (const row of rows) {
          expect(row.recovery, row.client).toBeDefined();
          // no client may wedge the service
          expect(row.recovery!.serviceAnswering, row.client).toBe(true);
        }
        // read-through clients fail while Consul is away and recover once it is back
        for (const name of ['pooled', 'naive-fetch', 'consul-npm']) {
          expect(byName[name]!.recovery!.failedReads, name).toBeGreaterThan(0);
          expect(byName[name]!.recovery!.recovered, name).toBe(true);
        }
        // caches ride out the outage on their snapshot; the hardened watch recovers within the window either way
        if (settings.restart.keepData) expect(byName['watch-cached']!.recovery!.errorWindowMs).toBeNull();
        // on a fresh data dir the KV is really empty until the harness seeds it again: a cache whose re-list lands in
        // that gap answers 404 for a moment (measured once: 25 probe reads in 56 ms), as polling does
        else expect(byName['watch-cached']!.recovery!.errorWindowMs ?? 0).toBeLessThan(1000);
        expect(byName['watch-cached']!.recovery!.staleWhileDown).toBeGreaterThan(0);
        expect(byName['watch-cached']!.recovery!.recovered).toBe(true);
        expect(byName['polling']!.recovery!.recovered).toBe(true);
        expect(md).toContain('### Consul restart');
        expect(await processesMentioning('-bootstrap')).toEqual([]);
      }
      expect(await readdir(path.join(out, 'runs'))).toHaveLength(1);
      const html = await readFile(path.join(out, 'report.html'), 'utf8');
      expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(expectedCharts(scenario));
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/)/);

      const consulUrl = consulUrlFrom(r.stderr);
      expect(await answers(consulUrl)).toBe(false);
      expect(await processesMentioning(new URL(consulUrl).port)).toEqual([]);
    },
    5 * 60_000,
  ); // a whole scenario's quick run: network-stall's seven rows take about 2.5 min here
});

describe('report.html in headless Chromium', () => {
  it.each(scenarioNames())(
    '%s: every chart rendered as a non-empty SVG with its table, no console errors, nothing fetched',
    async (scenario) => {
      const out = quickRuns.get(scenario);
      expect(out, 'the quick run above did not start').toBeDefined();
      const page = await renderInChromium(
        path.join(out!, 'report.html'),
        path.join(ARTIFACTS, `report-${scenario}.png`),
      );
      expect(page.errors).toEqual([]);
      expect(page.externalRequests).toEqual([]);
      expect(page.charts.map((c) => c.id)).toEqual(expectedCharts(scenario));
      for (const c of page.charts) {
        expect(c.svgElements, c.id).toBeGreaterThan(10);
        expect(c.width, c.id).toBeGreaterThan(300);
        expect(c.height, c.id).toBeGreaterThan(100);
        expect(c.tableRows, c.id).toBeGreaterThan(0);
      }
      const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out!, 'report.json'), 'utf8')));
      for (const row of report.scenarios[0]!.results) expect(page.text).toContain(row.client);
      expect((await stat(path.join(ARTIFACTS, `report-${scenario}.png`))).size).toBeGreaterThan(10_000);
    },
  );

  it('client names and keys are text, never markup: a row named like an HTML tag renders as that text', async () => {
    const out = quickRuns.get('light');
    expect(out).toBeDefined();
    const dir = await tmp();
    const report = JSON.parse(await readFile(path.join(out!, 'report.json'), 'utf8')) as {
      scenarios: { results: { client: string }[] }[];
    };
    const evil = '<img src=x onerror="console.error(1)">&amp;</table>';
    report.scenarios[0]!.results[0]!.client = evil;
    await writeFile(path.join(dir, 'report.json'), JSON.stringify(report));
    const r = await cli(['report', path.join(dir, 'report.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(path.join(dir, 'report.html'));
    const page = await renderInChromium(path.join(dir, 'report.html'), path.join(ARTIFACTS, 'report-escaping.png'));
    expect(page.injected).toBe(0);
    expect(page.errors).toEqual([]);
    expect(page.text).toContain(evil);
    expect(page.charts.length).toBe(expectedCharts('light').length);
  });
});

describe('publish: the committed comparison report', () => {
  it("from every quick run: README.md with each scenario and the Go articles' ratios, README.html with every chart in Chromium", async () => {
    const names = scenarioNames();
    for (const n of names) expect(quickRuns.get(n), n).toBeDefined();
    const dir = await tmp();
    const readme = path.join(dir, 'README.md');
    const files = names.map((n) => path.join(quickRuns.get(n)!, 'report.json'));
    const r = await cli(['publish', '--from', ...files, '--readme', readme]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`HTML report (charts; open in a browser): file://${path.join(dir, 'README.html')}`);
    const md = await readFile(readme, 'utf8');
    for (const n of names) expect(md).toContain(`\n## ${n}\n`);
    for (const f of files) expect(md).toContain(path.relative(dir, f));
    expect(md).toContain("## The Go articles' figures beside ours");
    expect(md).not.toContain('not measured');
    // every lesson with a figure of ours that has a ratio got one: throughput, p99, connections, memory (6), drain p99, pile-up, propagation, Consul load
    const ratios = [...md.matchAll(/\| (\d[\d. ]*)× \|\n/g)].map((m) => Number(m[1]!.replaceAll(' ', ''))); // e.g. 3.12×, 1 425×
    expect(ratios.length).toBe(10);
    for (const x of ratios) expect(x).toBeGreaterThan(0);
    const page = await renderInChromium(path.join(dir, 'README.html'), path.join(ARTIFACTS, 'published-report.png'));
    expect(page.errors).toEqual([]);
    expect(page.externalRequests).toEqual([]);
    expect(page.charts.map((c) => c.id)).toEqual(names.flatMap(expectedCharts));
    for (const c of page.charts) expect(c.svgElements, c.id).toBeGreaterThan(10);
    expect(page.text).toContain("The Go articles' figures beside ours");

    const bad = await cli(['publish', '--from', files[0]!, '--readme', path.join(dir, 'README.txt')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('your own client module', () => {
  it('--client runs a module through the same path, and --profile flame links a flamegraph', async () => {
    const out = await tmp();
    const r = await cli([
      'run',
      'light',
      '--quick',
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

describe('bad input exits 2 with one line naming the fix', () => {
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
    [['run', '--duration', 'soon'], /--duration takes a number of seconds/],
    [['run', '--consul', 'cloud'], /Allowed choices are auto, local, container, external/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', 'network-stall', '--duration', '5'], /--duration does not apply to network-stall/],
    [['run', '--profile', 'perf'], /Allowed choices are flame, cpu, doctor/],
    [['run', '--repeat', '0'], /--repeat takes a whole number from 1 to 100/],
    [['gate', 'report.json'], /required option '--budgets <file>' not specified/],
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

describe('runs against an external Consul', () => {
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

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during a run', (signal, code) => {
  it(`stops Consul and the service, keeps the rows measured, exits ${code}`, async () => {
    const out = await tmp();
    const child = execa(
      process.execPath,
      [
        path.join(ROOT, 'harness/cli.ts'),
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

describe('compare and gate on a real quick run', () => {
  let dir: string;
  let reportFile: string;
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
      '--consul',
      'local',
      '--out',
      dir,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/repeat 6 of 6 \(rows interleaved\)/);
    reportFile = path.join(dir, 'report.json');
  }, 5 * 60_000);

  it('keeps every run (interleaved) with its histogram, and compare finds no change against itself', async () => {
    const report = ReportSchema.parse(JSON.parse(await readFile(reportFile, 'utf8')));
    expect(report.scenarios[0]!.repeat).toBe(6);
    for (const row of report.scenarios[0]!.results) {
      expect(row.runs, row.client).toHaveLength(6);
      expect(row.ok).toBe(row.runs!.reduce((n, x) => n + x.ok, 0));
      for (const x of row.runs!) expect(x.histogram.length).toBeGreaterThan(10);
    }
    const r = await cli(['compare', reportFile, reportFile]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pooled .*│ p99 \(ms\)/);
    expect(r.stdout).not.toMatch(/[+-]\d+\.\d%/); // nothing significant
    expect(r.stdout).toMatch(/~ \(p=1\.000 n=6\+6\)/);
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
    expect(bad.stdout).toMatch(/✗ │ light pooled: p99 < 1us +│ [\d.]+ ms +│ < 0\.001 ms/);
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
    const bad = await cli(['report', path.join(dir, 'generous.yml')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/generous\.yml: not JSON/);
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
