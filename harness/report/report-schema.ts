/**
 * The raw results format (`report.json`). Measuring code writes this first; every rendered report (markdown,
 * terminal table) is made from it, so reports can be regenerated without re-running (docs/STYLE.md,
 * rule 10). The published JSON Schema (`reports/report.schema.json`) is generated from this file by
 * `npm run schema`, and a test keeps the two in step.
 *
 * Units are in the field names: `Us` microseconds, `Ms` milliseconds, `Bytes` bytes, `S` seconds.
 *
 * @module
 */
import { z } from 'zod';
import { FIGURES, type RunSummary } from '../figures/index.ts';
import type { TimelineSampleSchema } from './leak-schema.ts';
import { MeasuredRowSchema } from './row-schema.ts';

/** Bumped on any incompatible change of the format. */
export const REPORT_SCHEMA_VERSION = 1;

const count = z.int().min(0);

/** The figures of one run of a row (`run --repeat N`): derived from the figure registry (`harness/figures/`). */
export const RunSummarySchema = FIGURES.runSummarySchema() as unknown as z.ZodType<RunSummary>;

export const ResultSchema = MeasuredRowSchema.extend({
  runs: z
    .array(RunSummarySchema)
    .optional()
    .describe(
      "run --repeat N: every run of this row, in order; the row's own latency is from the merged histograms, its counts are sums",
    ),
});

export const ScenarioResultSchema = z.object({
  name: z.string(),
  description: z.string(),
  settings: z.record(z.string(), z.unknown()).describe('the validated scenario as run (after --quick and overrides)'),
  loadModel: z
    .enum(['closed', 'open'])
    .describe(
      "closed: fixed connections, each waiting for its answer (the harness's generator on keep-alive sockets; autocannon in reports before 0.2); latencies not corrected for coordinated omission. open: arrivals at a rate, latency from the intended send time",
    ),
  repeat: count.optional().describe('run --repeat N: runs per row, interleaved'),
  results: z.array(ResultSchema),
});

export const EnvironmentSchema = z.object({
  node: z.string().describe('Node.js version of the harness and the service'),
  platform: z.string(),
  osRelease: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cpuCount: count,
  totalMemoryBytes: count,
  consul: z.object({
    version: z.string(),
    backend: z.enum(['local', 'container', 'external']),
    provenance: z.string().describe('binary path and source, image, or CONSUL_HTTP_ADDR'),
    httpMaxConnsPerClient: count
      .nullable()
      .describe('limits.http_max_conns_per_client in force; null when unknown (external)'),
  }),
  tools: z
    .record(z.string(), z.string())
    .describe(
      'versions of consul-kv-bench (whose own generator runs the closed model; autocannon in older reports), undici, hdr-histogram-js (and toxiproxy-server when a fault ran)',
    ),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  createdAt: z.string().describe('ISO 8601 start of the run'),
  finishedAt: z.string().nullable().describe('ISO 8601 end of the run; null while it is under way'),
  status: z.enum(['running', 'complete', 'interrupted', 'failed']),
  command: z.string().describe('the exact command line'),
  environment: EnvironmentSchema,
  scenarios: z.array(ScenarioResultSchema),
  failures: z.array(
    z.object({ scenario: z.string(), client: z.string().nullable(), code: z.string(), message: z.string() }),
  ),
});

export { LeakSchema, TimelineSampleSchema } from './leak-schema.ts';
export {
  ERROR_BREAKDOWN,
  ErrorsSchema,
  LatencyUsSchema,
  type MeasuredRow,
  OpenLoadSchema,
  type PhaseResult,
  PhaseResultSchema,
  type Recovery,
  RecoverySchema,
  type Staleness,
  StalenessSchema,
} from './row-schema.ts';
export type { RunSummary };

export type Report = z.infer<typeof ReportSchema>;
export type ScenarioResult = z.infer<typeof ScenarioResultSchema>;
export type ResultRow = z.infer<typeof ResultSchema>;
export type Environment = z.infer<typeof EnvironmentSchema>;
export type TimelineSample = z.infer<typeof TimelineSampleSchema>;

/** The JSON Schema (draft 2020-12) of {@link ReportSchema}, as published in `reports/report.schema.json`. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ReportSchema, { target: 'draft-2020-12' }),
    title: 'consul-kv-bench report.json',
  };
}
