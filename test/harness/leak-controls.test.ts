/**
 * The leak verdict on the real system, repeated: under a real Toxiproxy stall in front of a real Consul, the
 * positive control (leaky-without-abort) is judged `leak` and the negative control (fixed) `no-leak`, every time.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StartedConsul } from '../../harness/consul/consul-types.ts';
import { startToxiproxy } from '../../harness/faults/toxiproxy-server.ts';
import { Teardown } from '../../harness/lifecycle.ts';
import { BenchRun } from '../../harness/run/bench-run.ts';
import { loadScenario } from '../../harness/scenario/load-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario-schema.ts';

const consulUrl = inject('consulUrl');
const consul: StartedConsul = {
  httpUrl: consulUrl,
  backend: 'external',
  version: inject('consulVersion'),
  httpMaxConnsPerClient: 200,
  provenance: 'test',
  logTail: () => '',
  stop: () => Promise.resolve(),
};
const base = loadScenario('network-stall');
const scenario = parseScenario({
  ...base,
  name: 'stall-controls',
  load: { ...base.load, connections: 20, warmupS: 0 },
  phases: { baselineS: 2, faultS: 4, drainS: 6 },
  clients: ['leaky-without-abort', 'fixed'],
});

describe.each([1, 2])('stall controls, run %i', () => {
  let teardown: Teardown;
  beforeAll(() => {
    teardown = new Teardown();
  });
  afterAll(() => teardown.runAll());

  it('leaky-without-abort is a leak and fixed is not', async () => {
    const run = new BenchRun({
      consul,
      scenarios: [scenario],
      command: 'test',
      teardown,
      startToxiproxy: () => startToxiproxy(),
    });
    const report = await run.run();
    expect(report.failures).toEqual([]);
    const byName = Object.fromEntries(report.scenarios[0]!.results.map((r) => [r.client, r]));
    const leaky = byName['leaky-without-abort']!;
    const fixed = byName.fixed!;
    expect(leaky.leak?.verdict, leaky.leak?.evidence.reason).toBe('leak');
    expect(leaky.leak?.evidence.inFlight?.faultSlopePerS).toBeGreaterThan(0);
    expect(fixed.leak?.verdict, fixed.leak?.evidence.reason).toBe('no-leak');
    expect(fixed.leak?.evidence.inFlight?.stayedUp).toBe(false);
  });
});
