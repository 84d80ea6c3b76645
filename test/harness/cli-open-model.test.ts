/**
 * The open model and capacity from the command line, on a real Consul: `run --rate` (every row states the model,
 * keeps its schedule, and shows corrected beside uncorrected latency and CPU per request) and `capacity` (the search,
 * its evidence, and its bad input).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWrk, wrkDurationUs, wrkScript } from '../../harness/bench/generator-ceiling.ts';
import { ReportSchema } from '../../harness/report/report-schema.ts';
import { cli, tmp } from '../helpers.ts';

describe('the open model on a real Consul (--rate)', () => {
  it(
    'light --quick --rate 300: every row states the model, the schedule kept, corrected ≥ uncorrected latency, CPU per request',
    async () => {
      const out = await tmp();
      const r = await cli([
        'run',
        'light',
        '--quick',
        '--rate',
        '300',
        '--arrival',
        'poisson',
        '--consul',
        'local',
        '--clients',
        'no-consul,pooled',
        '--out',
        out,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/measure 2 s, open model 300 req\/s, at most 1 000 in flight/);
      const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
      const scenario = report.scenarios[0]!;
      expect(scenario.loadModel).toBe('open');
      for (const row of scenario.results) {
        const open = row.open!;
        expect(open, row.client).toBeDefined();
        expect(open.arrival).toBe('poisson');
        expect(open.scheduled, row.client).toBeGreaterThan(450); // ≈ 600 over 2 s
        expect(open.scheduled, row.client).toBeLessThan(750);
        expect(open.sent + open.dropped).toBe(open.scheduled);
        // every request scheduled is accounted for: answered, given up at the timeout (dropped included), or failed
        expect(row.requests + row.errors.timeouts + row.errors.connection, row.client).toBe(open.scheduled);
        expect(open.achievedRps, row.client).toBeGreaterThan(200);
        expect(row.latencyUs.p50, row.client).toBeGreaterThanOrEqual(open.uncorrectedLatencyUs.p50);
        expect(row.service!.cpuUsPerRequest, row.client).toBeGreaterThan(0);
      }
      expect(scenario.results[1]!.consul!.cpuUsPerRequest).toBeGreaterThan(0);
      const md = await readFile(path.join(out, 'report.md'), 'utf8');
      expect(md).toMatch(/\*\*open model\*\*, poisson arrivals at 300 req\/s/);
      expect(md).toContain('p99 uncorrected ms');
      expect(md).toContain('service CPU µs/req');
    },
    3 * 60_000,
  );
});

describe('capacity on a real Consul', () => {
  it(
    'searches each row for the highest rate that holds the SLO, as an interval on repeats, and writes the steps as evidence',
    async () => {
      const out = await tmp();
      const r = await cli([
        'capacity',
        'light',
        '--clients',
        'no-consul,pooled',
        '--slo',
        'p99<100ms,errors<1%',
        '--start-rate',
        '200',
        '--step',
        '1',
        '--warmup',
        '0',
        '--max-steps',
        '3',
        '--repeat',
        '2',
        '--consul',
        'local',
        '--out',
        out,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/pooled ramp 200 req\/s #1: p99 [\d.]+ ms, errors [\d.]+%, (holds|broken)/);
      // the rows take turns, one step each: while both search, their step lines alternate
      expect(r.stderr).toContain('2 rows take turns, one step at a time');
      const stepRows = [...r.stderr.matchAll(/^ {2}(no-consul|pooled) (?:ramp|search|repeat)\S* /gm)].map((m) => m[1]);
      const both = Math.min(...['no-consul', 'pooled'].map((x) => stepRows.filter((y) => y === x).length));
      expect(both, r.stderr).toBeGreaterThan(0);
      expect(
        stepRows.slice(0, 2 * both).every((x, i) => x === stepRows[i % 2]),
        stepRows.join(' '),
      ).toBe(true);
      expect(r.stdout).toMatch(/│ no-consul +│/);
      expect(r.stdout).toMatch(/held–broken req\/s/);
      expect(r.stdout).toContain('SLO: p99<100ms, errors<1% (open model');
      const c = JSON.parse(await readFile(path.join(out, 'capacity.json'), 'utf8'));
      expect(c.results.map((x: { row: string }) => x.row)).toEqual(['no-consul', 'pooled']);
      for (const row of c.results) {
        expect(row.steps.length).toBeGreaterThan(0);
        expect(row.steps.length).toBeLessThanOrEqual(3);
        expect(row.raw).toHaveLength(row.steps.length);
        expect(row.raw[0].open.rate).toBe(200);
        expect(row.steps[0].rate).toBe(200);
        expect(row.repeats).toBe(2);
        expect(row.steps[0]).toMatchObject({ repeat: 1, counted: expect.any(Boolean) });
        expect(row.steps[0].samples).toBeGreaterThan(0);
        expect(row.rates.length).toBeGreaterThan(0);
      }
      expect(await readFile(path.join(out, 'capacity.md'), 'utf8')).toMatch(
        /### pooled\n\nInterval .* req\/s; rates judged: 200 \w+ .*\n\n\| step \| rate req\/s \| repeat \| achieved req\/s \| answers/,
      );
    },
    3 * 60_000,
  );

  it('refuses a scenario with phases and a malformed SLO, in one line', async () => {
    const a = await cli(['capacity', 'network-stall', '--slo', 'p99<50ms']);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/capacity measures steady load; network-stall has phases/);
    const b = await cli(['capacity', 'light', '--slo', 'p99>50ms']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/term "p99>50ms": write <metric> < <value>/);
  });
});

describe('ceiling: the generators beside wrk, per row', () => {
  it("reads wrk's summary: 2xx req/s (its rate less the non-2xx share) and the 99% latency line in µs", () => {
    const out = [
      'Running 5s test @ http://127.0.0.1:1/config/k0',
      '  Latency Distribution',
      '     50%  571.00us',
      '     99%    5.12ms',
      '  350000 requests in 5.00s, 40.00MB read',
      'Requests/sec:  70000.00',
    ].join('\n');
    expect(parseWrk(out)).toEqual({ rps: 70000, otherRps: 0, p99Us: 5120 });
    const failing = out.replace('Requests/sec', '  Non-2xx or 3xx responses: 35000\nRequests/sec');
    expect(parseWrk(failing)).toEqual({ rps: 63000, otherRps: 7000, p99Us: 5120 });
    expect(wrkDurationUs('1.02s')).toBe(1_020_000);
    expect(() => parseWrk('unable to connect')).toThrow(/wrk printed no summary/);
  });

  it("wrk's script cycles the row's paths in order, with its headers, each request formatted once", () => {
    const lua = wrkScript({ paths: ['/config/key-0000', '/v1/kv/a%2Fb?raw'], headers: { 'x-consul-token': 't"1' } });
    expect(lua).toContain('wrk.headers["x-consul-token"] = "t\\"1"');
    expect(lua).toContain('local paths = { "/config/key-0000", "/v1/kv/a%2Fb?raw" }');
    expect(lua).toMatch(/request = function\(\)\n {2}n = n % #requests \+ 1\n {2}return requests\[n\]/);
  });

  it(
    "two rows' targets as articles starts them, the harness's generator and wrk taking turns (wrk: provision --wrk, in pretest); without wrk, the harness's alone and the open ramp",
    async () => {
      const out = await tmp();
      const common = ['ceiling', '--clients', 'no-consul,consul-direct', '--connections', '20', '--duration', '1'];
      const r = await cli([
        ...common,
        '--rounds',
        '2',
        '--warmup',
        '0',
        '--no-open',
        '--consul',
        'local',
        '--out',
        out,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      const c = JSON.parse(await readFile(path.join(out, 'ceiling.json'), 'utf8'));
      expect(c.wrk).toMatch(/^wrk \S*\d/); // Debian's prints `wrk debian/4.1.0-3+b2 [epoll]`
      expect(c.rows.map((x: { row: string }) => x.row)).toEqual(['no-consul', 'consul-direct']);
      for (const row of c.rows) {
        expect(row.paths).toBe(100); // articles' keys, cycled by both tools
        expect(row.rounds.map((x: { runs: { tool: string }[] }) => x.runs.map((y) => y.tool))).toEqual([
          ['harness', 'wrk'],
          ['wrk', 'harness'],
        ]);
        for (const round of row.rounds) {
          for (const run of round.runs) expect(run.rps, `${row.row} ${run.tool}`).toBeGreaterThan(100);
          for (const run of round.runs) expect(run.otherRps, `${row.row} ${run.tool}: every path answered 2xx`).toBe(0);
          expect(round.ratio).toBeCloseTo(
            round.runs[0].tool === 'wrk'
              ? round.runs[1].rps / round.runs[0].rps
              : round.runs[0].rps / round.runs[1].rps,
            6,
          );
        }
      }
      expect(c.open).toEqual([]);
      expect(r.stdout).toMatch(
        /consul-direct: the harness's generator reached [\d.]+×, [\d.]+× wrk's 2xx req\/s \(median [\d.]+×/,
      );

      const none = await tmp();
      const n = await cli([
        ...common,
        '--rounds',
        '1',
        '--wrk',
        '/nonexistent/wrk',
        '--open-start-rate',
        '500',
        '--open-max-rate',
        '800',
        '--consul',
        'local',
        '--out',
        none,
      ]);
      expect(n.exitCode, n.stderr).toBe(0);
      expect(n.stdout).toContain('no-consul: wrk not found (consul-kv-bench provision --wrk installs');
      const d = JSON.parse(await readFile(path.join(none, 'ceiling.json'), 'utf8'));
      expect(d.wrk).toBeNull();
      expect(d.rows[0].rounds[0].runs.map((x: { tool: string }) => x.tool)).toEqual(['harness']);
      expect(d.open.map((s: { rate: number }) => s.rate)).toEqual([500, 750]); // ×1.5 a step, up to --open-max-rate
      expect(await readFile(path.join(none, 'ceiling.md'), 'utf8')).toContain('# Load generator ceiling');
      const bad = await cli(['ceiling', '--rounds', '0']);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/--rounds takes a whole number ≥ 1/);
    },
    2 * 60_000,
  );
});
