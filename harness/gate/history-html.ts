/**
 * The trend page of `gate --history` (`--trend <file.html>`): for each (scenario, row, metric) a budget names, a
 * line of the history's values run by run with the rolling median, and the head as the last point, each chart with
 * a table of exactly what it plots. Static SVG (ECharts' server-side renderer, as report.html), no script, nothing
 * fetched.
 *
 * @module
 */
import { METRICS } from '../compare/compare-reports.ts';
import { renderSvg } from '../report/chart-kit.ts';
import { escapeHtml, scopeSvgIds } from '../report/html-report.ts';
import type { HistoryEntry, HistoryResult } from './history.ts';

const fmt = (v: number | null): string =>
  v === null ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);

/**
 * Renders the page.
 * @param history the whole history (the charts show its last `window` entries).
 * @param results what {@link judgeHistory} said of the head, one chart each.
 */
export function renderTrendHtml(
  history: readonly HistoryEntry[],
  results: readonly HistoryResult[],
  options: { window?: number; title?: string } = {},
): string {
  const window = options.window ?? 10;
  const past = history.slice(-window);
  const sections = results.map((r, i) => {
    const values = past.map(
      (e) => e.rows.find((x) => x.scenario === r.scenario && x.row === r.row)?.metrics[r.metric] ?? null,
    );
    const labels = [
      ...past.map((e) => `${e.createdAt.slice(0, 16).replace('T', ' ')}${e.commit ? ` ${e.commit.slice(0, 7)}` : ''}`),
      'head',
    ];
    const unit = METRICS[r.metric]?.unit ?? '';
    const svg = renderSvg(
      {
        grid: { left: 70, right: 20, top: 40, bottom: 70 },
        legend: { top: 5 },
        xAxis: { type: 'category', data: labels, axisLabel: { rotate: 30, fontSize: 10 } },
        yAxis: { type: 'value', name: unit, scale: true },
        series: [
          { name: 'history', type: 'line', data: [...values, null], symbolSize: 6 },
          {
            name: 'head',
            type: 'scatter',
            data: [...values.map(() => null), r.head],
            symbolSize: 12,
            itemStyle: { color: r.verdict === 'regression' ? '#ee6666' : '#3ba272' },
          },
          ...(r.median !== null
            ? [
                {
                  name: 'rolling median',
                  type: 'line' as const,
                  data: labels.map(() => r.median),
                  symbol: 'none',
                  lineStyle: { type: 'dashed' as const },
                },
              ]
            : []),
        ],
      },
      300,
    );
    const rows = labels
      .map(
        (l, j) => `<tr><td>${escapeHtml(l)}</td><td>${fmt(j < values.length ? (values[j] ?? null) : r.head)}</td></tr>`,
      )
      .join('');
    return `<section><h2>${escapeHtml(`${r.scenario} · ${r.row} · ${r.metric}`)}</h2>
<p>${escapeHtml(`${r.verdict}: head ${fmt(r.head)} ${unit}; ${r.note}${r.median !== null ? ` (rolling median ${fmt(r.median)}, range ${fmt(r.min)}–${fmt(r.max)})` : ''}`)}</p>
<figure data-chart="trend-${i}">${scopeSvgIds(svg, `t${i}`)}</figure>
<table><thead><tr><th>run</th><th>${escapeHtml(`${r.metric} (${unit})`)}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  });
  const title = options.title ?? 'consul-kv-bench: the head against history';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}svg{max-width:100%;height:auto}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`The last ${past.length} runs recorded on the default branch (gate --record), each point a run's median, and this run's head. A head is a regression against history when it is worse than the rolling median by more than minEffect and outside the range of the window.`)}</p>
${sections.join('\n') || '<p>No budget names a row and metric with values in this run.</p>'}
</body></html>
`;
}
