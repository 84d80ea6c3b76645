import { describe, expect, it } from 'vitest';
import { DEFAULT_ROW_NAMES } from '../../clients/index.ts';
import { BenchError } from '../../harness/errors.ts';
import { loadScenario, scenarioNames } from '../../harness/scenario/load-scenario.ts';
import { applyOverrides } from '../../harness/scenario/scenario-overrides.ts';
import { measuredSeconds, parseScenario, rowName } from '../../harness/scenario/scenario-schema.ts';

const minimal = {
  name: 'x',
  description: 'd',
  keys: { count: 1, valueBytes: 1 },
  load: { connections: 1, durationS: 1 },
};

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    return { code: (err as BenchError).code, message: (err as BenchError).message };
  }
  throw new Error('did not throw');
}

describe('scenarios', () => {
  it.each(scenarioNames())('%s validates and has a quick mode shorter than its full run', (name) => {
    const s = loadScenario(name);
    const quick = applyOverrides(s, { quick: true });
    expect(measuredSeconds(quick)).toBeLessThan(measuredSeconds(s));
    expect(quick.load.warmupS).toBeLessThanOrEqual(s.load.warmupS);
    expect(s.clients.length).toBeGreaterThan(0);
  });

  it('the articles scenario runs every client and baseline by default', () => {
    expect(loadScenario('articles').clients).toEqual(DEFAULT_ROW_NAMES);
  });

  it('phases need a fault and a fault needs phases; --duration does not apply to phased scenarios', () => {
    expect(
      codeAndMessage(() => parseScenario({ ...minimal, phases: { baselineS: 1, faultS: 1, drainS: 1 } })).message,
    ).toMatch(/phases need a fault/);
    expect(codeAndMessage(() => parseScenario({ ...minimal, fault: { type: 'stall' } })).message).toMatch(
      /a fault or restart needs phases/,
    );
    expect(codeAndMessage(() => parseScenario({ ...minimal, load: { connections: 1 } })).message).toMatch(
      /load.durationS is required unless the scenario has phases/,
    );
    expect(codeAndMessage(() => applyOverrides(loadScenario('network-stall'), { durationS: 5 })).message).toMatch(
      /--duration does not apply to network-stall/,
    );
    expect(applyOverrides(loadScenario('network-stall'), { quick: true }).phases).toEqual(
      loadScenario('network-stall').quick.phases,
    );
  });

  it('fills defaults: warm-up, timeouts, client options, Consul settings', () => {
    const s = parseScenario(minimal);
    expect(s.load.warmupS).toBe(2);
    expect(s.load.timeoutS).toBe(10);
    expect(s.clientOptions).toEqual({
      requestTimeoutMs: 1000,
      maxConnections: 32,
      watchWaitMs: 30_000,
      consistency: 'default',
      pollIntervalMs: 1000,
      staleIfErrorMs: 60_000,
      addedWorkUs: 0,
    });
    expect(s.consul.httpMaxConnsPerClient).toBe(200);
    expect(s.quick).toEqual({ durationS: 3, warmupS: 1 });
  });

  it('names the field and its range in one line', () => {
    const e = codeAndMessage(() =>
      parseScenario({ ...minimal, load: { connections: 0, durationS: 1 } }, 'scenarios/x.ts'),
    );
    expect(e.code).toBe('INVALID_SCENARIO');
    expect(e.message).toBe('scenarios/x.ts: load.connections must be at least 1');
    expect(codeAndMessage(() => parseScenario({ ...minimal, keys: { count: 1.5, valueBytes: 1 } })).message).toMatch(
      /keys\.count must be a whole number from 1 to 10000/,
    );
  });

  it('rejects unknown fields and unknown clients with their codes', () => {
    expect(codeAndMessage(() => parseScenario({ ...minimal, lod: {} })).code).toBe('INVALID_SCENARIO');
    const e = codeAndMessage(() => parseScenario({ ...minimal, clients: ['pooled', 'nope'] }));
    expect(e.code).toBe('UNKNOWN_CLIENT');
    expect(e.message).toMatch(/unknown client "nope": use one of no-consul/);
  });

  it('overrides narrow the scenario and are validated under their flag names', () => {
    const s = loadScenario('articles');
    const o = applyOverrides(s, { quick: true, connections: 7, clients: ['pooled'] });
    expect(o.load).toMatchObject({ connections: 7, durationS: s.quick.durationS, warmupS: s.quick.warmupS });
    expect(o.clients).toEqual(['pooled']);
    expect(codeAndMessage(() => applyOverrides(s, { durationS: 0.5 })).message).toMatch(
      /--duration must be at least 1/,
    );
  });

  it('unknown scenario names the registered ones', () => {
    const e = codeAndMessage(() => loadScenario('nope'));
    expect(e.code).toBe('UNKNOWN_SCENARIO');
    expect(e.message).toContain(scenarioNames().join(', '));
  });
});

describe('variants, freshness and restarts', () => {
  const withRows = {
    ...minimal,
    clients: ['pooled', { client: 'pooled', name: 'pooled-stale', options: { consistency: 'stale' } }],
  };

  it('a row may be a variant: a registered client with its own name and option overrides', () => {
    const s = parseScenario(withRows);
    expect(s.clients.map(rowName)).toEqual(['pooled', 'pooled-stale']);
    expect(s.clients[1]).toEqual({ client: 'pooled', name: 'pooled-stale', options: { consistency: 'stale' } });
    expect(
      codeAndMessage(() =>
        parseScenario({ ...minimal, clients: ['pooled', { client: 'pooled', name: 'pooled', options: {} }] }),
      ).message,
    ).toMatch(/row pooled appears twice/);
    expect(
      codeAndMessage(() =>
        parseScenario({ ...minimal, clients: [{ client: 'pooled', name: 'p', options: { consistency: 'eventual' } }] }),
      ).message,
    ).toMatch(/consistency must be default, stale or consistent/);
    expect(
      codeAndMessage(() =>
        parseScenario({
          ...minimal,
          clients: [{ client: 'pooled', name: 'p', options: { rateLimit: { qps: 0, burst: 1 } } }],
        }),
      ).message,
    ).toMatch(/rateLimit\.qps must be at least 0\.1/);
  });

  it('--clients picks rows by name, variants included, or registered clients; anything else is named with the choices', () => {
    const s = parseScenario(withRows);
    expect(applyOverrides(s, { clients: ['pooled-stale', 'polling'] }).clients).toEqual([s.clients[1], 'polling']);
    const e = codeAndMessage(() => applyOverrides(s, { clients: ['pooled-stael'] }));
    expect(e.code).toBe('UNKNOWN_CLIENT');
    expect(e.message).toMatch(/--clients pooled-stael: x has no such row; use its rows \(pooled, pooled-stale\)/);
  });

  it('--consistency and --rate-limit apply to every row; a variant keeps its own setting', () => {
    const s = applyOverrides(parseScenario(withRows), {
      clientOptions: { consistency: 'consistent', rateLimit: { qps: 100, burst: 10 } },
    });
    expect(s.clientOptions.consistency).toBe('consistent');
    expect(s.clientOptions.rateLimit).toEqual({ qps: 100, burst: 10 });
    expect(s.clients[1]).toMatchObject({ options: { consistency: 'stale' } });
  });

  it('a restart needs phases and freshness, no writer and no fault; freshness keys fit the scenario', () => {
    const phases = { baselineS: 1, faultS: 1, drainS: 1 };
    expect(parseScenario({ ...minimal, phases, restart: { keepData: true }, freshness: { keys: 1 } }).restart).toEqual({
      keepData: true,
    });
    expect(
      codeAndMessage(() => parseScenario({ ...minimal, restart: { keepData: true }, freshness: {} })).message,
    ).toMatch(/a fault or restart needs phases/);
    expect(codeAndMessage(() => parseScenario({ ...minimal, phases, restart: { keepData: true } })).message).toMatch(
      /a restart needs freshness/,
    );
    expect(
      codeAndMessage(() =>
        parseScenario({
          ...minimal,
          phases,
          restart: { keepData: true },
          fault: { type: 'stall' },
          freshness: { keys: 1 },
        }),
      ).message,
    ).toMatch(/a fault or a restart, not both/);
    expect(
      codeAndMessage(() =>
        parseScenario({ ...minimal, phases, restart: { keepData: false }, freshness: { keys: 1, writesPerSecond: 5 } }),
      ).message,
    ).toMatch(/set freshness.writesPerSecond to 0/);
    expect(codeAndMessage(() => parseScenario({ ...minimal, freshness: { keys: 2 } })).message).toMatch(
      /freshness.keys must be at most keys.count \(1\)/,
    );
    expect(
      codeAndMessage(() => parseScenario({ ...minimal, phases, restart: { keepData: 'yes' }, freshness: {} })).message,
    ).toMatch(/restart.keepData must be true or false/);
  });
});
