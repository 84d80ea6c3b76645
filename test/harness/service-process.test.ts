/**
 * Starting the config service: a client module that cannot load fails the row with the module's own error; the
 * sampler reads socket states only when asked (rows that keep a timeline) and reports what sampling cost.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { BenchError } from '../../harness/errors.ts';
import { startConfigService } from '../../harness/service/service-process.ts';
import { ROOT } from '../helpers.ts';

describe('startConfigService', () => {
  it('a --client module whose import fails: SERVICE_FAILED naming the package it could not resolve', async () => {
    const err = await startConfigService({
      client: 'missing-package',
      clientModule: path.join(ROOT, 'test/fixtures/broken/missing-package.ts'),
      clientOptions: { consulUrl: inject('consulUrl'), prefix: 'consul-kv-bench/broken/' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('SERVICE_FAILED');
    expect((err as BenchError).message).toMatch(/Cannot find package 'no-such-consul-client-package'/);
    expect((err as BenchError).message).not.toMatch(/getOneMessage/);
  });

  it.each([false, true])(
    'sampleSockets %s: socket states only when asked, and the sampler reports its cost',
    async (sampleSockets) => {
      const service = await startConfigService({
        client: 'no-consul',
        clientOptions: { consulUrl: inject('consulUrl'), prefix: 'consul-kv-bench/sampler/' },
        sampleSockets,
      });
      try {
        await service.stats(); // a new window
        await sleep(800);
        const stats = await service.stats();
        expect(stats.timeline.length).toBeGreaterThanOrEqual(2);
        expect(stats.timeline.every((s) => (s.sockets !== undefined) === sampleSockets)).toBe(true);
        expect(stats.samplerCost.samples).toBe(stats.timeline.length);
        expect(stats.samplerCost.meanUs).toBeGreaterThan(0);
        // max: the longest a tick held the loop (the socket reads run in a worker thread, counted in the mean only)
        expect(stats.samplerCost.maxUs).toBeGreaterThan(0);
        if (!sampleSockets) expect(stats.samplerCost.maxUs).toBeGreaterThanOrEqual(stats.samplerCost.meanUs);
      } finally {
        await service.stop();
      }
    },
  );
});
