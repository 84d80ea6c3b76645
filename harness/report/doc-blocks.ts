/**
 * Generated blocks in the repository's markdown (README.md, docs/): a block starts with a marker naming a renderer
 * and its source, a committed report file, and ends with an end marker; `npm run docs` fills every block in from
 * its source, and a test fails when a block differs from what its source renders or names a file that is not
 * committed. Figures in prose are never typed in: a single figure goes between figure markers (`doc-figures.ts`),
 * which the same step fills in.
 *
 * ```md
 * <!-- generated: results reports/all/report.json articles -->
 * …the table…
 * <!-- end generated -->
 * ```
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ceilingRowsTable, readCeilingFile } from '../bench/ceiling-report.ts';
import { capacityRunsTable, readCapacityFile } from '../capacity/capacity-report.ts';
import { renderDocFigures } from './doc-figures.ts';
import { recoverySection, stalenessSection } from './freshness-report.ts';
import { describeRun, errorsTable, headlineTable } from './markdown-report.ts';
import { readReport } from './read-report.ts';
import { resultsTable } from './readme-results.ts';
import { phasesTable, verdictsTable } from './verdicts-table.ts';

/**
 * A renderer of a block: its arguments after the source file, the source (relative to the root), the root, and the
 * source as a link from the markdown file the block is in.
 */
type BlockRenderer = (args: readonly string[], source: string, root: string, link: string) => Promise<string>;

/** The renderers a block can name. */
export const BLOCK_RENDERERS: Readonly<Record<string, BlockRenderer>> = {
  /** `results <report.json> <scenario>`: the front-door results table of one scenario. */
  results: async ([scenario], source, root) => {
    const report = await readReport(source, path.join(root, source));
    return resultsTable(report, source, scenario ?? 'articles');
  },
  /**
   * `report <report.json> <scenario>`: one scenario as report.md shows it: how the run was made, the rows' table and
   * the errors by cause.
   */
  report: async ([scenario], source, root, link) => {
    const report = await readReport(source, path.join(root, source));
    const s = report.scenarios.find((x) => x.name === (scenario ?? 'articles'));
    if (!s) throw new Error(`${source} has no scenario ${scenario ?? 'articles'}`);
    const errors = errorsTable(s);
    return [
      `From [\`${source}\`](${link}):`,
      '',
      ...describeRun(report),
      '',
      headlineTable(s),
      ...(errors ? ['', errors] : []),
    ].join('\n');
  },
  /**
   * `freshness <report.json> <scenario>`: a freshness scenario's table as report.md shows it: propagation and its
   * cost (`watch-propagation`), or errors, stale serving and recovery (`consul-restart`, `consul-restart-fresh`).
   */
  freshness: async ([scenario], source, root, link) => {
    const report = await readReport(source, path.join(root, source));
    const s = report.scenarios.find((x) => x.name === scenario);
    if (!s) throw new Error(`${source} has no scenario ${scenario}`);
    const section = (stalenessSection(s) || recoverySection(s)).replace(/^### .*\n\n/, '');
    if (!section) throw new Error(`${source}: ${scenario} has no freshness figures`);
    return [
      `From [\`${source}\`](${link}) (\`${report.command}\`, ${report.createdAt}), \`${scenario}\`:`,
      '',
      section,
    ].join('\n');
  },
  /** `verdicts <report.json> <scenario>`: the leak verdicts of a fault scenario's rows (the leak corpus). */
  verdicts: async ([scenario], source, root, link) => {
    const report = await readReport(source, path.join(root, source));
    return verdictsTable(report, source, scenario ?? 'leak-corpus', link);
  },
  /**
   * `capacity <capacity.json> [<second capacity.json>]`: each row's capacity interval; with a second run of the same
   * rows, both side by side and whether they overlap (the second file is a committed file too, relative to the root).
   */
  capacity: async ([second], source, root, link) => {
    const a = await readCapacityFile(path.join(root, source));
    const b = second ? await readCapacityFile(path.join(root, second)) : undefined;
    const linkB = second
      ? path.posix.join(path.posix.dirname(link), path.posix.relative(path.posix.dirname(source), second))
      : undefined;
    return capacityRunsTable(a, b, { a: link, b: linkB });
  },
  /**
   * `ceiling <ceiling.json>`: per row, the closed-model generator's 2xx req/s against wrk's, round by round
   * (`consul-kv-bench ceiling`).
   */
  ceiling: async (_args, source, root, link) =>
    ceilingRowsTable(await readCeilingFile(path.join(root, source)), source, link),
  /** `phases <report.json> <scenario>`: the latency per phase of a fault scenario's rows (report.md's table). */
  phases: async ([scenario], source, root, link) => {
    const report = await readReport(source, path.join(root, source));
    return phasesTable(report, source, scenario ?? 'network-stall-open', link);
  },
};

const BLOCK = /<!-- generated: (\S+) (\S+)((?: \S+)*) -->\n([\s\S]*?)<!-- end generated -->/g;

/** One generated block of a file. */
export interface DocBlock {
  readonly renderer: string;
  /** The source file, relative to the repository root. */
  readonly source: string;
  readonly args: readonly string[];
  /** The block's current text (between the markers). */
  readonly text: string;
}

/** The generated blocks of a markdown text. */
export function docBlocks(markdown: string): DocBlock[] {
  return [...markdown.matchAll(BLOCK)].map((m) => ({
    renderer: m[1]!,
    source: m[2]!,
    args: (m[3] ?? '').trim().split(' ').filter(Boolean),
    text: m[4]!,
  }));
}

/**
 * The markdown with every generated block and every figure (`doc-figures.ts`) rendered afresh from its source.
 * @param file the markdown file's path relative to `root` (links to sources are made relative to it). Default
 *   `README.md`.
 * @throws {Error} naming the marker for an unknown renderer or an unreadable source.
 */
export async function renderDocBlocks(markdown: string, root: string, file = 'README.md'): Promise<string> {
  let out = markdown;
  for (const b of docBlocks(markdown)) {
    const render = BLOCK_RENDERERS[b.renderer];
    if (!render) {
      throw new Error(`unknown generated block "${b.renderer}": use one of ${Object.keys(BLOCK_RENDERERS).join(', ')}`);
    }
    const link = path.posix.relative(path.posix.dirname(file), b.source);
    const text = `${(await render(b.args, b.source, root, link)).trimEnd()}\n`;
    const marker = `<!-- generated: ${b.renderer} ${b.source}${b.args.map((a) => ` ${a}`).join('')} -->\n`;
    out = out.replace(`${marker}${b.text}<!-- end generated -->`, `${marker}${text}<!-- end generated -->`);
  }
  return renderDocFigures(out, root);
}

/** Renders the generated blocks of files in place. @returns the files that changed. */
export async function updateDocBlocks(files: readonly string[], root: string): Promise<string[]> {
  const changed: string[] = [];
  for (const f of files) {
    const abs = path.join(root, f);
    const before = await readFile(abs, 'utf8');
    const after = await renderDocBlocks(before, root, f);
    if (after !== before) {
      await writeFile(abs, after);
      changed.push(f);
    }
  }
  return changed;
}
