/**
 * Figures in prose, filled in from committed files: a figure in README.md or docs/*.md is written between two
 * markers that name its source file, a path into it and a format, and `npm run docs` writes the value in; the docs
 * test fails when a figure differs from its source or names a file that is not committed (docs/TESTS.md).
 *
 * ```md
 * leaky's p99 was <!-- fig reports/all/report.json scenarios[name=light].results[client=pooled].latencyUs.p99 ms1 -->25.8<!-- /fig --> ms
 * ```
 *
 * - **source**: a JSON file relative to the repository root (a report, a calibration, a capacity result).
 * - **path**: dot-separated keys; `key[field=value]` picks the element of an array whose `field` equals `value`
 *   (compared as text), `key[3]` an element by index; `a÷b` divides one path's value by another's (a ratio).
 * - **format** (default `0`): `[scale][decimals]`, scale one of `ms` (÷ 1 000: µs to ms), `s` (÷ 1 000 000: µs to
 *   s), `pct` (× 100), or none; decimals 0–3. Numbers take a space between thousands, as the rendered tables do.
 *   Text values are written as they are.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A figure marker and its current text. */
export interface DocFigure {
  /** The source file, relative to the repository root. */
  readonly source: string;
  readonly path: string;
  readonly format: string;
  /** The figure's current text (between the markers). */
  readonly text: string;
}

const FIG = /<!-- fig (\S+) (\S+)(?: (\S+))? -->([^<]*)<!-- \/fig -->/g;

/** The figure markers of a markdown text, in order. */
export function docFigures(markdown: string): DocFigure[] {
  return [...markdown.matchAll(FIG)].map((m) => ({
    source: m[1]!,
    path: m[2]!,
    format: m[3] ?? '0',
    text: m[4]!,
  }));
}

/**
 * The value at `figurePath` in `doc` (see the module's doc for the syntax).
 * @throws {Error} naming the first segment that does not resolve.
 */
export function figureValue(doc: unknown, figurePath: string): unknown {
  const parts = figurePath.split('÷');
  if (parts.length === 2) {
    const [a, b] = parts.map((p) => figureValue(doc, p));
    if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`${figurePath}: a ratio needs two numbers`);
    return a / b;
  }
  let at: unknown = doc;
  for (const segment of figurePath.split('.')) {
    const m = /^([^[\]]+)(?:\[([^\]=]+)(?:=([^\]]*))?\])?$/.exec(segment);
    if (!m) throw new Error(`${figurePath}: cannot read the segment "${segment}"`);
    at = (at as Record<string, unknown> | undefined)?.[m[1]!];
    if (m[2] !== undefined) {
      if (!Array.isArray(at)) throw new Error(`${figurePath}: ${m[1]} is not a list`);
      const list: unknown[] = at;
      at =
        m[3] === undefined
          ? list[Number(m[2])]
          : list.find((e) => String((e as Record<string, unknown>)?.[m[2]!]) === m[3]);
    }
    if (at === undefined) throw new Error(`${figurePath}: nothing at "${segment}"`);
  }
  return at;
}

const SCALES: Readonly<Record<string, number>> = { '': 1, ms: 1e-3, s: 1e-6, pct: 100 };

/**
 * A value as the docs write it.
 * @throws {Error} on an unknown format.
 */
export function formatFigure(value: unknown, format = '0'): string {
  if (typeof value !== 'number') return String(value);
  const m = /^(ms|s|pct)?([0-3])$/.exec(format);
  if (!m) throw new Error(`unknown figure format "${format}": use [ms|s|pct]<decimals 0-3>, e.g. ms1`);
  const text = (value * SCALES[m[1] ?? '']!).toFixed(Number(m[2]));
  const [whole, fraction] = text.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/**
 * The markdown with every figure written afresh from its source.
 * @throws {Error} naming the figure whose source cannot be read or whose path does not resolve.
 */
export async function renderDocFigures(markdown: string, root: string): Promise<string> {
  const sources = new Map<string, unknown>();
  return replaceAsync(markdown, FIG, async (whole, source: string, figurePath: string, format = '0') => {
    if (!sources.has(source)) sources.set(source, JSON.parse(await readFile(path.join(root, source), 'utf8')));
    let value: string;
    try {
      value = formatFigure(figureValue(sources.get(source), figurePath), format);
    } catch (err) {
      throw new Error(`figure ${source} ${figurePath}: ${(err as Error).message}`);
    }
    return whole.replace(/-->[^<]*<!-- \/fig -->$/, `-->${value}<!-- /fig -->`);
  });
}

async function replaceAsync(
  text: string,
  re: RegExp,
  fn: (whole: string, ...groups: string[]) => Promise<string>,
): Promise<string> {
  const parts: Array<string | Promise<string>> = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    parts.push(text.slice(last, m.index), fn(m[0], ...(m.slice(1) as string[])));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return (await Promise.all(parts)).join('');
}

/** A number with a unit as prose writes one: `500 ms`, `2 000 req/s`, `1.5×`, `95%`, `1 KiB`. */
const TYPED = /(?<![\w.])(\d[\d {2},.]*\d|\d)\s?(ms|µs|s|%|×|req\/s|RPS|MB|MiB|KiB|GB|KB)(?!\w)/g;

/**
 * The figures typed into a markdown text (numbers with a unit), outside what is rendered or quoted: generated
 * blocks, figure markers, code blocks and inline code. Each is normalised (`2 000 req/s`, one space), in order of
 * appearance, repeats included. The docs test holds these to a list of settings, thresholds and citations
 * (`docs/typed-figures.txt`): a measured figure belongs between figure markers.
 */
export function typedFigures(markdown: string): string[] {
  const text = markdown
    .replace(/<!-- generated:[\s\S]*?<!-- end generated -->/g, '')
    .replace(/<!-- fig [^>]*-->[^<]*<!-- \/fig -->/g, 'FIG')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, 'CODE');
  return [...text.matchAll(TYPED)].map((m) => m[0].replace(/\s+/g, ' '));
}
