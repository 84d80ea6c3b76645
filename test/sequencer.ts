/**
 * The order test files start in: within a project, longest first by the last full run's wall time in
 * docs/TEST-TIMINGS.md (kept current by `npm run test:timings`), files not in it first. Vitest's own order on a fresh
 * clone (no results cache) is by file size, which started `history.test.ts` (31 s) last among the `waiting` files
 * on CI and left the other two workers idle at the end; longest first packs the three workers closer.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Wall seconds by file (relative to the root) from docs/TEST-TIMINGS.md's table; empty where it cannot be read. */
function lastWallSeconds(root: string): Map<string, number> {
  const seconds = new Map<string, number>();
  try {
    const text = readFileSync(path.join(root, 'docs', 'TEST-TIMINGS.md'), 'utf8');
    for (const m of text.matchAll(/^\| `([^`]+)` +\| +([\d.]+) \|/gm)) seconds.set(m[1]!, Number(m[2]));
  } catch {
    // no table: vitest's order
  }
  return seconds;
}

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const seconds = lastWallSeconds(root);
    const wall = (f: TestSpecification): number =>
      seconds.get(path.relative(root, f.moduleId).split(path.sep).join('/')) ?? Number.POSITIVE_INFINITY;
    const rank = new Map(base.map((f, i) => [f, i]));
    // projects keep vitest's order (its first file's place); files move only within their project
    const projectRank = new Map<unknown, number>();
    for (const [i, f] of base.entries()) if (!projectRank.has(f.project)) projectRank.set(f.project, i);
    return [...base].sort(
      (a, b) =>
        projectRank.get(a.project)! - projectRank.get(b.project)! || wall(b) - wall(a) || rank.get(a)! - rank.get(b)!,
    );
  }
}
