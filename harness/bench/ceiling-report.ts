/**
 * What `ceiling` writes, rendered: its table rows and summary lines (the command's terminal and `ceiling.md`), and
 * the per-row table the docs render from a committed `ceiling.json` (`<!-- generated: ceiling … -->`).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { markdownTable } from 'markdown-table';
import { int } from '../report/format.ts';
import { OPEN_KEPT_SHARE, type OpenCeiling, type RowCeiling } from './generator-ceiling.ts';

/**
 * A closed generator whose median round reaches this share of wrk's 2xx req/s does not set the row's pace (within
 * what a shared machine tells apart). The median, not every round: on a shared 2-core machine wrk's own rate fell
 * by a quarter between two rounds of one row seconds apart (`consul-npm-watch`, about 30 000 to 22 000 req/s),
 * more than the gap between the tools.
 */
export const CEILING_GOAL = 0.9;

const ms = (us: number) => (us / 1000).toFixed(2);

/** The rows' closed rounds and the open ramp as table rows: [row, model, generator, RPS, p99 ms, note]. */
export function ceilingTableRows(rows: readonly RowCeiling[], open: OpenCeiling, wrkThreads: number): string[][] {
  const out: string[][] = [];
  for (const r of rows)
    r.rounds.forEach((round, i) => {
      for (const run of round.runs)
        out.push([
          r.row,
          `closed, round ${i + 1}`,
          run.tool === 'wrk' ? `wrk -t${wrkThreads} -c${r.connections}` : `harness -c${r.connections}`,
          int(run.rps),
          ms(run.p99Us),
          [
            run.generatorCpuPercent === null ? '' : `harness CPU ${Math.round(run.generatorCpuPercent)}%`,
            run.otherRps > 0 ? `non-2xx ${int(run.otherRps)}/s` : '',
          ]
            .filter(Boolean)
            .join(', '),
        ]);
      if (round.ratio !== null)
        out.push([r.row, `closed, round ${i + 1}`, 'harness / wrk', `${round.ratio.toFixed(2)}×`, '', '']);
    });
  for (const s of open.open)
    out.push([
      'no-consul',
      'open',
      `${int(s.rate)} req/s`,
      int(s.achievedRps),
      ms(s.p99Us),
      `lag p99 ${ms(s.lagP99Us)} ms, dropped ${int(s.dropped)}, worker CPU ${Math.round(s.generatorCpuPercent)}%: ${s.kept ? 'kept' : 'not kept'}`,
    ]);
  return out;
}

/** One line per row (its rounds' ratios against the goal) and one for the open ramp. */
export function ceilingSummary(rows: readonly RowCeiling[], open: OpenCeiling, rampRun: boolean): string[] {
  const lines = rows.map((r) => {
    const ratios = r.rounds.map((x) => x.ratio).filter((x): x is number => x !== null);
    if (ratios.length === 0)
      return `${r.row}: wrk not found (consul-kv-bench provision --wrk installs Debian's, or give --wrk <path>), so no ratio`;
    return `${r.row}: the harness's generator reached ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')} wrk's 2xx req/s (median ${r.medianRatio!.toFixed(2)}×: ${
      r.medianRatio! >= CEILING_GOAL
        ? `≥ ${CEILING_GOAL}×`
        : `under ${CEILING_GOAL}×, the generator may set this row's pace`
    })`;
  });
  if (!rampRun) return lines;
  const o = open.openCeilingRps;
  lines.push(
    o === null
      ? 'open model: no rate of the ramp was kept'
      : `open model: kept its schedule up to ${int(o)} req/s (achieved ≥ ${OPEN_KEPT_SHARE * 100}%, none dropped, lag p99 < 10 ms)${
          open.open.at(-1)?.kept
            ? ', the top of the ramp'
            : `; missed at ${open.open
                .filter((s) => !s.kept)
                .map((s) => int(s.rate))
                .join(', ')}`
        }`,
  );
  return lines;
}

/** A committed `ceiling.json`, as `ceiling` writes it. */
export interface CeilingFile extends OpenCeiling {
  readonly createdAt: string;
  readonly command: string;
  readonly scenario: string;
  readonly durationS: number;
  readonly wrk: string | null;
  readonly wrkThreads: number;
  readonly rows: readonly RowCeiling[];
}

/**
 * Reads a `ceiling.json`.
 * @throws {Error} when it is not one `ceiling` wrote per row (an older file had `rounds` and no `rows`).
 */
export async function readCeilingFile(file: string): Promise<CeilingFile> {
  const json = JSON.parse(await readFile(file, 'utf8')) as CeilingFile;
  if (!Array.isArray(json.rows)) throw new Error(`${file} is not a per-row ceiling.json: run consul-kv-bench ceiling`);
  return json;
}

/**
 * The docs' table of a ceiling run: per row, its rounds' ratios of the harness's 2xx req/s to wrk's, the median,
 * wrk's range, the harness's CPU, and whether the median reached the goal ({@link CEILING_GOAL}).
 */
export function ceilingRowsTable(c: CeilingFile, source: string, link: string): string {
  // the closed generator's name as the file gives it (`harness`; `autocannon` in a run from before it was replaced)
  const tool = c.rows.flatMap((r) => r.rounds.flatMap((x) => x.runs)).find((y) => y.tool !== 'wrk')?.tool ?? 'harness';
  const head = [
    'row',
    'connections',
    `${tool} / wrk, per round`,
    'median',
    "wrk's 2xx req/s",
    `${tool} CPU %`,
    `median ≥ ${CEILING_GOAL}×`,
  ];
  const body = c.rows.map((r) => {
    const ratios = r.rounds.map((x) => x.ratio).filter((x): x is number => x !== null);
    const wrk = r.rounds.flatMap((x) => x.runs.filter((y) => y.tool === 'wrk').map((y) => y.rps));
    const cpu = r.rounds.flatMap((x) =>
      x.runs.map((y) => y.generatorCpuPercent).filter((y): y is number => y !== null),
    );
    const range = (xs: number[], f: (x: number) => string) =>
      xs.length === 0 ? '–' : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
    return [
      r.row,
      String(r.connections),
      ratios.map((x) => `${x.toFixed(2)}×`).join(', ') || '–',
      r.medianRatio === null ? '–' : `${r.medianRatio.toFixed(2)}×`,
      range(wrk, int),
      range(cpu, (x) => String(Math.round(x))),
      r.medianRatio === null ? '–' : r.medianRatio >= CEILING_GOAL ? 'yes' : '**no**',
    ];
  });
  const held = c.rows.filter((r) => r.medianRatio !== null && r.medianRatio >= CEILING_GOAL).length;
  return [
    `From [\`${source}\`](${link}) (\`${c.command}\`, ${c.createdAt}; ${c.wrk ?? 'no wrk'} \`-t${c.wrkThreads}\`, ${c.durationS} s a run, the order swapped each round):`,
    '',
    markdownTable([head, ...body]),
    '',
    `${tool === 'harness' ? "The harness's generator" : tool} reached ${CEILING_GOAL}× wrk's 2xx req/s at the median of its rounds on ${held} of ${c.rows.length} rows.${
      c.openCeilingRps === null
        ? ''
        : ` The open generator kept its schedule up to ${int(c.openCeilingRps)} req/s on no-consul.`
    }`,
  ].join('\n');
}
