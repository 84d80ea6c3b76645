/**
 * The front door's results table: one scenario of a committed report, one line a row, with how it was measured
 * (load model, what set the pace, runs, machine, versions, date, command) stated above it. Rendered into README.md
 * by `npm run docs` (`doc-blocks.ts`); measures nothing.
 *
 * @module
 */
import { markdownTable } from 'markdown-table';
import { loadModelOf } from '../load/models/index.ts';
import { bytes, int, msFromUs, percentOf, ratio } from './format.ts';
import { rowFlags } from './markdown-report.ts';
import type { Report } from './report-schema.ts';

/**
 * The table of `scenario` in `report`.
 * @param source the report's path, as the table names it.
 * @throws {Error} when the report has no such scenario.
 */
export function resultsTable(report: Report, source: string, scenario: string): string {
  const s = report.scenarios.find((x) => x.name === scenario);
  if (!s)
    throw new Error(
      `${source} has no scenario ${scenario}: use one of ${report.scenarios.map((x) => x.name).join(', ')}`,
    );
  const env = report.environment;
  const model = loadModelOf(s.loadModel);
  const ceiling = s.results.find((r) => r.client === 'no-consul')?.rps;
  const runs = s.repeat ?? 1;
  const rows = s.results.map((r) => [
    r.kind === 'baseline' ? `_${r.client}_` : `**${r.client}**`,
    int(r.rps),
    percentOf(r.rps, ceiling),
    msFromUs(r.latencyUs.p99),
    r.errors.total === 0
      ? '0'
      : `${((r.errors.total / Math.max(1, r.requests + r.errors.timeouts + r.errors.connection)) * 100).toFixed(1)}%`,
    int(r.consulConnectionsPeak),
    ratio(r.consulRequestsPerRequest),
    bytes(r.allocatedBytesPerRequest ?? r.heapBytesPerRequest),
    rowFlags(r).join(', '),
  ]);
  return [
    `\`${scenario}\` from [\`${source}\`](${source}): \`${report.command}\`, ${report.createdAt.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${runs} run${runs === 1 ? '' : 's'} a row; ${env.cpuModel.split(' ').slice(0, 2).join(' ')}, ${env.cpuCount} CPUs; Node ${env.node}; ` +
      `Consul ${env.consul.version} (${env.consul.backend}). ${model.title[0]!.toUpperCase()}${model.title.slice(1)}: ${model.p99Of} ` +
      '(ms). Flags say what set the pace where the target did not (`load-generator-saturated`, `machine-bound`): compare ratios within one run.',
    '',
    markdownTable(
      [
        ['row', 'RPS', 'of no-consul', 'p99 ms', 'errors', 'Consul conns peak', 'Consul req/req', 'alloc/req', 'flags'],
        ...rows,
      ],
      { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'] },
    ),
  ].join('\n');
}
