/**
 * Capacity results as text: a row's interval, the rows it is not ranked against, and the table of two runs side by
 * side that says whether each row's intervals overlap (the repeatability check). Pure; `capacity` writes these, and
 * the `capacity` doc block renders the committed runs with them.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { int } from '../report/format.ts';
import type { Environment } from '../report/report-schema.ts';
import { type CapacityResult, overlaps, type SloTerm } from './capacity-search.ts';

/** One row's search as `capacity.json` holds it (its raw rows left out here). */
export interface RowCapacityResult extends CapacityResult {
  readonly row: string;
}

/** What `capacity` writes to `capacity.json`. */
export interface CapacityFile {
  readonly command: string;
  readonly createdAt: string;
  /** When the last row finished (files written before it was recorded lack it). */
  readonly finishedAt?: string;
  /** The machine and versions (files written before it was recorded lack it). */
  readonly environment?: Environment;
  readonly slo: readonly SloTerm[];
  readonly scenario: string;
  readonly results: readonly RowCapacityResult[];
}

/** Reads a `capacity.json`. @throws {Error} when it cannot be read or is not JSON. */
export async function readCapacityFile(file: string): Promise<CapacityFile> {
  return JSON.parse(await readFile(file, 'utf8')) as CapacityFile;
}

/**
 * A row's interval as text: `6 400–6 800` (held in every repeat – broken in most), `≥ 20 000` (none broke), `< 100`
 * (none held), `–` (no rate was judged).
 */
export function intervalText(r: Pick<CapacityResult, 'sustainableRps' | 'firstBrokenRps' | 'rates'>): string {
  if (!r.rates || r.rates.length === 0) return '–';
  if (r.sustainableRps === null) return `< ${int(Math.min(...r.rates.map((v) => v.rate)))}`;
  if (r.firstBrokenRps === null) return `≥ ${int(r.sustainableRps)}`;
  return `${int(r.sustainableRps)}–${int(r.firstBrokenRps)}`;
}

/** The rows whose interval overlaps `r`'s (neither ranks above the other), by name. */
export function overlapping(r: RowCapacityResult, all: readonly RowCapacityResult[]): string[] {
  return all.filter((o) => o !== r && overlaps(r, o)).map((o) => o.row);
}

/** The rates of a verdict, as text (`–` for none). */
export function ratesText(r: CapacityResult, verdict: 'mixed' | 'unmeasured'): string {
  return (
    (r.rates ?? [])
      .filter((v) => v.verdict === verdict)
      .map((v) => int(v.rate))
      .join(', ') || '–'
  );
}

/**
 * Two capacity runs of the same rows as a markdown table: each row's interval in each run, its repeats and steps,
 * and whether the two intervals overlap (they should, for a search that repeats: the runs differ only by noise),
 * then a line counting the rows that do. With one run, its intervals and the rows each is not ranked against.
 */
export function capacityRunsTable(
  a: CapacityFile,
  b: CapacityFile | undefined,
  links: { a: string; b?: string | undefined },
): string {
  const when = (f: CapacityFile) => `${f.createdAt.slice(0, 16).replace('T', ' ')} UTC`;
  const lines: string[] = [];
  lines.push(
    `From [\`${links.a}\`](${links.a}) (\`${a.command}\`, ${when(a)})${b ? ` and [\`${links.b}\`](${links.b}) (${when(b)})` : ''}: SLO ${a.slo.map((t) => t.text).join(', ')}, open model. held–broken: the highest rate that held the SLO in every repeat and the lowest that broke it in most, req/s.`,
    '',
  );
  if (!b) {
    lines.push('| row | held–broken req/s | mixed req/s | repeats | steps | not ranked against |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const r of a.results)
      lines.push(
        `| ${r.row} | ${intervalText(r)} | ${ratesText(r, 'mixed')} | ${r.repeats ?? 1} | ${r.steps.length} | ${overlapping(r, a.results).join(', ') || '–'} |`,
      );
    return lines.join('\n');
  }
  lines.push('| row | run 1 held–broken | run 2 held–broken | overlap | repeats | steps (1, 2) |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  let both = 0;
  let overlap = 0;
  for (const r of a.results) {
    const o = b.results.find((x) => x.row === r.row);
    if (!o) continue;
    both++;
    const same = overlaps(r, o);
    if (same) overlap++;
    lines.push(
      `| ${r.row} | ${intervalText(r)} | ${intervalText(o)} | ${same ? 'yes' : '**no**'} | ${r.repeats ?? 1} | ${r.steps.length}, ${o.steps.length} |`,
    );
  }
  lines.push('', `The two runs' intervals overlap for ${overlap} of ${both} rows.`);
  return lines.join('\n');
}
