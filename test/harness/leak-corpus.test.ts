/**
 * The leak verdict tried on clients it was not designed around: the corpus in test/fixtures/clients/ (undici,
 * global fetch, node:http and the consul package; leaking and healthy in different ways, one healthy client pinned
 * at its concurrency ceiling) and the project's own controls (`leaky-without-abort`, `fixed`), each under a real
 * Toxiproxy stall in front of a real Consul, twice (interleaved). Every run's verdict must be the expected one.
 * (The controls were tested alone in leak-controls.test.ts before the corpus; their assertions are here now.)
 * The stalls run in the open model at a modest rate, eight runs side by side (see {@link GROUPS}).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEDGED_RETRY } from '../../clients/support/hedged-retry.ts';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startLocalConsul } from '../../harness/consul/local-consul.ts';
import { CONSUL_RATE_LIMIT_PER_S } from '../../harness/diagnosis/leak-verdict.ts';
import { startToxiproxy } from '../../harness/faults/toxiproxy-server.ts';
import { Teardown } from '../../harness/lifecycle.ts';
import type { Report, ResultRow } from '../../harness/report/report-schema.ts';
import { mergeReports, runsOf } from '../../harness/results/merge.ts';
import { BenchRun } from '../../harness/run/bench-run.ts';
import { loadScenario } from '../../harness/scenario/load-scenario.ts';
import { parseScenario, type Scenario } from '../../harness/scenario/scenario-schema.ts';
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
  'watch-respawn-on-error': 'leak',
  'watch-backoff': 'no-leak',
  'poll-respawn-unref': 'leak',
  'ttl-cache': 'no-leak',
  'abort-listener-per-failure': 'leak',
  'abort-listener-removed': 'no-leak',
};

/** The watching caches again against a Consul over TLS, where undici negotiates HTTP/2 (one connection, streams). */
const OVER_TLS: Readonly<Record<string, 'leak' | 'no-leak'>> = {
  'watch-respawn-on-error': 'leak',
  'watch-backoff': 'no-leak',
};

const base = loadScenario('network-stall');
/**
 * Arrivals a second in every run: the open model at a modest rate, so eight stalls side by side leave the two cores
 * about a third busy each (a stall row in the closed model drives the machine as fast as it goes through its baseline
 * and drain: three such runs side by side kept both cores busy). At this rate a client without a deadline still piles
 * up 50 reads a second of the stall, and one with a 500 ms deadline holds at most about 25 reads.
 */
const RATE = 50;
/**
 * The scenario with these registered rows (the controls, and `pooled` as a third healthy control); none for a run
 * of corpus modules only. A 1 s warm-up: eight services start at once, and with none the first baselines' p99 was
 * about 1 s (one healthy client answered errors at its 500 ms deadline). The generator gives a read up after 5 s
 * (`openTimeoutS`; the scenario's 10 s made a leaking row wait up to 10 s after its drain for reads that never end),
 * and the stall plus the 4 s drain exceed it: a read the stall caught has ended at the generator before the load
 * stops.
 */
const overTls = (s: Scenario): Scenario => ({ ...s, name: 'leak-corpus-tls', consul: { ...s.consul, tls: true } });
const scenarioWith = (clients: string[]) => {
  const s = parseScenario({
    ...base,
    name: 'leak-corpus',
    load: { ...base.load, model: 'open', rate: RATE, warmupS: 1, openTimeoutS: 5 },
    phases: { baselineS: 2, faultS: 4, drainS: 4, quiesceS: 6 },
    clients: clients.length > 0 ? clients : ['fixed'],
  });
  return clients.length > 0 ? s : { ...s, clients: [] };
};

/**
 * Ten runs side by side (eleven with the TLS run below), each with its own Toxiproxy and its rows twice
 * (interleaved), on one Consul: most of a stall row is waiting (the stall, the quiesce), and at 50 reads a second
 * the machine is not what slows a row. At most two clients a run (the slowest alone), leaking and healthy mixed
 * across the runs, so the file takes about as long as four rows. (In the closed model in three runs, the corpus
 * took 173 s on CI; in five runs of three it got `no-leak` for two leaking clients. In thirteen runs of one client,
 * the first runs of `fixed` and `pooled` were `inconclusive`, 7 fault samples of the 8 needed: thirteen services
 * starting at once overload two cores, so the runs start {@link STAGGER_MS} apart.)
 */
const GROUPS: ReadonlyArray<{ readonly controls: string[]; readonly corpus: string[] }> = [
  { controls: ['leaky-without-abort'], corpus: ['pool-bounded-timeout'] },
  { controls: ['fixed'], corpus: ['fetch-race-timeout'] },
  { controls: ['pooled'], corpus: ['timer-per-read'] },
  // its quiesce waits up to the generator's timeout for reads that never end: the longest row, so alone
  { controls: [], corpus: ['pool-no-timeouts'] },
  { controls: [], corpus: ['http-timeout-no-destroy', 'consul-npm-timeout'] },
  { controls: [], corpus: ['consul-npm-no-timeout', 'http-destroy-on-timeout'] },
  { controls: [], corpus: ['fetch-abort-timeout', 'polling-cache'] },
  // watching caches: reads served from memory, so the only thing a stall can leave is a watch loop
  { controls: [], corpus: ['watch-respawn-on-error', 'watch-backoff'] },
  { controls: [], corpus: ['poll-respawn-unref', 'ttl-cache'] },
  // memory kept per failed read, and its twin
  { controls: [], corpus: ['abort-listener-per-failure', 'abort-listener-removed'] },
];
/** Between one run's start and the next, ms: the services' starts spread over a few seconds. */
const STAGGER_MS = 700;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fixture = (name: string) => ({ name, path: path.join(ROOT, 'test/fixtures/clients', `${name}.ts`) });

describe('the leak verdict on a corpus of clients under a real stall', () => {
  let teardown: Teardown;
  let report: Report;
  let tlsReport: Report;
  beforeAll(async () => {
    teardown = new Teardown();
    // A Consul of its own with the scenario's connection limit, as `run network-stall` starts: the stalled
    // connections the leaking clients hold (up to about 150 each) stay open at Consul through Toxiproxy, and with
    // the shared Consul's 200 per client address they refused the healthy clients' new connections after the stall.
    // And one over TLS (HTTPS only, as `--tls` starts it) for the watching caches over HTTP/2.
    const [consul, tlsConsul]: StartedConsul[] = await Promise.all([
      startLocalConsul({ backend: 'local', httpMaxConnsPerClient: base.consul.httpMaxConnsPerClient }),
      startLocalConsul({ backend: 'local', tls: true, httpMaxConnsPerClient: base.consul.httpMaxConnsPerClient }),
    ]);
    teardown.defer('the corpus Consul', () => consul!.stop());
    teardown.defer('the corpus Consul over TLS', () => tlsConsul!.stop());
    const runs = [
      ...GROUPS.map((g) => ({ consul: consul!, scenario: scenarioWith(g.controls), corpus: g.corpus })),
      { consul: tlsConsul!, scenario: overTls(scenarioWith([])), corpus: Object.keys(OVER_TLS) },
    ];
    const reports = await Promise.all(
      runs.map(async (r, i) => {
        await sleep(i * STAGGER_MS);
        return new BenchRun({
          consul: r.consul,
          scenarios: [r.scenario],
          command: 'vitest run test/harness/leak-corpus.test.ts',
          teardown,
          repeat: 2,
          startToxiproxy: () => startToxiproxy(),
          customClients: r.corpus.map(fixture),
        }).run();
      }),
    );
    report = mergeReports(reports.slice(0, -1));
    tlsReport = reports.at(-1)!;
    // Kept beside vitest's results (CI keeps .vitest-artifacts/); docs/LEAK-DIAGNOSIS.md's tables are rendered from
    // copies committed as reports/leak-corpus/report.json and tls.json.
    await mkdir(path.join(ROOT, '.vitest-artifacts'), { recursive: true });
    await writeFile(path.join(ROOT, '.vitest-artifacts', 'leak-corpus.json'), JSON.stringify(report, null, 2));
    await writeFile(path.join(ROOT, '.vitest-artifacts', 'leak-corpus-tls.json'), JSON.stringify(tlsReport, null, 2));
  }, 15 * 60_000);
  afterAll(() => teardown.runAll());

  const row = (name: string): ResultRow => {
    const found = report.scenarios[0]!.results.find((r) => r.client === name);
    if (!found) throw new Error(`no row ${name}: ${JSON.stringify(report.failures)}`);
    return found;
  };

  it('runs every client twice without a failure', () => {
    expect(report.failures).toEqual([]);
    expect(tlsReport.failures).toEqual([]);
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
    // In flight during the stall is bounded by design: a read lives at most its 500 ms deadline, with at most
    // HEDGED_RETRY.maxAttempts attempts (the second starts 200 ms in), and at 50 arrivals a second (constant gaps) at
    // most 26 reads start in any 500 ms; the leaking control exceeds that bound. Whether in-flight is back at its
    // baseline median by the end of the drain is not asserted (at saturation in the closed model it moved by more
    // than the 5-request tolerance from sample to sample for this healthy client): the verdict is taken after the
    // quiesce, not from the drain.
    const deadlineS = base.clientOptions.requestTimeoutMs / 1000;
    const bound = (Math.ceil(RATE * deadlineS) + 1) * HEDGED_RETRY.maxAttempts;
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

  it("a watch loop respawned on errors is judged by Consul's own count of its reads: more after the stall than before", () => {
    const o = row('watch-respawn-on-error').leak;
    expect(o?.evidence.orphans?.consulReadsPerS?.excess).toBeGreaterThan(CONSUL_RATE_LIMIT_PER_S);
    expect(o?.evidence.orphans?.pending).toBe(0);
    expect(o?.evidence.orphans?.decidedBy).toContain('consulReads');
  });

  it('memory kept per failed read is judged by the memory retained after full GCs, nothing else being left', () => {
    const o = row('abort-listener-per-failure').leak?.evidence.orphans;
    expect(o?.retainedHeapBytes?.growth).toBeGreaterThan(0);
    expect(o).toMatchObject({ pending: 0, inFlight: 0, decidedBy: ['retainedMemory'] });
    expect(row('abort-listener-removed').leak?.evidence.orphans?.retainedHeapBytes?.growth).toBe(0);
  });

  it.each(Object.entries(OVER_TLS))('over TLS (HTTP/2), %s is judged %s on every run', (name, expected) => {
    const r = tlsReport.scenarios[0]!.results.find((x) => x.client === name);
    expect(r, JSON.stringify(tlsReport.failures)).toBeDefined();
    expect(
      runsOf(r!).map((run) => run.leak),
      r!.leak?.evidence.reason,
    ).toEqual([expected, expected]);
    if (expected === 'leak') expect(r!.leak?.evidence.orphans?.decidedBy).toContain('consulReads');
  });
});
