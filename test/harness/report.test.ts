/** The published JSON Schema stays in step with the code, and the renderers work from raw results alone. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../harness/report/markdown-report.ts';
import { SCHEMA_FILE, schemaFileContent } from '../../harness/report/write-json-schema.ts';
import { renderTerminalTable } from '../../harness/report/terminal-table.ts';
import type { Report } from '../../harness/report/report-schema.ts';
import { buildRow } from '../../harness/bench-run.ts';
import { createLatencyHistogram, recordMs } from '../../harness/load/latency-histogram.ts';
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
    scenario, client: 'pooled', kind: 'client', description: 'd', connections: 1,
    load: { histogram: h, responses: 1, byStatus: { '200': 1 }, connectionErrors: 0, timeouts: 0, durationMs: 1000, loadGenerator: { elu: 0.1, cpuPercent: 10, saturated: false }, aborted: false, phases: [] },
    service: undefined, direct: undefined, before: undefined, after: undefined, flags: [],
  });
  const report: Report = {
    schemaVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', finishedAt: null, status: 'interrupted', command: 'consul-kv-bench run light',
    environment: { node: 'v26.0.0', platform: 'linux', osRelease: 'r', arch: 'x64', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 1024 ** 3,
      consul: { version: '1.22.7', backend: 'local', provenance: 'cache:/x', httpMaxConnsPerClient: 200 }, tools: { autocannon: '9.0.0' } },
    scenarios: [{ name: 'light', description: 'desc', settings: scenario as unknown as Record<string, unknown>, loadModel: 'closed', results: [row] }],
    failures: [{ scenario: 'light', client: 'naive-fetch', code: 'SERVICE_FAILED', message: 'boom' }],
  };
  it('markdown states machine, versions, command, status, rows and failures', () => {
    const md = renderMarkdown(report);
    for (const s of ['2 CPUs', 'v26.0.0', '1.22.7 (local: cache:/x; http_max_conns_per_client = 200)', '`consul-kv-bench run light`', 'status: interrupted', '**pooled**', '1.50', 'naive-fetch: SERVICE_FAILED: boom', 'coordinated omission']) {
      expect(md).toContain(s);
    }
  });
  it('terminal table lists each row', () => {
    expect(renderTerminalTable(report.scenarios[0]!)).toMatch(/pooled.*1\.50/);
  });
});
