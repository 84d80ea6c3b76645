/**
 * Writes raw results first (`report.json`), then the renderings made from them (`report.md`, `report.html`), into the output
 * directory and a timestamped copy (`<out>/runs/<createdAt>/`). Writes are atomic (temp file + rename), so a
 * report interrupted mid-write is never half a file; it is rewritten after every row, so nothing measured is lost.
 *
 * @module
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './html-report.ts';
import { renderMarkdown } from './markdown-report.ts';
import type { Report } from './report-schema.ts';

/** Paths a write produced. */
export interface WrittenReport {
  json: string;
  markdown: string;
  /** The self-contained HTML report with charts. */
  html: string;
  /** The timestamped copy's directory. */
  runDir: string;
}

/** Writes `content` to `file` through a temp file and a rename, creating the folder; never leaves half a file. */
export async function atomicWrite(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** Directory name of a run's timestamped copy, from its `createdAt` (colons are not portable in paths). */
export function runDirName(createdAt: string): string {
  return createdAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
}

/** Writes `report.json`, `report.md` and `report.html` to `outDir` and to `outDir/runs/<timestamp>/`. */
export async function writeReport(report: Report, outDir: string): Promise<WrittenReport> {
  const json = JSON.stringify(report, null, 2) + '\n';
  const runDir = path.join(outDir, 'runs', runDirName(report.createdAt));
  // Artifact paths in results are relative to outDir; the timestamped copy sits two folders down.
  for (const [dir, linkBase] of [
    [outDir, ''],
    [runDir, '../../'],
  ] as const) {
    await atomicWrite(path.join(dir, 'report.json'), json);
    await atomicWrite(path.join(dir, 'report.md'), renderMarkdown(report, { linkBase }));
    await atomicWrite(path.join(dir, 'report.html'), renderHtml(report, { linkBase }));
  }
  return {
    json: path.join(outDir, 'report.json'),
    markdown: path.join(outDir, 'report.md'),
    html: path.join(outDir, 'report.html'),
    runDir,
  };
}

/** Paths {@link rewriteRenderings} wrote. */
export interface RewrittenReport {
  markdown: string;
  html: string;
}

/**
 * Renders `report.md` and `report.html` again from a `report.json` (after a harness upgrade, or for a report
 * copied elsewhere) and writes them beside the JSON. Links to artifacts are made relative to the run's output
 * directory, which is the JSON's folder, or two folders up for a timestamped copy in `<out>/runs/<time>/`.
 * @returns the paths written.
 */
export async function rewriteRenderings(report: Report, jsonPath: string): Promise<RewrittenReport> {
  const dir = path.dirname(jsonPath);
  const linkBase = path.basename(path.dirname(dir)) === 'runs' ? '../../' : '';
  const markdown = path.join(dir, 'report.md');
  const html = path.join(dir, 'report.html');
  await atomicWrite(markdown, renderMarkdown(report, { linkBase }));
  await atomicWrite(html, renderHtml(report, { linkBase }));
  return { markdown, html };
}
