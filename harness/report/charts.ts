/**
 * The charts of `report.html`, rendered from raw results to static SVG (see `chart-kit.ts`): the SVG carries no
 * script and loads nothing, so the page opens offline. Every chart comes with a table of exactly the values it
 * plots. Measures nothing.
 *
 * @module
 */
import { loadModelOf } from '../load/models/index.ts';
import { barChart, type Chart, spectrumChart } from './chart-kit.ts';
import { int, msFromUs, ratio } from './format.ts';
import type { ResultRow, ScenarioResult } from './report-schema.ts';
import { timelineCharts } from './timeline-charts.ts';

export { type Chart, type ChartTable, SPECTRUM_PERCENTILES, spectrumUs } from './chart-kit.ts';

const clientRows = (s: ScenarioResult): ResultRow[] => s.results.filter((r) => r.kind === 'client');
const baselineRows = (s: ScenarioResult): ResultRow[] => s.results.filter((r) => r.kind === 'baseline');

/**
 * Every chart of one scenario, in reading order: latency spectrum, RPS, p99, Consul connections, Consul
 * requests per request, CPU per request, then (when the scenario has them) freshness, restart recovery and timelines.
 * Charts without data (e.g. no timeline outside fault scenarios) are left out.
 */
export function scenarioCharts(scenario: ScenarioResult): Chart[] {
  const clients = clientRows(scenario);
  const baselines = baselineRows(scenario);
  const names = clients.map((r) => r.client);
  const charts: (Chart | null)[] = [];
  const baselineValues = (f: (r: ResultRow) => number | null) =>
    baselines.map((b) => ({ name: b.client, value: f(b) }));

  charts.push(
    spectrumChart(
      'latency-spectrum',
      'Latency percentile spectrum',
      `${loadModelOf(scenario.loadModel).latencyOf} at p50 … p99.99 from each row's HDR histogram, both axes log. Lower is better; a line that bends up late has a long tail.`,
      scenario.results.filter((r) => r.ok > 0).map((r) => ({ name: r.client, encoded: r.histogram })),
    ),
    barChart({
      id: 'rps',
      title: 'Throughput (RPS)',
      caption:
        '2xx answers per second of the measured window. Grey bars and dashed lines: the baselines (no-consul answers from a constant; consul-direct is the load generator reading Consul itself).',
      axisName: 'RPS',
      log: false,
      categories: names,
      series: [{ name: 'RPS', values: clients.map((r) => r.rps), baselines: baselineValues((r) => r.rps) }],
      format: (v) => int(v),
    }),
    barChart({
      id: 'p99',
      title: 'p99 latency',
      caption: `${loadModelOf(scenario.loadModel).p99Of}, ms, log scale. Grey bars and dashed lines: the baselines.`,
      axisName: 'p99 ms (log)',
      log: true,
      categories: names,
      series: [
        {
          name: 'p99 ms',
          values: clients.map((r) => (r.ok > 0 ? r.latencyUs.p99 / 1000 : null)),
          baselines: baselineValues((r) => (r.ok > 0 ? r.latencyUs.p99 / 1000 : null)),
        },
      ],
      format: (v) => msFromUs(v * 1000), // as in the tables
    }),
    barChart({
      id: 'consul-connections',
      title: 'TCP connections to Consul',
      caption:
        'Connections opened in the measured window and the most open at once, log scale (a row with 0 has no bar; see the table). Reusing connections keeps "opened" near the pool size.',
      axisName: 'connections (log)',
      log: true,
      categories: names,
      series: [
        {
          name: 'opened',
          values: clients.map((r) => r.consulConnectionsOpened),
          baselines: baselineValues((r) => (r.client === 'no-consul' ? null : r.consulConnectionsOpened)),
        },
        { name: 'peak open', values: clients.map((r) => r.consulConnectionsPeak), baselines: [] },
      ],
      format: (v) => int(v),
    }),
    barChart({
      id: 'consul-requests-per-request',
      title: 'Consul requests per service request',
      caption: 'KV GETs Consul itself counted per answered request: 1 for a read-through client, near 0 for a cache.',
      axisName: 'Consul req/req',
      log: false,
      categories: names,
      series: [{ name: 'Consul req/req', values: clients.map((r) => r.consulRequestsPerRequest), baselines: [] }],
      format: ratio,
    }),
    barChart({
      id: 'cpu-per-request',
      title: 'CPU time per answered request',
      caption:
        "CPU time of the service process and of the Consul agent per answered request, µs, log scale: the cost of a read, whatever set the pace (the load generator's CPU is not in it). Consul's only when the harness runs it as a local process. Grey bars: the baselines.",
      axisName: 'CPU µs/req (log)',
      log: true,
      categories: names,
      series: [
        {
          name: 'service',
          values: clients.map((r) => r.service?.cpuUsPerRequest ?? null),
          baselines: baselineValues((r) => r.service?.cpuUsPerRequest ?? null),
        },
        { name: 'Consul', values: clients.map((r) => r.consul?.cpuUsPerRequest ?? null), baselines: [] },
      ],
      format: (v) => int(v),
    }),
  );

  const fresh = scenario.results.filter((r) => r.staleness !== undefined);
  if (fresh.length) {
    charts.push(
      spectrumChart(
        'propagation-spectrum',
        'Propagation delay: write acknowledged → first service answer with it',
        "Distribution of each row's propagation delays (HDR histogram), percentiles on a log axis, ms on a log axis.",
        fresh.map((r) => ({ name: r.client, encoded: r.staleness!.propagationHistogram })),
      ),
      barChart({
        id: 'stale-share',
        title: 'Stale reads',
        caption:
          'Share of probe reads older than the newest write Consul had acknowledged before the read was sent, %.',
        axisName: 'stale reads %',
        log: false,
        categories: fresh.map((r) => r.client),
        series: [{ name: 'stale %', values: fresh.map((r) => r.staleness!.staleShare * 100), baselines: [] }],
        format: (v) => (v === 0 ? '0' : v < 0.01 ? '<0.01' : v.toFixed(2)),
      }),
    );
  }

  const restarted = scenario.results.filter((r) => r.recovery !== undefined);
  if (restarted.length) {
    charts.push(
      barChart({
        id: 'recovery',
        title: 'Consul restart: error window and time to fresh',
        caption:
          'Seconds. Error window: first to last failed probe read (no bar: never failed). Fresh after: from the post-restart write to the first answer with the new value (no bar: never recovered).',
        axisName: 's',
        log: false,
        categories: restarted.map((r) => r.client),
        series: [
          {
            name: 'error window s',
            values: restarted.map((r) =>
              r.recovery!.errorWindowMs === null ? null : r.recovery!.errorWindowMs / 1000,
            ),
            baselines: [],
          },
          {
            name: 'fresh after s',
            values: restarted.map((r) => (r.recovery!.recoveryMs === null ? null : r.recovery!.recoveryMs / 1000)),
            baselines: [],
          },
        ],
        format: (v) => v.toFixed(2),
      }),
    );
  }

  charts.push(...timelineCharts(scenario));
  return charts.filter((c): c is Chart => c !== null);
}
