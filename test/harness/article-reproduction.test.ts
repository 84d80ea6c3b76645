/** The articles reproduced on one machine: pairs, factors and error notes, from reports built in code. */
import { describe, expect, it } from 'vitest';
import { reproductionRows } from '../../harness/report/article-reproduction.ts';
import type { ResultRow } from '../../harness/report/report-schema.ts';
import { report, row, run } from '../report-fixtures.ts';

const at = (client: string, rps: number, errors: Partial<ResultRow['errors']> = {}): ResultRow => {
  const r = row(client, [run(10, { rps, requests: 1000 })]);
  const errs = { ...r.errors, ...errors };
  errs.total = errs.non2xx + errs.timeouts + errs.connection;
  return { ...r, errors: errs };
};

describe('reproductionRows', () => {
  const rows = reproductionRows(
    report('articles', [
      at('fresh-connection', 100, { non2xx: 500, consul429: 450, clientTimeout: 50 }),
      at('pooled', 400),
      at('watch-cached', 2000),
      at('go-nonpooled', 200, { timeouts: 5 }),
      at('go-default', 150, { non2xx: 300, connection: 10, unreachable: 290, clientTimeout: 10 }),
      at('go-tuned', 500),
      at('go-watch', 1000),
    ]),
  );
  const throughput = rows.find((r) => r.scenario === 'articles' && r.measure === 'throughput, pooled')!;

  it('puts the pair, its factor (recommended over replaced) and each side in its column', () => {
    expect(throughput.node).toMatch(/^fresh-connection 100 RPS .* → pooled 400 RPS \(4\.0×\)$/);
    expect(throughput.go).toMatch(/→ go-default 150 RPS .* \(0\.8×\); go-tuned 500 RPS$/);
  });

  it("names a failing row's share of errors and its commonest cause; under 1% says nothing", () => {
    expect(throughput.node).toContain('fresh-connection 100 RPS [50% errors, mostly consul429] →');
    expect(throughput.go).toContain('go-default 150 RPS [31% errors, mostly unreachable]'); // 310 of 1 010
    expect(throughput.go).toContain('go-nonpooled 200 RPS →'); // 5 of 1 005: 0.5%
  });

  it('says "not measured" for a scenario the report does not hold', () => {
    expect(rows.filter((r) => r.scenario === 'articles-tls').every((r) => r.go === 'not measured')).toBe(true);
  });
});
