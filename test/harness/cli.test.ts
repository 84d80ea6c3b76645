/**
 * The CLI as a new user runs it: every registered scenario in quick mode against a Consul the harness starts
 * itself (`--consul local`), writing a report with a row for every client and baseline, its report.html checked in
 * headless Chromium, and the published comparison report made from those runs. (Other commands, bad input and
 * signals: cli-commands.test.ts.)
 */

import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROW_NAMES, GO_CLIENT_NAMES } from '../../clients/index.ts';
import { GO_ROW_SCENARIOS } from '../../harness/commands/publish.ts';
import { ReportSchema } from '../../harness/report/report-schema.ts';
import { loadScenario, scenarioNames } from '../../harness/scenario/load-scenario.ts';
import { rowName } from '../../harness/scenario/scenario-schema.ts';
import { type RenderedPage, renderInChromium } from '../browser.ts';
import {
  answers,
  cli,
  consulUrlFrom,
  eventually,
  processesMarked,
  processesMentioning,
  ROOT,
  testMark,
  tmp,
} from '../helpers.ts';
import { afterStage, enterLane, QUICK_FLAGS, rowsOf, STAGES, scenarioOf } from './quick-lanes.ts';

/** Output directories of the quick runs below, by scenario, for the browser check of their report.html. */
const quickRuns = new Map<string, string>();
/**
 * Each quick run's report.html rendered in Chromium, between its stage and the next (quick-lanes.ts: `afterStage`;
 * beside the other lanes a browser was part of what they measured); the browser tests below check them.
 */
const rendered = new Map<string, Promise<RenderedPage>>();
/** Screenshots of the rendered reports go beside vitest's results (CI keeps .vitest-artifacts/). */
const ARTIFACTS = path.join(ROOT, '.vitest-artifacts');

/**
 * The charts report.html must have for a lane entry's scenario settings (the Go service samples no socket states,
 * so a report of Go rows alone has no socket charts).
 */
function expectedCharts(entry: string): string[] {
  const s = loadScenario(scenarioOf(entry));
  const goOnly = entry.endsWith(':go');
  return [
    'latency-spectrum',
    'rps',
    'p99',
    'consul-connections',
    'consul-requests-per-request',
    'cpu-per-request',
    ...(s.freshness?.writesPerSecond ? ['propagation-spectrum', 'stale-share'] : []),
    ...(s.restart ? ['recovery'] : []),
    ...(s.phases
      ? [
          'timeline-pending',
          'timeline-in-flight',
          ...(goOnly ? [] : ['timeline-sockets', 'timeline-time-wait']),
          'timeline-handles',
        ]
      : []),
  ];
}

/** The Toxiproxy servers a run started, by their API port (its progress lines say `Toxiproxy … API at …`). */
const toxiproxyPorts = (stderr: string): string[] =>
  [...stderr.matchAll(/Toxiproxy \S+ API at http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => m[1]!);

describe.concurrent('run <scenario> --quick, in stages of lanes side by side', () => {
  it('every scenario is in one lane; a scenario run in parts has each of its rows in exactly one part', () => {
    expect([...new Set(STAGES.flat(2).map(scenarioOf))].sort()).toEqual([...scenarioNames()].sort());
    expect(new Set(STAGES.flat(2)).size).toBe(STAGES.flat(2).length);
    for (const name of scenarioNames()) {
      const own = loadScenario(name).clients.map(rowName);
      const go = GO_ROW_SCENARIOS[name] ?? [];
      const rows = STAGES.flat(2)
        .filter((e) => scenarioOf(e) === name)
        .flatMap((e) => rowsOf(e, own, go));
      expect(rows.sort(), name).toEqual([...own, ...go].sort());
    }
  });

  // all started at once (vitest.config.ts: maxConcurrency), each waiting for its turn
  it.each(STAGES.flat(2))(
    '%s: writes report.json and report.md with a row for every client and baseline, and stops everything',
    async (scenario) => {
      const leave = await enterLane(scenario);
      try {
        await quickRun(scenario);
        const out = quickRuns.get(scenario)!;
        const page = afterStage(scenario, () =>
          renderInChromium(path.join(out, 'report.html'), path.join(ARTIFACTS, `report-${scenario}.png`)),
        );
        page.catch(() => {}); // awaited (and its failure reported) by the browser test of this scenario
        rendered.set(scenario, page);
      } finally {
        leave();
      }
    },
    30 * 60_000,
  ); // a run waits for the stages before it: alone on this machine network-stall (ten rows) took 201 s, articles 90 s
});

/**
 * One lane entry's quick run (a scenario, or its Go rows on their own: `rowsOf`), as a new user runs it, and
 * everything its report and the machine must show after.
 */
async function quickRun(entry: string): Promise<void> {
  const out = await tmp();
  quickRuns.set(entry, out);
  const scenario = scenarioOf(entry);
  // as publish runs it: the scenarios that reproduce the articles add the Go rows
  const own = loadScenario(scenario).clients.map(rowName);
  const extra = GO_ROW_SCENARIOS[scenario] ?? [];
  const wanted = rowsOf(entry, own, extra);
  const nodeRows = wanted.some((c) => own.includes(c));
  const clients = wanted.length !== own.length || !nodeRows ? ['--clients', wanted.join(',')] : [];
  const mark = testMark(entry);
  const flags = QUICK_FLAGS[scenario] ?? [];
  const r = await cli(['run', scenario, '--quick', ...flags, '--consul', 'local', ...clients, '--out', out], mark.env);
  expect(r.exitCode, r.stderr).toBe(0);
  // the terminal says where the HTML report is, as a URL a browser opens
  expect(r.stdout).toContain(`HTML report (charts; open in a browser): file://${path.join(out, 'report.html')}`);

  const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
  expect(report.status).toBe('complete');
  expect(report.environment.consul.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(report.environment.consul.backend).toBe('local');
  expect(report.environment.node).toBe(process.version);
  expect(report.command).toContain(`run ${scenario} --quick`);
  expect(report.scenarios[0]!.loadModel).toBe(flags.includes('--rate') ? 'open' : loadScenario(scenario).load.model);
  const rows = report.scenarios[0]!.results;
  expect(rows.map((x) => x.client)).toEqual(wanted);
  if (scenario === 'articles') expect(rows.map((x) => x.client)).toEqual([...DEFAULT_ROW_NAMES, ...GO_CLIENT_NAMES]);
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
  if (byName['watch-cached']) expect(byName['watch-cached'].consulRequestsPerRequest).toBeLessThan(0.01);

  const md = await readFile(path.join(out, 'report.md'), 'utf8');
  expect(md).toContain(`Consul**: ${report.environment.consul.version}`);
  for (const row of rows) expect(md).toContain(row.client);

  if (loadScenario(scenario).fault) {
    for (const row of rows) {
      expect(row.phases?.map((p) => p.name)).toEqual(['baseline', 'fault', 'drain']);
      expect(row.timeline!.length).toBeGreaterThan(40);
    }
  }
  if (loadScenario(scenario).fault && nodeRows) {
    // the positive and negative controls, and the timeline behind the verdicts, each on the run that has the row (a
    // scenario run in parts keeps the two controls in one part, as the comparisons below need)
    const has = (client: string) => wanted.includes(client);
    expect(has('leaky-without-abort'), 'the controls run in one part').toBe(has('fixed'));
    if (has('leaky-without-abort')) {
      expect(byName['leaky-without-abort']!.leak?.verdict).toBe('leak');
      expect(byName.fixed!.leak?.verdict).toBe('no-leak');
      expect(byName['leaky-without-abort']!.inFlightPeak).toBeGreaterThan(
        3 * byName.fixed!.leak!.evidence.inFlight!.drainEnd,
      );
      expect(md).toMatch(/leaky-without-abort \| \*\*leak\*\*/);
    }
    if (has('pooled')) expect(byName.pooled!.leak?.verdict).toBe('no-leak');
    if (has('watch-cached')) expect(byName['watch-cached']!.leak?.verdict).toBe('no-leak');
    if (has('fresh-connection')) {
      // fresh-connection's TIME_WAIT pile-up shows in the sampled socket states
      const timeWait = Math.max(...byName['fresh-connection']!.timeline!.map((x) => x.sockets?.TIME_WAIT ?? 0));
      expect(timeWait).toBeGreaterThan(100);
    }
  }
  if (loadScenario(scenario).fault) {
    // the Go article's client under the same stall (moved here from go-service.test.ts, which ran the same quick
    // stall with these two rows alone): without a context deadline its goroutines stay behind; the watch's do not
    if (wanted.includes('go-leaky')) {
      expect(byName['go-leaky']!.leak?.verdict, byName['go-leaky']!.leak?.evidence.reason).toBe('leak');
      expect(byName['go-leaky']!.leak?.evidence.orphans?.resources.goroutines ?? 0).toBeGreaterThan(2);
      expect(byName['go-watch']!.leak?.verdict, byName['go-watch']!.leak?.evidence.reason).toBe('no-leak');
    }
    expect(report.environment.tools['toxiproxy-server']).toMatch(/^\d+\.\d+\.\d+/);
    expect(md).toContain('### Leak verdicts');
    const ports = toxiproxyPorts(r.stderr);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(await processesMentioning(`-port ${port}`)).toEqual([]);
  }
  if (scenario === 'network-stall-open' && wanted.includes('fixed')) {
    // lesson 2 as latency (moved here from cli-open-model.test.ts, which ran `network-stall --rate 200` with these two
    // rows alone: the same scenario): leaky's fault-phase corrected p99 is at least 10× fixed's
    const phase = (client: string, name: string) => byName[client]!.phases!.find((p) => p.name === name)!;
    const leaky = phase('leaky-without-abort', 'fault');
    const fixed = phase('fixed', 'fault');
    expect(report.scenarios[0]!.loadModel).toBe('open');
    // what a failure needs to be read: fixed's fault phase and what else its row saw (CI keeps only the log)
    const f = byName.fixed!;
    const seen = JSON.stringify({
      fault: fixed.latencyUs,
      uncorrectedP99: fixed.uncorrectedLatencyUs?.p99,
      flags: f.flags,
      open: f.open,
      machine: f.machine,
      sampler: { cpu: f.service?.samplerCpuShare, loop: f.service?.samplerLoopShare, cost: f.service?.samplerCostUs },
      serviceElu: f.service?.elu,
    });
    expect(leaky.latencyUs.p99, seen).toBeGreaterThanOrEqual(10 * fixed.latencyUs.p99);
    // leaky's hung requests are censored at the generator's 10 s (load.openTimeoutS), not left out
    expect(leaky.censored).toBeGreaterThan(0.1 * (leaky.requests + leaky.censored!));
    expect(leaky.latencyUs.p99).toBeGreaterThanOrEqual(10_000_000);
    // and in its uncorrected latency, from the actual send to the deadline: a hang is service time, not left out
    expect(leaky.uncorrectedLatencyUs!.p99).toBeGreaterThanOrEqual(10_000_000);
    // fixed gives up at the article's 500 ms: bounded by it, plus the service's own work
    expect(fixed.latencyUs.p99).toBeGreaterThanOrEqual(500_000);
    expect(fixed.latencyUs.p99, seen).toBeLessThan(1_000_000);
    expect(fixed.censored).toBe(0);
    // the phases start with the schedule: the baseline is before the stall for both
    for (const client of ['fixed', 'leaky-without-abort'])
      expect(phase(client, 'baseline').latencyUs.p99, client).toBeLessThan(400_000);
    expect(md).toContain('### Latency per phase (open model, ms)');
    expect(md).toMatch(/\| leaky-without-abort +\| [\d.]+ +\| ≥ \d+/);
  }
  const settings = loadScenario(scenario);
  if (settings.freshness?.writesPerSecond) {
    // every row measured freshness; a read-through client is never stale on one server; caches cost Consul far less
    for (const row of rows) {
      expect(row.staleness, row.client).toBeDefined();
      expect(row.staleness!.writes, row.client).toBeGreaterThan(0);
      expect(row.staleness!.writesSeen, row.client).toBe(row.staleness!.writes);
    }
    expect(byName.pooled!.staleness!.staleReads).toBe(0);
    // pooled reads Consul once per read, the prober's reads included (they counted in Consul's figure only: 1.065)
    expect(byName.pooled!.consulRequestsPerRequest).toBeGreaterThan(0.97);
    expect(byName.pooled!.consulRequestsPerRequest).toBeLessThan(1.03);
    expect(byName['watch-cached']!.staleness!.consulRequestsPerSecond!).toBeLessThan(
      byName.pooled!.staleness!.consulRequestsPerSecond! / 50,
    );
    // polling hears of a write up to one interval (1 s) late; a watch within one blocking-query return
    expect(byName.polling!.staleness!.propagationUs.p50).toBeGreaterThan(
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
    // Each assertion on a row runs on the run that has it (a scenario may run its rows in parts: PARTS in
    // quick-lanes.ts; the first test checks the parts cover every row).
    // read-through clients fail while Consul is away and recover once it is back
    for (const name of ['pooled', 'naive-fetch', 'consul-npm'].filter((n) => byName[n])) {
      expect(byName[name]!.recovery!.failedReads, name).toBeGreaterThan(0);
      expect(byName[name]!.recovery!.recovered, name).toBe(true);
    }
    const watch = byName['watch-cached'];
    if (watch) {
      // caches ride out the outage on their snapshot; the hardened watch recovers within the window either way
      if (settings.restart.keepData) expect(watch.recovery!.errorWindowMs).toBeNull();
      // on a fresh data dir the KV is really empty until the harness seeds it again: a cache whose re-list lands in
      // that gap answers 404 for a moment (measured once: 25 probe reads in 56 ms), as polling does
      else expect(watch.recovery!.errorWindowMs ?? 0).toBeLessThan(1000);
      expect(watch.recovery!.staleWhileDown).toBeGreaterThan(0);
      expect(watch.recovery!.recovered).toBe(true);
    }
    if (byName.polling) expect(byName.polling.recovery!.recovered).toBe(true);
    // a restart orphans nothing in these clients: the freshness prober's own keep-alive connections once made
    // every row `leak` (`TCPSocketWrap +5`) until it stopped with the load, before the quiesce
    for (const name of ['watch-cached', 'polling', 'consul-npm-watch', 'pooled'].filter((n) => byName[n]))
      expect(byName[name]!.leak?.verdict, name).toBe('no-leak');
    expect(md).toContain('### Consul restart');
  }
  expect(await readdir(path.join(out, 'runs'))).toHaveLength(1);
  const html = await readFile(path.join(out, 'report.html'), 'utf8');
  expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(expectedCharts(entry));
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/)/);

  const consulUrl = consulUrlFrom(r.stderr);
  expect(await answers(consulUrl)).toBe(false);
  expect(await processesMentioning(new URL(consulUrl).port)).toEqual([]);
  // nothing the run started is left: its Consuls (the restart scenarios' persistent one too), Toxiproxy, the Node
  // and Go services, the reaper (each inherits the run's mark, so runs side by side do not see each other's)
  await eventually(() => processesMarked(mark.value).length === 0, 5000); // the reaper exits just after the run
  expect(processesMarked(mark.value)).toEqual([]);
}

describe('report.html in headless Chromium', () => {
  it.each(STAGES.flat(2))(
    '%s: every chart rendered as a non-empty SVG with its table, no console errors, nothing fetched',
    async (scenario) => {
      const out = quickRuns.get(scenario);
      expect(out, 'the quick run above did not start').toBeDefined();
      expect(rendered.get(scenario), 'the quick run above did not pass').toBeDefined();
      const page = await rendered.get(scenario)!;
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
    // in the scenarios' order, as publish renders them
    const entries = names.flatMap((n) => STAGES.flat(2).filter((e) => scenarioOf(e) === n));
    for (const n of entries) expect(quickRuns.get(n), n).toBeDefined();
    const dir = await tmp();
    const readme = path.join(dir, 'README.md');
    // a scenario whose Go rows ran on their own comes in two reports, which publish takes together
    const files = entries.map((n) => path.join(quickRuns.get(n)!, 'report.json'));
    const r = await cli(['publish', '--from', ...files, '--readme', readme]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`HTML report (charts; open in a browser): file://${path.join(dir, 'README.html')}`);
    const md = await readFile(readme, 'utf8');
    for (const n of names) expect(md).toContain(`\n## ${n}\n`);
    for (const f of files) expect(md).toContain(path.relative(dir, f));
    expect(md).toContain("## The Go articles' figures beside ours");
    expect(md).toContain('## The articles reproduced on one machine');
    // both tables filled: the Node rows, and the Go rows the quick runs above added
    expect(md).not.toContain('not measured');
    // every lesson with a figure of ours that has a ratio got one: throughput, p99, connections, memory (6), open-model
    // stall p99, drain p99, pile-up, propagation, Consul load
    const ratios = [...md.matchAll(/\| (?:≥ )?(\d[\d. ]*)× \|\n/g)].map((m) => Number(m[1]!.replaceAll(' ', ''))); // e.g. 3.12×, ≥ 1 425×
    expect(ratios.length).toBe(11);
    for (const x of ratios) expect(x).toBeGreaterThan(0);
    // lesson 2 as latency: leaky's stall p99 is censored at the generator's 10 s, fixed's bounded by its 500 ms
    const stall = md.match(/open model at a fixed rate .*\| 50\.0× \| leaky ≥ .*\| ≥ ([\d.]+)× \|\n/);
    expect(stall, 'the open-model lesson 2 row').not.toBeNull();
    expect(Number(stall![1])).toBeGreaterThanOrEqual(10);
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
