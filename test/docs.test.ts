/**
 * The docs hold no typed-in figures where a generated block stands: every block of README.md and docs/*.md equals
 * what its source renders (`npm run docs`), and its source is a committed file. The README stays a front door
 * (at most 300 lines), and every relative link of the docs resolves.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { docBlocks, renderDocBlocks } from '../harness/report/doc-blocks.ts';
import { docFigures, figureValue, formatFigure, typedFigures } from '../harness/report/doc-figures.ts';
import { docFiles } from '../harness/report/write-docs.ts';
import { ROOT } from './helpers.ts';
import { renderTimings, TIMINGS_SOURCE, type TimingsSource } from './timing-table.ts';

describe('the docs', () => {
  it('README.md is a front door: at most 300 lines, with a generated results table', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
    expect(docBlocks(readme).map((b) => b.renderer)).toContain('results');
  });

  it('every generated block equals what its committed source renders (run `npm run docs` after a new report)', async () => {
    const { stdout } = await execa('git', ['ls-files'], { cwd: ROOT });
    const committed = new Set(stdout.split('\n'));
    for (const f of docFiles(ROOT)) {
      const text = await readFile(path.join(ROOT, f), 'utf8');
      for (const b of [...docBlocks(text), ...docFigures(text)])
        expect(committed.has(b.source), `${f} names ${b.source}`).toBe(true);
      // a block's further files (a second capacity run) are sources too
      for (const file of docBlocks(text).flatMap((b) => b.args.filter((a) => a.endsWith('.json'))))
        expect(committed.has(file), `${f} names ${file}`).toBe(true);
      expect(await renderDocBlocks(text, ROOT, f), `${f} is out of date: run npm run docs`).toBe(text);
    }
  });

  it('no measured figure is typed in: every number with a unit outside figure markers is a listed setting, threshold or citation', async () => {
    // Left out: the Go articles' own figures (ARTICLES.md, all cited), the notes of facts about Consul and Node with
    // their sources (CONSUL-NOTES.md, MEASUREMENT-NOTES.md), the style rules, and the generated timings page.
    const notFindings = ['ARTICLES.md', 'CONSUL-NOTES.md', 'MEASUREMENT-NOTES.md', 'STYLE.md', 'TEST-TIMINGS.md'];
    const listed = new Map<string, Set<string>>();
    for (const line of (await readFile(path.join(ROOT, 'docs/typed-figures.txt'), 'utf8')).split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      const [file, figure, why] = line.split(' | ');
      expect(why?.trim(), `docs/typed-figures.txt: "${line}" gives no reason`).toBeTruthy();
      if (!listed.has(file!)) listed.set(file!, new Set());
      listed.get(file!)!.add(figure!);
    }
    const unlisted: string[] = [];
    const stale: string[] = [];
    for (const f of docFiles(ROOT).filter((d) => !notFindings.includes(path.basename(d)))) {
      const typed = new Set(typedFigures(await readFile(path.join(ROOT, f), 'utf8')));
      for (const x of typed) if (!listed.get(f)?.has(x)) unlisted.push(`${f} | ${x}`);
      for (const x of listed.get(f) ?? []) if (!typed.has(x)) stale.push(`${f} | ${x}`);
    }
    expect(
      unlisted,
      'typed figures: put a measured one between figure markers, list a setting in docs/typed-figures.txt',
    ).toEqual([]);
    expect(stale, 'docs/typed-figures.txt lists figures the docs no longer have').toEqual([]);
  });

  it('typedFigures finds a number with a unit in prose, not in a figure marker, a generated block or code', () => {
    const md = [
      'p99 was 42 ms and 2 000 req/s, 1.5× and 95%; `--step 5 s` is code;',
      '<!-- fig reports/all/report.json a.b ms1 -->3.2<!-- /fig --> ms is read from a file.',
      '<!-- generated: results reports/all/report.json articles -->\n| 12 ms |\n<!-- end generated -->',
      '```sh\nsleep 5 s\n```',
    ].join('\n');
    expect(typedFigures(md)).toEqual(['42 ms', '2 000 req/s', '1.5×', '95%']);
  });

  it('TEST-TIMINGS.md is what its committed source renders', async () => {
    const source = JSON.parse(await readFile(path.join(ROOT, TIMINGS_SOURCE), 'utf8')) as TimingsSource;
    const page = await readFile(path.join(ROOT, 'docs/TEST-TIMINGS.md'), 'utf8');
    expect(page, 'run npm run test:timings after a full npm test').toBe(renderTimings(source.results, source.machine));
  });

  it('a block whose source changed is told apart', async () => {
    const text = '<!-- generated: results reports/all/report.json articles -->\n| stale |\n<!-- end generated -->\n';
    const rendered = await renderDocBlocks(text, ROOT);
    expect(rendered).not.toBe(text);
    expect(rendered).toMatch(/\*\*pooled\*\*/);
    await expect(renderDocBlocks(text.replace('results', 'nope'), ROOT)).rejects.toThrow(/unknown generated block/);
  });

  it("the leak corpus's verdicts table: every row with its runs' verdicts, linked from where it is rendered", async () => {
    const text = '<!-- generated: verdicts reports/leak-corpus/report.json leak-corpus -->\n<!-- end generated -->\n';
    const rendered = await renderDocBlocks(text, ROOT, 'docs/LEAK-DIAGNOSIS.md');
    expect(rendered).toContain('](../reports/leak-corpus/report.json)');
    expect(rendered).toMatch(/\| `leaky-without-abort` +\| leak, leak +\|/);
    expect(rendered).toMatch(/\| `fixed` +\| no-leak, no-leak +\|/);
    await expect(renderDocBlocks(text.replace(' leak-corpus -->', ' nope -->'), ROOT)).rejects.toThrow(
      /has no scenario nope/,
    );
  });

  it('a figure in prose is read from its source by path and format, and a changed one is told apart', async () => {
    const doc = { scenarios: [{ name: 'a', results: [{ client: 'x', latencyUs: { p99: 1_812_345 } }] }] };
    expect(formatFigure(figureValue(doc, 'scenarios[name=a].results[client=x].latencyUs.p99'), 'ms1')).toBe('1 812.3');
    expect(formatFigure(figureValue(doc, 'scenarios[0].results[0].latencyUs.p99'), '0')).toBe('1 812 345');
    expect(formatFigure(0.4234, 'pct1')).toBe('42.3');
    expect(() => figureValue(doc, 'scenarios[name=b].results')).toThrow(/nothing at "scenarios\[name=b\]"/);
    expect(() => formatFigure(1, 'ms9')).toThrow(/unknown figure format/);
    const text =
      'pooled: <!-- fig reports/all/report.json scenarios[name=articles].results[client=pooled].rps 0 -->1<!-- /fig --> RPS\n';
    const rendered = await renderDocBlocks(text, ROOT, 'README.md');
    expect(rendered).not.toBe(text);
    expect(docFigures(rendered)[0]!.text).toMatch(/^\d[\d ]*$/);
    await expect(renderDocBlocks(text.replace('client=pooled', 'client=nope'), ROOT)).rejects.toThrow(
      /figure reports\/all\/report.json .*nothing at "results\[client=nope\]"/,
    );
  });

  it('every relative link of README.md and docs/ resolves to a file of the repository', async () => {
    const broken: string[] = [];
    for (const f of [...docFiles(ROOT), 'CHANGELOG.md']) {
      const text = await readFile(path.join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(path.resolve(ROOT, path.dirname(f), target))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
