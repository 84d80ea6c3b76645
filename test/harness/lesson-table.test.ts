/**
 * The published report's lesson tables are data: every scenario and row they name exists, a renamed row is named
 * by the check (not printed as "not measured"), and the committed report's lines are rendered from them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LESSON_LINES, REPRODUCTION_PAIRS, validateLessonTables } from '../../harness/report/lesson-table.ts';
import { articleComparisons } from '../../harness/report/published-report.ts';
import type { Report } from '../../harness/report/report-schema.ts';
import { ROOT } from '../helpers.ts';

describe('the lesson tables', () => {
  it('name only scenarios and rows that exist', () => {
    expect(validateLessonTables()).toEqual([]);
  });

  it('a renamed row or scenario is reported with where it is named', () => {
    const lines = LESSON_LINES.map((l, i) => (i === 0 ? { ...l, better: 'pooled-renamed' } : l));
    expect(validateLessonTables(lines)).toEqual(['lesson "throughput (QPS/RPS)": articles has no row pooled-renamed']);
    const pairs = { ...REPRODUCTION_PAIRS, stall: { ...REPRODUCTION_PAIRS.stall, scenarios: ['network-stal'] } };
    expect(validateLessonTables(LESSON_LINES, pairs as unknown as typeof REPRODUCTION_PAIRS)).toEqual([
      'reproduction stall: no scenario network-stal',
    ]);
  });

  it('every line of the committed report is measured, one line a table entry', async () => {
    const report = JSON.parse(await readFile(path.join(ROOT, 'reports/all/report.json'), 'utf8')) as Report;
    const lines = articleComparisons(report);
    expect(lines).toHaveLength(LESSON_LINES.length);
    expect(lines.filter((l) => l.ours === 'not measured').map((l) => l.measure)).toEqual([]);
  });
});
