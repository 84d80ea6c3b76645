/** The published JSON Schema stays in step with the code, and the renderers work from raw results alone. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../harness/load/latency-histogram.ts';
import { SPECTRUM_PERCENTILES, scenarioCharts, spectrumUs } from '../../harness/report/charts.ts';
import { escapeHtml, renderHtml, scopeSvgIds } from '../../harness/report/html-report.ts';
import { renderMarkdown, rowFlags } from '../../harness/report/markdown-report.ts';
import type { Report } from '../../harness/report/report-schema.ts';
import { renderTerminalTable } from '../../harness/report/terminal-table.ts';
import { SCHEMA_FILE, schemaFileContent } from '../../harness/report/write-json-schema.ts';
import { buildRow } from '../../harness/results/build-row.ts';
import { loadScenario } from '../../harness/scenario/load-scenario.ts';

describe('report.schema.json', () => {
  it('is what npm run schema writes (run it after changing report-schema.ts)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(schemaFileContent());
  });
});

describe('renderers', () => {
  const scenario = loadScenario('light');
  const h = createLatencyHistogram();
  recordMs(h, 1.5);
  const row = buildRow({
    client: 'pooled',
    kind: 'client',
    description: 'd',
    connections: 1,
    load: {
      histogram: h,
      responses: 1,
      byStatus: { '200': 1 },
      connectionErrors: 0,
      timeouts: 0,
      durationMs: 1000,
      loadGenerator: { elu: 0.1, cpuPercent: 10, eventLoopDelayP99Ms: 1, saturated: false },
      aborted: false,
      phases: [],
    },
    service: undefined,
    direct: undefined,
    before: undefined,
    after: undefined,
    flags: [],
  });
  const report: Report = {
    schemaVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    status: 'interrupted',
    command: 'consul-kv-bench run light',
    environment: {
      node: 'v26.0.0',
      platform: 'linux',
      osRelease: 'r',
      arch: 'x64',
      cpuModel: 'cpu',
      cpuCount: 2,
      totalMemoryBytes: 1024 ** 3,
      consul: { version: '1.22.7', backend: 'local', provenance: 'cache:/x', httpMaxConnsPerClient: 200 },
      tools: { autocannon: '9.0.0' },
    },
    scenarios: [
      {
        name: 'light',
        description: 'desc',
        settings: scenario as unknown as Record<string, unknown>,
        loadModel: 'closed',
        results: [row],
      },
    ],
    failures: [{ scenario: 'light', client: 'naive-fetch', code: 'SERVICE_FAILED', message: 'boom' }],
  };
  it('markdown states machine, versions, command, status, rows and failures', () => {
    const md = renderMarkdown(report);
    for (const s of [
      '2 CPUs',
      'v26.0.0',
      '1.22.7 (local: cache:/x; http_max_conns_per_client = 200)',
      '`consul-kv-bench run light`',
      'status: interrupted',
      '**pooled**',
      '1.50',
      'naive-fetch: SERVICE_FAILED: boom',
      'coordinated omission',
    ]) {
      expect(md).toContain(s);
    }
  });
  it("a row whose service sampler held the event loop ≥ 100 ms is flagged sampler-stall, with the flag's legend", () => {
    const service = { elu: 0.5, cpuPercent: 50, gcCount: 1, samplerCostUs: { mean: 40_000, max: 2_132_800 } };
    const stalled = { ...row, client: 'watch-cached', service };
    const calm = { ...row, service: { ...service, samplerCostUs: { mean: 400, max: 900 } } };
    const s = { ...report.scenarios[0]!, results: [calm, stalled] };
    expect(rowFlags(stalled)).toEqual(['sampler-stall']);
    expect(rowFlags(calm)).toEqual([]);
    const md = renderMarkdown({ ...report, scenarios: [s] });
    expect(md).toMatch(/\| \*\*watch-cached\*\* .*\| sampler-stall +\|/);
    expect(md).toContain("- `sampler-stall`: the service's own timeline sampler");
    expect(renderTerminalTable(s)).toMatch(/watch-cached.*sampler-stall/);
  });
  it('a sampler that held the loop ≥ 2% of the window is flagged sampler-stall; one that cost ≥ 5% of the service, sampler-cost', () => {
    const service = { elu: 0.5, cpuPercent: 50, gcCount: 1, samplerCostUs: { mean: 400, max: 900 } };
    const held = { ...row, service: { ...service, samplerLoopShare: 0.03, samplerCpuShare: 0.01 } };
    const dear = { ...row, service: { ...service, samplerLoopShare: 0.001, samplerCpuShare: 0.08 } };
    const calm = { ...row, service: { ...service, samplerLoopShare: 0.001, samplerCpuShare: 0.01 } };
    expect(rowFlags(held)).toEqual(['sampler-stall']);
    expect(rowFlags(dear)).toEqual(['sampler-cost']);
    expect(rowFlags(calm)).toEqual([]);
    const md = renderMarkdown({ ...report, scenarios: [{ ...report.scenarios[0]!, results: [dear] }] });
    expect(md).toContain("- `sampler-cost`: the service's own timeline sampler used ≥ 5%");
  });
  it('terminal table lists each row', () => {
    expect(renderTerminalTable(report.scenarios[0]!)).toMatch(/pooled.*1\.50/);
  });

  it('html is one self-contained page: the markdown sections, a chart per measure with its values as a table, no script, nothing fetched', () => {
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/)/);
    for (const s of [
      '2 CPUs',
      'v26.0.0',
      'status: interrupted',
      'naive-fetch: SERVICE_FAILED: boom',
      'coordinated omission',
    ])
      expect(html).toContain(s);
    expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'latency-spectrum',
      'rps',
      'p99',
      'consul-connections',
    ]);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html.match(/<summary>Values as a table<\/summary>/g)).toHaveLength(4);
  });
  it('html escapes names: a client named like markup is text in tables, legends and axis labels', () => {
    const evil = '<img src=x onerror=alert(1)>&"\'';
    const html = renderHtml({
      ...report,
      scenarios: [{ ...report.scenarios[0]!, results: [{ ...row, client: evil }] }],
    });
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml('<img src=x onerror=alert(1)>'));
    expect(escapeHtml(evil)).toBe('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
  });
  it('the spectrum reads percentiles off the HDR histogram (µs), and its table shows exactly those values', () => {
    const h2 = createLatencyHistogram();
    for (let i = 1; i <= 10_000; i++) recordMs(h2, i / 100); // 10 µs … 100 ms, uniform
    const us = spectrumUs(encodeHistogram(h2))!;
    expect(us).toHaveLength(SPECTRUM_PERCENTILES.length);
    expect(us[0]).toBeGreaterThan(49_900); // p50 ≈ 50 ms (3 significant digits)
    expect(us[0]).toBeLessThan(50_100);
    expect(us[4]).toBeGreaterThan(98_900); // p99 ≈ 99 ms
    expect(spectrumUs(encodeHistogram(createLatencyHistogram()))).toBeNull();
    const chart = scenarioCharts(report.scenarios[0]!).find((c) => c.id === 'latency-spectrum')!;
    expect(chart.table.rows).toEqual([['pooled', ...SPECTRUM_PERCENTILES.map(() => '1.50')]]);
  });
  it('svg ids are scoped to their figure and numbered in order, so pages render identically in any process', () => {
    const svg =
      '<g clip-path="url(#zr7-c3)"><clipPath id="zr7-c3"/><path class="zr7-cls-12"/><path class="zr7-cls-12"/></g>';
    expect(scopeSvgIds(svg, 'f')).toBe(
      '<g clip-path="url(#f-0)"><clipPath id="f-0"/><path class="f-1"/><path class="f-1"/></g>',
    );
  });
});
