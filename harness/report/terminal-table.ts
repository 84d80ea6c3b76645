/**
 * Renders the end-of-run table for the terminal from raw results; measures nothing.
 *
 * @module
 */
import Table from 'cli-table3';
import { bytes, int, msFromUs, ratio } from './format.ts';
import type { ScenarioResult } from './report-schema.ts';

/** A compact table of one scenario's rows. */
export function renderTerminalTable(scenario: ScenarioResult): string {
  const table = new Table({
    head: ['row', 'RPS', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'heap/req', 'conns', 'Consul req/req', 'flags'],
    style: { head: [], border: [] },
  });
  for (const r of scenario.results) {
    table.push([
      r.client,
      int(r.rps),
      msFromUs(r.latencyUs.p50),
      msFromUs(r.latencyUs.p99),
      msFromUs(r.latencyUs.p999),
      msFromUs(r.latencyUs.max),
      int(r.errors.total),
      bytes(r.heapBytesPerRequest),
      `${int(r.consulConnectionsOpened)}/${int(r.consulConnectionsPeak)}`,
      ratio(r.consulRequestsPerRequest),
      r.flags.join(' '),
    ]);
  }
  return `${scenario.name}: ${scenario.description}\n${table.toString()}`;
}
