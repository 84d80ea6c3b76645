/**
 * Reads a `report.json` a run wrote, for `compare` and `gate`.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.ts';
import { type Report, ReportSchema } from './report-schema.ts';

/**
 * Reads and validates a report.
 * @param file path as the user gave it; @param abs its absolute path.
 * @throws {BenchError} `USAGE` (exit 2) when the file is missing, not JSON, or not a report of this schema.
 */
export async function readReport(file: string, abs: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw usageError(
      `${file}: no such file (${abs}): give the report.json a run wrote (e.g. reports/latest/report.json)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw usageError(`${file}: not JSON (${(err as Error).message}): give the report.json a run wrote`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw usageError(
      `${file}: not a consul-kv-bench report (${issue.path.join('.') || 'top level'}: ${issue.message}): give the report.json a run wrote`,
    );
  }
  return parsed.data;
}
