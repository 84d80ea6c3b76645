/**
 * Writes the published JSON Schema of `report.json` to `reports/report.schema.json` (`npm run schema`).
 * `test/harness/report-schema.test.ts` fails when the committed file differs from what this writes.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { reportJsonSchema } from './report-schema.ts';

/** Path of the published schema. */
export const SCHEMA_FILE = path.join(import.meta.dirname, '..', '..', 'reports', 'report.schema.json');

/** The file's exact content. */
export function schemaFileContent(): string {
  return JSON.stringify(reportJsonSchema(), null, 2) + '\n';
}

if (import.meta.main) {
  await writeFile(SCHEMA_FILE, schemaFileContent());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
