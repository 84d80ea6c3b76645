/**
 * Renders the end-of-run table for the terminal from raw results; measures nothing.
 *
 * @module
 */
import Table from 'cli-table3';
import { type LoadSettings, loadModelOf } from '../load/models/index.ts';
import { bytes, int, latencyCell, msFromUs, ratio, usPerRequest } from './format.ts';
import { rowFlags } from './markdown-report.ts';
import type { ScenarioResult } from './report-schema.ts';

/** A compact table of one scenario's rows. */
export function renderTerminalTable(scenario: ScenarioResult): string {
  const model = loadModelOf(scenario.loadModel);
  const load = scenario.settings.load as LoadSettings;
  const table = new Table({
    head: [
      'row',
      'RPS',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      ...model.terminalColumns.map((c) => c.header),
      'errors',
      'CPU µs/req svc/Consul',
      'alloc/req',
      'conns',
      'Consul req/req',
      'flags',
    ],
    style: { head: [], border: [] },
  });
  for (const r of scenario.results) {
    table.push([
      r.client,
      int(r.rps),
      latencyCell(r.latencyUs, r.open?.censored, 'p50'),
      latencyCell(r.latencyUs, r.open?.censored, 'p99'),
      latencyCell(r.latencyUs, r.open?.censored, 'p999'),
      latencyCell(r.latencyUs, r.open?.censored, 'max'),
      ...model.terminalColumns.map((c) => c.cell(r)),
      int(r.errors.total),
      `${usPerRequest(r.service?.cpuUsPerRequest)}/${usPerRequest(r.consul?.cpuUsPerRequest)}`,
      bytes(r.allocatedBytesPerRequest ?? r.heapBytesPerRequest),
      `${int(r.consulConnectionsOpened)}/${int(r.consulConnectionsPeak)}`,
      ratio(r.consulRequestsPerRequest),
      rowFlags(r).join(' '),
    ]);
  }
  const title = load ? model.terminalTitle(load) : '';
  const parts = [`${scenario.name}: ${scenario.description}${title}`, table.toString()];
  const stale = scenario.results.filter((r) => r.staleness);
  if (stale.length) {
    const t = new Table({
      head: ['row', 'propagation p50 ms', 'p99 ms', 'max ms', 'stale reads', 'Consul req/s'],
      style: { head: [], border: [] },
    });
    for (const r of stale) {
      const s = r.staleness!;
      t.push([
        r.client,
        msFromUs(s.propagationUs.p50),
        msFromUs(s.propagationUs.p99),
        msFromUs(s.propagationUs.max),
        `${(s.staleShare * 100).toFixed(2)}%`,
        s.consulRequestsPerSecond === null ? '–' : s.consulRequestsPerSecond.toFixed(1),
      ]);
    }
    parts.push(t.toString());
  }
  const rec = scenario.results.filter((r) => r.recovery);
  if (rec.length) {
    const sec = (ms: number | null): string => (ms === null ? '–' : (ms / 1000).toFixed(2));
    const t = new Table({
      head: ['row', 'Consul away s', 'error window s', 'stale while down', 'fresh after s', 'recovered', 'answering'],
      style: { head: [], border: [] },
    });
    for (const r of rec) {
      const v = r.recovery!;
      t.push([
        r.client,
        sec(v.consulDownMs),
        sec(v.errorWindowMs),
        int(v.staleWhileDown),
        sec(v.recoveryMs),
        v.recovered ? 'yes' : 'NO',
        v.serviceAnswering ? 'yes' : 'NO',
      ]);
    }
    parts.push(t.toString());
  }
  return parts.join('\n');
}
