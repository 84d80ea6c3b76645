/**
 * The leak verdict tried on clients it was not designed around: the corpus in test/fixtures/clients/ (undici,
 * global fetch, node:http and the consul package; leaking and healthy in different ways, one healthy client pinned
 * at its concurrency ceiling) and the project's own controls (`leaky-without-abort`, `fixed`), each under a real
 * Toxiproxy stall in front of a real Consul, twice (interleaved). Every run's verdict must be the expected one.
 * (The controls were tested alone in leak-controls.test.ts before the corpus; their assertions are here now.)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HEDGED_RETRY } from '../../clients/support/hedged-retry.ts';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startToxiproxy } from '../../harness/faults/toxiproxy-server.ts';
import { Teardown } from '../../harness/lifecycle.ts';
import type { Report, ResultRow } from '../../harness/report/report-schema.ts';
import { mergeReports, runsOf } from '../../harness/results/merge.ts';
import { BenchRun } from '../../harness/run/bench-run.ts';
import { loadScenario } from '../../harness/scenario/load-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario-schema.ts';
import { ROOT } from '../helpers.ts';

/** Every client of the corpus and its expected verdict (see test/fixtures/clients/README.md). */
const CORPUS: Readonly<Record<string, 'leak' | 'no-leak'>> = {
  'pool-no-timeouts': 'leak',
  'fetch-race-timeout': 'leak',
  'http-timeout-no-destroy': 'leak',
  'consul-npm-no-timeout': 'leak',
  'timer-per-read': 'leak',
  'pool-bounded-timeout': 'no-leak',
  'fetch-abort-timeout': 'no-leak',
  'http-destroy-on-timeout': 'no-leak',
  'consul-npm-timeout': 'no-leak',
  'polling-cache': 'no-leak',
};

const consul: StartedConsul = {
  httpUrl: inject('consulUrl'),
  backend: 'external',
  version: inject('consulVersion'),
  httpMaxConnsPerClient: 200,
  provenance: 'test',
  logTail: () => '',
  stop: () => Promise.resolve(),
};
const base = loadScenario('network-stall');
/** The scenario with these registered rows (the controls, and `pooled` as a third healthy control). */
const scenarioWith = (clients: string[]) =>
  parseScenario({
    ...base,
    name: 'leak-corpus',
    load: { ...base.load, connections: 20, warmupS: 0 },
    phases: { baselineS: 2, faultS: 4, drainS: 4, quiesceS: 6 },
    clients,
  });
const scenario = scenarioWith(['leaky-without-abort', 'fixed']);

/**
 * Three runs side by side, each with its own Toxiproxy and its rows twice (interleaved), on the one Consul: most of
 * a stall row is waiting (the stall, the quiesce), so the corpus takes a third of the time it took one row after
 * another. Leaking and healthy clients are mixed across the groups.
 */
const GROUPS: ReadonlyArray<{ readonly controls: string[]; readonly corpus: string[] }> = [
  { controls: ['leaky-without-abort'], corpus: ['pool-no-timeouts', 'fetch-race-timeout', 'pool-bounded-timeout'] },
  { controls: ['fixed'], corpus: ['http-timeout-no-destroy', 'consul-npm-no-timeout', 'fetch-abort-timeout'] },
  {
    controls: ['pooled'],
    corpus: ['timer-per-read', 'http-destroy-on-timeout', 'consul-npm-timeout', 'polling-cache'],
  },
];

describe('the leak verdict on a corpus of clients under a real stall', () => {
  let teardown: Teardown;
  let report: Report;
  beforeAll(async () => {
    teardown = new Teardown();
    const reports = await Promise.all(
      GROUPS.map((g) =>
        new BenchRun({
          consul,
          scenarios: [scenarioWith(g.controls)],
          command: 'test',
          teardown,
          repeat: 2,
          startToxiproxy: () => startToxiproxy(),
          customClients: g.corpus.map((name) => ({
            name,
            path: path.join(ROOT, 'test/fixtures/clients', `${name}.ts`),
          })),
        }).run(),
      ),
    );
    report = mergeReports(reports);
    // Kept beside vitest's results (CI keeps .vitest-artifacts/): the README's corpus table comes from this file.
    await mkdir(path.join(ROOT, '.vitest-artifacts'), { recursive: true });
    await writeFile(path.join(ROOT, '.vitest-artifacts', 'leak-corpus.json'), JSON.stringify(report, null, 2));
  }, 15 * 60_000);
  afterAll(() => teardown.runAll());

  const row = (name: string): ResultRow => {
    const found = report.scenarios[0]!.results.find((r) => r.client === name);
    if (!found) throw new Error(`no row ${name}: ${JSON.stringify(report.failures)}`);
    return found;
  };

  it('runs every client twice without a failure', () => {
    expect(report.failures).toEqual([]);
    expect(report.scenarios).toHaveLength(1);
    expect(GROUPS.flatMap((g) => g.corpus).sort()).toEqual(Object.keys(CORPUS).sort());
    for (const r of report.scenarios[0]!.results) expect(runsOf(r), r.client).toHaveLength(2);
  });

  it('pooled, a third healthy control, is judged no-leak on every run', () => {
    expect(runsOf(row('pooled')).map((run) => run.leak)).toEqual(['no-leak', 'no-leak']);
  });

  it.each(Object.entries(CORPUS))('%s is judged %s on every run', (name, expected) => {
    const r = row(name);
    expect(
      runsOf(r).map((run) => run.leak),
      r.leak?.evidence.reason,
    ).toEqual([expected, expected]);
  });

  it('the controls: leaky-without-abort piles up during the stall and is a leak; fixed is not', () => {
    const leaky = row('leaky-without-abort');
    const fixed = row('fixed');
    expect(runsOf(leaky).map((r) => r.leak)).toEqual(['leak', 'leak']);
    expect(leaky.leak?.evidence.inFlight?.faultSlopePerS).toBeGreaterThan(0);
    expect(runsOf(fixed).map((r) => r.leak)).toEqual(['no-leak', 'no-leak']);
    expect(fixed.leak?.evidence.orphans?.worst).toBe(0);
    // In flight during the stall is bounded by design (one read per connection, at most HEDGED_RETRY.maxAttempts
    // attempts each; about 2 per read are seen, the second starting 200 ms into a 500 ms deadline), and the leaking
    // control exceeds that bound. Whether in-flight is back at its baseline median by the end of the drain is not
    // asserted: at saturation (closed model, hedging) it moves by more than the 5-request tolerance from sample to
    // sample (a CI run saw it "stay up" for this healthy client), which is why the verdict is taken
    // after the quiesce, not from the drain.
    const bound = scenario.load.connections * HEDGED_RETRY.maxAttempts;
    expect(fixed.leak?.evidence.inFlight?.faultPeak).toBeLessThanOrEqual(bound);
    expect(leaky.leak?.evidence.inFlight?.faultPeak).toBeGreaterThan(bound);
  });

  it('the healthy pool sits at its ceiling of 8 during the stall and leaves nothing', () => {
    const r = row('pool-bounded-timeout');
    expect(r.leak?.evidence.inFlight?.faultPeak).toBeLessThanOrEqual(8);
    expect(r.leak?.evidence.inFlight?.faultPeak).toBeGreaterThanOrEqual(6);
    expect(r.leak?.evidence.orphans).toMatchObject({ pending: 0, inFlight: 0, worst: 0 });
  });

  it("reads queued in a pool are seen at the service's door, not on the wire", () => {
    const o = row('pool-no-timeouts').leak?.evidence.orphans;
    expect(o?.inFlight).toBeLessThanOrEqual(8);
    expect(o?.pending).toBeGreaterThan(8);
  });
});
