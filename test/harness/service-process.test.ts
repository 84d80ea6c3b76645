/** Starting the config service: a client module that cannot load fails the row with the module's own error. */
import path from 'node:path';
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
});
