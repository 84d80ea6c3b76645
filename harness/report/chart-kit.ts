/**
 * The building blocks of `report.html`'s charts: static SVG rendered in Node by Apache ECharts' server-side
 * renderer (`echarts.init(null, null, { renderer: 'svg', ssr: true })`, then `renderToSVGString()`; ECharts
 * handbook, "Server Side Rendering"), the palette, and the two chart shapes most charts use (a percentile spectrum
 * and bars with baselines). Every chart comes with a table of exactly the values it plots ({@link Chart.table}).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type { EChartsOption } from 'echarts';
import { decodeHistogram } from '../load/latency-histogram.ts';
import { msFromUs } from './format.ts';

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
/**
 * ECharts, loaded on the first chart: its CommonJS bundle (`dist/echarts.js`, one file, 0.26 s to load and render a
 * chart here) rather than its ES modules (about 600 files, 0.93 s), and not at all by a command that draws nothing.
 */
let engine: typeof import('echarts') | undefined;
const echartsEngine = (): typeof import('echarts') =>
  (engine ??= createRequire(import.meta.url)('echarts') as typeof import('echarts'));

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif';
const WIDTH = 760;

/**
 * Renders an ECharts option to an SVG string (animation off, the {@link PALETTE}, a system font).
 * @param option an ECharts option object (ECharts 6 option reference)
 * @param height px; the width is 760 px (the SVG has a viewBox, so the page scales it)
 */
export function renderSvg(option: EChartsOption, height: number): string {
  const chart = echartsEngine().init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
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
export function legendTop(n: number): { legend: EChartsOption['legend']; top: number } {
  const lines = Math.ceil(n / 5);
  return {
    legend: { top: 4, left: 'center', type: 'plain', itemGap: 14, textStyle: { fontSize: 12 } },
    top: 30 + lines * 22,
  };
}

export interface SpectrumSeries {
  readonly name: string;
  readonly encoded: string;
}

/** A percentile spectrum (log x = percentile, log y = ms), one line per series, and its table in ms. */
export function spectrumChart(
  id: string,
  title: string,
  caption: string,
  series: readonly SpectrumSeries[],
): Chart | null {
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
export interface BarSeries {
  readonly name: string;
  /** One per category; null: no value (no bar; "–" in the table). */
  readonly values: readonly (number | null)[];
  /** Baseline rows' values, drawn as labelled lines across the bars. */
  readonly baselines: readonly { readonly name: string; readonly value: number | null }[];
}

export interface BarSpec {
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
export function barChart(spec: BarSpec): Chart | null {
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
