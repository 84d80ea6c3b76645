/**
 * The figure registry: a figure declared once (one `defineFigure` and one registry line) is found in the run
 * summary's schema and JSON Schema, in a run's summary, in merged runs, in `compare` and in budgets (parsed and
 * judged), with nothing else written for it. The default registry keeps every metric budgets used before it.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareReports } from '../../harness/compare/compare-reports.ts';
import { defineFigure, defineRunField, FIGURES } from '../../harness/figures/index.ts';
import { parseBudgets } from '../../harness/gate/budgets.ts';
import { evaluateBudgets } from '../../harness/gate/gate.ts';
import type { ResultRow } from '../../harness/report/report-schema.ts';
import { mergeRun, runSummary } from '../../harness/results/merge.ts';
import { report, row, run } from '../report-fixtures.ts';

/** A figure no file of the harness knows: GCs of the service per 1 000 answered requests. */
const GC_PER_KREQ = defineFigure({
  name: 'gcPerKiloRequest',
  description: 'service GCs per 1 000 answered requests',
  unit: 'GC/kreq',
  better: 'lower',
  gate: 'median',
  compared: true,
  field: defineRunField({
    key: 'gcPerKiloRequest',
    schema: z.number().min(0).describe('service GCs per 1 000 answered requests'),
    of: (r) => (r.service ? (r.service.gcCount * 1000) / Math.max(1, r.ok) : undefined),
    merge: 'none',
  }),
  value: (v) => v,
});

/** The registry with that one line added. */
const figures = FIGURES.with(GC_PER_KREQ);

/** A measured row whose service ran `gc` GCs over 1 000 answers. */
function measured(gc: number): ResultRow {
  const r = row('pooled', [run(10)]);
  return { ...r, service: { elu: 0.1, cpuPercent: 10, gcCount: gc } };
}

/** A row of six runs with these GC counts (as `run --repeat 6` would merge them). */
function repeated(gcs: readonly number[]): ResultRow {
  return gcs.map(measured).reduce((a, b) => mergeRun(a, b, figures));
}

describe('a figure declared once', () => {
  it('is in the run summary schema, its JSON Schema and a run summary', () => {
    const schema = figures.runSummarySchema();
    expect(Object.keys(schema.shape)).toContain('gcPerKiloRequest');
    const json = JSON.stringify(z.toJSONSchema(schema));
    expect(json).toContain('service GCs per 1 000 answered requests');
    const summary = runSummary(measured(3), figures);
    expect(summary).toMatchObject({ gcPerKiloRequest: 3 });
    expect(schema.parse(summary)).toMatchObject({ gcPerKiloRequest: 3 });
    // The default registry does not know it.
    expect(Object.keys(FIGURES.runSummarySchema().shape)).not.toContain('gcPerKiloRequest');
  });

  it('is kept run by run when runs of a row merge', () => {
    const merged = repeated([1, 2, 3]);
    expect(merged.runs?.map((r) => (r as unknown as Record<string, unknown>).gcPerKiloRequest)).toEqual([1, 2, 3]);
  });

  it('is compared, with a significance test over the runs', () => {
    const base = report('light', [repeated([1, 1, 2, 1, 2, 1])]);
    const head = report('light', [repeated([9, 8, 9, 10, 9, 8])]);
    const lines = compareReports(base, head, 0.05, figures).filter((c) => c.metric === 'gcPerKiloRequest');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ unit: 'GC/kreq', significant: true, better: false });
    expect(compareReports(base, head).some((c) => c.metric === 'gcPerKiloRequest')).toBe(false);
  });

  it('can be budgeted and judged, and is unknown to a registry without it', () => {
    const text = 'scenarios:\n  light:\n    rows:\n      pooled: ["gcPerKiloRequest < 5"]\n';
    const budgets = parseBudgets(text, 'b.yml', [], figures);
    expect(budgets.budgets[0]).toMatchObject({ kind: 'absolute', metric: 'gcPerKiloRequest', runs: 'median' });
    const [low] = evaluateBudgets(budgets, report('light', [repeated([1, 2, 1])]));
    const [high] = evaluateBudgets(budgets, report('light', [repeated([9, 8, 9])]));
    expect(low?.pass).toBe(true);
    expect(high?.pass).toBe(false);
    expect(() => parseBudgets(text, 'b.yml')).toThrow(/unknown metric "gcPerKiloRequest"/);
  });
});

describe('the default registry', () => {
  it('keeps the metrics budgets name, with their units and directions', () => {
    const m = FIGURES.metrics();
    for (const name of ['rps', 'p50', 'p90', 'p99', 'p99.9', 'max', 'errors', 'errorRate'])
      expect(Object.keys(m)).toContain(name);
    expect(m.rps).toMatchObject({ better: 'higher', unit: 'req/s', judged: 'median' });
    expect(m.errors).toMatchObject({ better: 'lower', judged: 'all' });
    expect(m.p99?.value(run(42))).toBe(42);
    expect(FIGURES.compared()).toEqual(expect.arrayContaining(['rps', 'p50', 'p99', 'errors']));
  });

  it('refuses two figures of one name and two fields of one key', () => {
    expect(() => FIGURES.with(GC_PER_KREQ, GC_PER_KREQ)).toThrow(/two figures are named gcPerKiloRequest/);
    const clash = defineFigure({ ...GC_PER_KREQ, name: 'other', field: { ...GC_PER_KREQ.field } });
    expect(() => figures.with(clash)).toThrow(/two different run fields have the key gcPerKiloRequest/);
  });

  it('merges each row field by its rule: sums, peaks, per-request figures weighted by requests', () => {
    const a = {
      ...row('pooled', [run(10)]),
      requests: 100,
      heapBytesPerRequest: 10,
      peakRssBytes: 5,
      consulRequests: 100,
    };
    const b = {
      ...row('pooled', [run(10)]),
      requests: 300,
      heapBytesPerRequest: 30,
      peakRssBytes: 9,
      consulRequests: 60,
    };
    const m = mergeRun(a, b);
    expect(m.heapBytesPerRequest).toBe(25);
    expect(m.peakRssBytes).toBe(9);
    expect(m.consulRequests).toBe(160);
    expect(m.consulRequestsPerRequest).toBeCloseTo(160 / 400);
    expect(m.rps).toBeCloseTo(m.ok / (m.durationMs / 1000));
  });
});
