/**
 * Renders `report.html` from raw results (a {@link Report}): the same sections as `report.md` (converted by
 * marked, with any raw HTML in them escaped, not passed through) plus SVG charts ({@link scenarioCharts}), each
 * with its values as a table. One self-contained file: inline CSS, inline SVG, no script, nothing fetched, so it
 * opens offline and can be attached to a pull request or a design review. Measures nothing.
 *
 * @module
 */
import { Marked } from 'marked';
import type { Chart } from './charts.ts';
import { scenarioCharts } from './charts.ts';
import type { MarkdownOptions } from './markdown-report.ts';
import { describeRun, failuresMarkdown, HOW_TO_READ, scenarioMarkdown } from './markdown-report.ts';
import type { Report, ScenarioResult } from './report-schema.ts';

/** Escapes text for HTML element content and double-quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// GitHub-flavoured markdown (tables). Raw HTML in the markdown (a client or key name with `<`) is shown as text.
const markdown = new Marked({ gfm: true, async: false, renderer: { html: (token) => escapeHtml(token.text) } });
const md = (lines: readonly string[]): string => markdown.parse(lines.join('\n'), { async: false });

/** An anchor id from a scenario name: lowercase letters, digits and dashes. */
export function anchorId(name: string): string {
  return `scenario-${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;
}

/**
 * Gives an SVG's ids and classes (ECharts numbers them `zr<instance>-c<n>` and `zr<instance>-cls-<n>` from
 * process-wide counters) names of the figure's own, numbered from 0 in order of appearance: ids stay unique
 * among the page's charts, and the page is the same whichever process rendered it (`report` re-renders byte for byte).
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  return svg.replace(/\bzr\d+-(?:cls-)?[a-z]*\d+\b/g, (token) => {
    const name = names.get(token) ?? `${prefix}-${names.size}`;
    names.set(token, name);
    return name;
  });
}

function chartHtml(scenario: ScenarioResult, chart: Chart): string {
  const figureId = `${anchorId(scenario.name)}-${chart.id}`;
  const table = [
    '<table>',
    `<thead><tr>${chart.table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...chart.table.rows.map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
    ),
    '</tbody>',
    '</table>',
  ].join('\n');
  return [
    `<figure class="chart" id="${escapeHtml(figureId)}" data-chart="${escapeHtml(chart.id)}">`,
    `<figcaption><strong>${escapeHtml(chart.title)}</strong>. ${escapeHtml(chart.caption)}</figcaption>`,
    `<div class="svg">${scopeSvgIds(chart.svg, `${figureId}-svg`)}</div>`,
    `<details><summary>Values as a table</summary>\n${table}\n</details>`,
    '</figure>',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; color: #1f2328; margin: 0 auto; padding: 1.5rem 2rem 4rem; max-width: 1280px; }
h1 { margin-top: 0; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.5rem; } h3 { margin-top: 1.8rem; }
code { background: #f2f4f6; padding: .1em .3em; border-radius: 4px; font-size: 90%; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: 13px; font-variant-numeric: tabular-nums; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .25rem .55rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, thead th { text-align: left; }
.wrap th, .wrap td { white-space: normal; min-width: 6em; } .wrap table { display: table; }
th[align=left], td[align=left] { text-align: left; } th[align=right], td[align=right] { text-align: right; } thead th { background: #f6f8fa; } tbody tr:nth-child(even) { background: #fafbfc; }
nav ul { columns: 3; } nav a { text-decoration: none; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 1.2rem; margin: 1rem 0 1.5rem; }
figure.chart { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: .7rem .8rem; background: #fff; min-width: 0; }
figcaption { font-size: 13px; color: #444; margin-bottom: .4rem; }
.svg svg { width: 100%; height: auto; display: block; }
details summary { cursor: pointer; font-size: 13px; color: #0969da; }
.note { color: #57606a; font-size: 13px; }
`;

/** Options of {@link renderHtml}: those of the markdown, plus a title. */
export interface HtmlOptions extends MarkdownOptions {
  /** `<title>` and `<h1>`. Default `consul-kv-bench report`. */
  readonly title?: string;
  /** Markdown lines shown under the title, before the run description (e.g. the committed report's intro). */
  readonly intro?: readonly string[];
  /** Markdown lines appended to the run description (machine, versions, command). */
  readonly runLines?: readonly string[];
  /** Markdown lines shown after the run description, before the scenarios. */
  readonly afterRun?: readonly string[];
}

/** The whole `report.html`: a self-contained page (see the module comment). */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? 'consul-kv-bench report';
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (options.intro?.length) body.push(md(options.intro));
  body.push(md([...describeRun(report), ...(options.runLines ?? [])]));
  if (options.afterRun?.length) body.push(`<div class="wrap">\n${md(options.afterRun)}\n</div>`);
  if (report.scenarios.length > 1) {
    body.push(
      `<nav><strong>Scenarios</strong><ul>${report.scenarios.map((s) => `<li><a href="#${anchorId(s.name)}">${escapeHtml(s.name)}</a></li>`).join('')}</ul></nav>`,
    );
  }
  for (const scenario of report.scenarios) {
    const { head, rest } = scenarioMarkdown(scenario, options);
    const charts = scenarioCharts(scenario);
    body.push(
      `<section class="scenario" id="${anchorId(scenario.name)}">`,
      `<h2>${escapeHtml(scenario.name)}</h2>`,
      md(head.slice(2)),
      charts.length ? `<div class="charts">\n${charts.map((c) => chartHtml(scenario, c)).join('\n')}\n</div>` : '',
      md(rest),
      '</section>',
    );
  }
  body.push(md(failuresMarkdown(report)));
  body.push(
    md(HOW_TO_READ),
    `<p class="note">Rendered from report.json by consul-kv-bench; charts: Apache ECharts (server-side SVG). Every chart's values are in the table under it.</p>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${title} — ${report.createdAt}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
