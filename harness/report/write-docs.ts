/**
 * `npm run docs`: fills in every generated block of README.md and docs/*.md from the committed files they name
 * (`doc-blocks.ts`). A test keeps the committed markdown in step.
 *
 * @module
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { updateDocBlocks } from './doc-blocks.ts';

/** The repository root. */
export const DOCS_ROOT = path.join(import.meta.dirname, '..', '..');

/** The markdown files that may hold generated blocks, relative to the root. */
export function docFiles(root: string = DOCS_ROOT): string[] {
  const docs = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'));
  return ['README.md', ...docs.map((f) => path.join('docs', f))];
}

if (import.meta.main) {
  const changed = await updateDocBlocks(docFiles(), DOCS_ROOT);
  process.stdout.write(changed.length ? `updated ${changed.join(', ')}\n` : 'docs are up to date\n');
}
