/**
 * The leak verdict on Go clients it was not designed around: the Go corpus in test/fixtures/go-clients/ (a body
 * never closed, a context not passed down, a watch goroutine started again on each error, and healthy clients of
 * the same shapes), each a user's `--client <file>.go` built into the Go config service, with the service's own
 * `go-leaky` and `go-default` as controls, under a real Toxiproxy stall in front of a real Consul, twice
 * (interleaved). Every run's verdict must be the expected one. The Go side of `leak-corpus.test.ts`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startLocalConsul } from '../../harness/consul/local-consul.ts';
import { startToxiproxy } from '../../harness/faults/toxiproxy-server.ts';
import { Teardown } from '../../harness/lifecycle.ts';
import { resolveGoServiceBinary } from '../../harness/provision/go-service-binary.ts';
import type { Report, ResultRow } from '../../harness/report/report-schema.ts';
import { mergeReports, runsOf } from '../../harness/results/merge.ts';
import { BenchRun } from '../../harness/run/bench-run.ts';
import { loadScenario } from '../../harness/scenario/load-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario-schema.ts';
import { ROOT } from '../helpers.ts';

/** Every Go client and its expected verdict (see test/fixtures/go-clients/README.md). */
const EXPECTED: Readonly<Record<string, 'leak' | 'no-leak'>> = {
  'go-leaky': 'leak',
  'go-default': 'no-leak',
  'go-unclosed-body': 'leak',
  'go-closed-body': 'no-leak',
  'go-race-timeout': 'leak',
  'go-watch-respawn': 'leak',
  'go-watch-backoff': 'no-leak',
};

const base = loadScenario('network-stall');
/** The corpus's load and phases (leak-corpus.test.ts): 50 arrivals a second, a 4 s stall, a 6 s quiesce. */
const scenarioWith = (clients: string[]) => {
  const s = parseScenario({
    ...base,
    name: 'leak-corpus-go',
    load: { ...base.load, model: 'open', rate: 50, warmupS: 1, openTimeoutS: 5 },
    phases: { baselineS: 2, faultS: 4, drainS: 4, quiesceS: 6 },
    clients: clients.length > 0 ? clients : ['go-default'],
  });
  return clients.length > 0 ? s : { ...s, clients: [] };
};

/** Four runs side by side, each with its own Toxiproxy: at most two rows each, controls and corpus files mixed. */
const GROUPS: ReadonlyArray<{ readonly controls: string[]; readonly corpus: string[] }> = [
  { controls: ['go-leaky'], corpus: ['go-closed-body'] },
  { controls: ['go-default'], corpus: ['go-unclosed-body'] },
  { controls: [], corpus: ['go-race-timeout', 'go-watch-backoff'] },
  { controls: [], corpus: ['go-watch-respawn'] },
];
const fixturePath = (name: string) => path.join(ROOT, 'test/fixtures/go-clients', `${name}.go`);

describe('the leak verdict on a Go corpus under a real stall', () => {
  let teardown: Teardown;
  let report: Report;
  beforeAll(async () => {
    teardown = new Teardown();
    const consul: StartedConsul = await startLocalConsul({
      backend: 'local',
      httpMaxConnsPerClient: base.consul.httpMaxConnsPerClient,
    });
    teardown.defer('the Go corpus Consul', () => consul.stop());
    // Each file is built into its own Go service binary (cached by its hash): built one after another before any
    // run starts, so no build competes with a stall for the cores.
    for (const name of GROUPS.flatMap((g) => g.corpus))
      await resolveGoServiceBinary({ extraSources: [fixturePath(name)] });
    const reports = await Promise.all(
      GROUPS.map((g) =>
        new BenchRun({
          consul,
          scenarios: [scenarioWith(g.controls)],
          command: 'vitest run test/harness/leak-corpus-go.test.ts',
          teardown,
          repeat: 2,
          startToxiproxy: () => startToxiproxy(),
          customClients: g.corpus.map((name) => ({ name, path: fixturePath(name) })),
        }).run(),
      ),
    );
    report = mergeReports(reports);
    // docs/LEAK-DIAGNOSIS.md's Go table is rendered from a copy committed as reports/leak-corpus/go.json
    await mkdir(path.join(ROOT, '.vitest-artifacts'), { recursive: true });
    await writeFile(path.join(ROOT, '.vitest-artifacts', 'leak-corpus-go.json'), JSON.stringify(report, null, 2));
  }, 15 * 60_000);
  afterAll(() => teardown.runAll());

  const row = (name: string): ResultRow => {
    const found = report.scenarios[0]!.results.find((r) => r.client === name);
    if (!found) throw new Error(`no row ${name}: ${JSON.stringify(report.failures)}`);
    return found;
  };

  it('runs every client twice without a failure', () => {
    expect(report.failures).toEqual([]);
    expect(GROUPS.flatMap((g) => [...g.controls, ...g.corpus]).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const r of report.scenarios[0]!.results) expect(runsOf(r), r.client).toHaveLength(2);
  });

  it.each(Object.entries(EXPECTED))('%s is judged %s on every run', (name, expected) => {
    const r = row(name);
    expect(
      runsOf(r).map((run) => run.leak),
      r.leak?.evidence.reason,
    ).toEqual([expected, expected]);
  });

  it('a body never closed is counted by its busy connection, not only by a goroutine stuck on the wire', () => {
    const o = row('go-unclosed-body').leak?.evidence.orphans;
    expect(o?.resources.goroutines).toBeGreaterThan(2);
    expect(o?.pending).toBe(0);
  });
});
