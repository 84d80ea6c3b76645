/**
 * The charts of `report.html`, rendered from raw results to static SVG in Node by Apache ECharts' server-side
 * renderer (`echarts.init(null, null, { renderer: 'svg', ssr: true })`, then `renderToSVGString()`; ECharts
 * handbook, "Server Side Rendering"). The SVG carries no script and loads nothing, so the page opens offline.
 *
 * Every chart comes with a table of exactly the values it plots ({@link Chart.table}): the plotted series and the
 * table are made from the same arrays. Measures nothing.
 *
 * @module
 */

import type { EChartsOption } from 'echarts';
import * as echarts from 'echarts';
import { decodeHistogram } from '../load/latency-histogram.ts';
import { int, msFromUs, ratio } from './format.ts';
import type { ResultRow, ScenarioResult, TimelineSample } from './report-schema.ts';

/** Values of a chart as a table: plain text cells (the HTML renderer escapes them). */
export interface ChartTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** One rendered chart. */
export interface Chart {
  /** Unique within a scenario, e.g. `latency-spectrum`. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences: what is plotted, units, scale. */
  readonly caption: string;
  /** A standalone `<svg>` element. */
  readonly svg: string;
  /** The values plotted. */
  readonly table: ChartTable;
}

/** Twelve distinguishable colours (ECharts' default palette has nine; the articles scenario has eleven rows). */
export const PALETTE = [
  '#5470c6',
  '#91cc75',
  '#fac858',
  '#ee6666',
  '#73c0de',
  '#3ba272',
  '#fc8452',
  '#9a60b4',
  '#ea7ccc',
  '#1b2a6b',
  '#8c564b',
  '#17becf',
];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif';
const WIDTH = 760;

/**
 * Renders an ECharts option to an SVG string (animation off, the {@link PALETTE}, a system font).
 * @param option an ECharts option object (ECharts 6 option reference)
 * @param height px; the width is 760 px (the SVG has a viewBox, so the page scales it)
 */
export function renderSvg(option: EChartsOption, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      backgroundColor: '#fff',
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Percentiles of the spectrum charts, from the median to p99.99. */
export const SPECTRUM_PERCENTILES = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99] as const;

/** x position of a percentile on the spectrum's log axis: 1 / (1 − p), HdrHistogram's plot convention (2 = p50, 10 000 = p99.99). */
const spectrumX = (p: number): number => 100 / (100 - p);
const percentileLabel = (x: number): string => `${Number((100 - 100 / x).toFixed(4))}%`;

/**
 * Values of an encoded HDR histogram (µs) at {@link SPECTRUM_PERCENTILES}; null when it recorded nothing.
 * @throws Error from hdr-histogram-js when the string is not a compressed HDR histogram
 */
export function spectrumUs(encoded: string): number[] | null {
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return null;
  return SPECTRUM_PERCENTILES.map((p) => h.getValueAtPercentile(p));
}

/** Legend on top, wrapping; room for it grows with the number of entries. */
function legendTop(n: number): { legend: EChartsOption['legend']; top: number } {
  const lines = Math.ceil(n / 5);
  return {
    legend: { top: 4, left: 'center', type: 'plain', itemGap: 14, textStyle: { fontSize: 12 } },
    top: 30 + lines * 22,
  };
}

interface SpectrumSeries {
  readonly name: string;
  readonly encoded: string;
}

/** A percentile spectrum (log x = percentile, log y = ms), one line per series, and its table in ms. */
function spectrumChart(id: string, title: string, caption: string, series: readonly SpectrumSeries[]): Chart | null {
  const lines = series
    .map((s) => ({ name: s.name, us: spectrumUs(s.encoded) }))
    .filter((s): s is { name: string; us: number[] } => s.us !== null);
  if (lines.length === 0) return null;
  const { legend, top } = legendTop(lines.length);
  const svg = renderSvg(
    {
      legend,
      grid: { left: 70, right: 30, top, bottom: 50 },
      xAxis: {
        type: 'log',
        logBase: 10,
        min: 2,
        max: 10_000,
        name: 'percentile',
        nameLocation: 'middle',
        nameGap: 30,
        axisLabel: { formatter: (v: number) => percentileLabel(v), showMinLabel: true },
        splitLine: { show: true },
      },
      yAxis: {
        type: 'log',
        name: 'ms (log)',
        nameTextStyle: { align: 'right' },
        axisLabel: { formatter: (v: number) => String(Number(v.toPrecision(3))) },
      },
      series: lines.map((l) => ({
        name: l.name,
        type: 'line',
        symbol: 'circle',
        symbolSize: 5,
        data: l.us.map((us, i) => [spectrumX(SPECTRUM_PERCENTILES[i]!), Math.max(us, 1) / 1000]),
      })),
    },
    top + 300,
  );
  return {
    id,
    title,
    caption,
    svg,
    table: {
      headers: ['row', ...SPECTRUM_PERCENTILES.map((p) => `p${p} ms`)],
      rows: lines.map((l) => [l.name, ...l.us.map(msFromUs)]),
    },
  };
}

/** One bar series over the client rows, with the baselines' values marked as dashed lines. */
interface BarSeries {
  readonly name: string;
  /** One per category; null: no value (no bar; "–" in the table). */
  readonly values: readonly (number | null)[];
  /** Baseline rows' values, drawn as labelled lines across the bars. */
  readonly baselines: readonly { readonly name: string; readonly value: number | null }[];
}

interface BarSpec {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly axisName: string;
  /** Log value axis (values ≤ 0 are left out of the chart, and shown in the table). */
  readonly log: boolean;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** Table cell of a value. */
  readonly format: (v: number) => string;
}

/** Grey of baseline bars and lines. */
const BASELINE_COLOR = '#8c959f';

/**
 * Horizontal bars, one category per row (first on top). Baselines come first as grey bars labelled
 * "(baseline)", and a dashed grey line at each baseline's value runs across the client bars. Its table lists
 * baselines too.
 */
function barChart(spec: BarSpec): Chart | null {
  if (spec.categories.length === 0 || spec.series.every((s) => s.values.every((v) => v === null))) return null;
  const plotted = (v: number | null | undefined): number | null =>
    v === null || v === undefined || (spec.log && v <= 0) ? null : v;
  const multi = spec.series.length > 1;
  const { legend, top } = legendTop(spec.series.length);
  const baselineNames = [
    ...new Set(spec.series.flatMap((s) => s.baselines.filter((b) => b.value !== null).map((b) => b.name))),
  ];
  const categories = [...baselineNames.map((b) => `${b} (baseline)`), ...spec.categories];
  const gridTop = multi ? top : 20;
  const svg = renderSvg(
    {
      ...(multi ? { legend } : {}),
      grid: { left: 170, right: 60, top: gridTop, bottom: 45 },
      yAxis: { type: 'category', inverse: true, data: categories, axisLabel: { width: 160, overflow: 'truncate' } },
      xAxis: {
        type: spec.log ? 'log' : 'value',
        name: spec.axisName,
        nameLocation: 'middle',
        nameGap: 28,
        axisLabel: { formatter: (v: number) => String(Number(v.toPrecision(3))) },
      },
      series: spec.series.map((s) => ({
        name: s.name,
        type: 'bar',
        barMaxWidth: 22,
        data: [
          ...baselineNames.map((b) => {
            const v = plotted(s.baselines.find((x) => x.name === b)?.value);
            return v === null ? '-' : { value: v, itemStyle: { color: BASELINE_COLOR } };
          }),
          ...s.values.map((v) => plotted(v) ?? '-'),
        ],
        label: {
          show: true,
          position: 'right',
          fontSize: 11,
          formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? spec.format(p.value) : ''),
        },
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { type: 'dashed', color: BASELINE_COLOR, width: 1.5 },
          label: { show: false },
          data: s.baselines.flatMap((b) => (plotted(b.value) === null ? [] : [{ name: b.name, xAxis: b.value! }])),
        },
      })),
    },
    gridTop + 45 + categories.length * (multi ? 34 : 26) + 10,
  );
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : spec.format(v));
  return {
    id: spec.id,
    title: spec.title,
    caption: spec.caption,
    svg,
    table: {
      headers: ['row', ...spec.series.map((s) => s.name)],
      rows: [
        ...baselineNames.map((b) => [
          `${b} (baseline)`,
          ...spec.series.map((s) => cell(s.baselines.find((x) => x.name === b)?.value)),
        ]),
        ...spec.categories.map((c, i) => [c, ...spec.series.map((s) => cell(s.values[i]))]),
      ],
    },
  };
}

/** Width of a timeline bin, ms: the service's sampling interval. */
export const TIMELINE_BIN_MS = 250;

/** A signal of the timeline charts. */
interface Signal {
  readonly id: string;
  readonly title: string;
  readonly read: (s: TimelineSample) => number;
  /** Only rows whose samples have this (e.g. socket states, Linux only). */
  readonly available: (s: TimelineSample) => boolean;
}

const SIGNALS: readonly Signal[] = [
  { id: 'in-flight', title: 'Requests in flight to Consul', read: (s) => s.inFlight, available: () => true },
  {
    id: 'sockets',
    title: 'Sockets ESTABLISHED to Consul',
    read: (s) => s.sockets?.ESTABLISHED ?? 0,
    available: (s) => s.sockets !== undefined,
  },
  {
    id: 'time-wait',
    title: 'Sockets in TIME_WAIT',
    read: (s) => s.sockets?.TIME_WAIT ?? 0,
    available: (s) => s.sockets !== undefined,
  },
  {
    id: 'handles',
    title: 'Active handles and requests (process.getActiveResourcesInfo())',
    read: (s) => Object.values(s.resources).reduce((a, b) => a + b, 0),
    available: () => true,
  },
];

/** A row's samples in {@link TIMELINE_BIN_MS} bins (the highest value of a bin), keyed by the bin's start in ms. */
function binned(timeline: readonly TimelineSample[], read: (s: TimelineSample) => number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of timeline) {
    const bin = Math.round(s.tMs / TIMELINE_BIN_MS) * TIMELINE_BIN_MS;
    out.set(bin, Math.max(out.get(bin) ?? 0, read(s)));
  }
  return out;
}

/** One timeline chart per signal, the fault phase shaded; tables list every bin, one column per row. */
function timelineCharts(scenario: ScenarioResult): Chart[] {
  const rows = scenario.results.filter((r) => (r.timeline?.length ?? 0) > 0);
  if (rows.length === 0) return [];
  const fault = rows.flatMap((r) => r.phases ?? []).find((p) => p.name === 'fault');
  const restart = (scenario.settings as { restart?: unknown }).restart !== undefined;
  const faultType = String((scenario.settings as { fault?: { type?: unknown } }).fault?.type ?? 'fault');
  const faultLabel = restart ? 'Consul down' : `fault: ${faultType}`;
  const charts: Chart[] = [];
  for (const signal of SIGNALS) {
    const lines = rows
      .filter((r) => r.timeline!.some(signal.available))
      .map((r) => ({ name: r.client, bins: binned(r.timeline!, signal.read) }));
    if (lines.length === 0) continue;
    const { legend, top } = legendTop(lines.length);
    const svg = renderSvg(
      {
        legend,
        grid: { left: 70, right: 30, top, bottom: 50 },
        xAxis: {
          type: 'value',
          name: 's since the measured window started',
          nameLocation: 'middle',
          nameGap: 30,
          min: 0,
        },
        yAxis: { type: 'value', name: 'count', minInterval: 1 },
        series: lines.map((l, i) => ({
          name: l.name,
          type: 'line',
          showSymbol: false,
          lineStyle: { width: 1.8 },
          data: [...l.bins].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t / 1000, v]),
          ...(i === 0 && fault
            ? {
                markArea: {
                  silent: true,
                  itemStyle: { color: 'rgba(238, 102, 102, 0.12)' },
                  label: { position: 'insideTop', color: '#a33', fontSize: 12 },
                  data: [
                    [
                      { name: faultLabel, xAxis: fault.startMs / 1000 },
                      { xAxis: (fault.startMs + fault.durationMs) / 1000 },
                    ],
                  ],
                },
              }
            : {}),
        })),
      },
      top + 300,
    );
    const times = [...new Set(lines.flatMap((l) => [...l.bins.keys()]))].sort((a, b) => a - b);
    const phaseAt = (t: number): string =>
      fault && t >= fault.startMs && t < fault.startMs + fault.durationMs ? faultLabel : '';
    charts.push({
      id: `timeline-${signal.id}`,
      title: signal.title,
      caption: `Sampled every ${TIMELINE_BIN_MS} ms in the service; ${fault ? `the shaded band is the ${faultLabel} phase (${(fault.startMs / 1000).toFixed(1)}–${((fault.startMs + fault.durationMs) / 1000).toFixed(1)} s). ` : ''}A leak climbs during the fault and stays up after it.`,
      svg,
      table: {
        headers: ['t s', 'phase', ...lines.map((l) => l.name)],
        rows: times.map((t) => [
          (t / 1000).toFixed(2),
          phaseAt(t),
          ...lines.map((l) => (l.bins.has(t) ? int(l.bins.get(t)!) : '–')),
        ]),
      },
    });
  }
  return charts;
}

const clientRows = (s: ScenarioResult): ResultRow[] => s.results.filter((r) => r.kind === 'client');
const baselineRows = (s: ScenarioResult): ResultRow[] => s.results.filter((r) => r.kind === 'baseline');

/**
 * Every chart of one scenario, in reading order: latency spectrum, RPS, p99, Consul connections, Consul
 * requests per request, then (when the scenario has them) freshness, restart recovery and timelines.
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
      "Latency of 2xx answers at p50 … p99.99 from each row's HDR histogram, both axes log. Lower is better; a line that bends up late has a long tail.",
      scenario.results.filter((r) => r.ok > 0).map((r) => ({ name: r.client, encoded: r.histogram })),
    ),
    barChart({
      id: 'rps',
      title: 'Throughput (RPS)',
      caption:
        '2xx answers per second of the measured window. Grey bars and dashed lines: the baselines (no-consul answers from a constant; consul-direct is autocannon reading Consul itself).',
      axisName: 'RPS',
      log: false,
      categories: names,
      series: [{ name: 'RPS', values: clients.map((r) => r.rps), baselines: baselineValues((r) => r.rps) }],
      format: (v) => int(v),
    }),
    barChart({
      id: 'p99',
      title: 'p99 latency',
      caption: 'p99 of 2xx answers, ms, log scale. Grey bars and dashed lines: the baselines.',
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
