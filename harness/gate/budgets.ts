/**
 * The budgets file of `consul-kv-bench gate`: YAML (or JSON, which is YAML), validated, with every error
 * reported as one line naming the file, the line and the fix.
 *
 * ```yaml
 * alpha: 0.05          # significance level of the comparison with a baseline (default 0.05)
 * minEffect: 0.10      # with a baseline, a budget fails only on a significant regression larger than this (default 0.10 = 10%)
 * scenarios:
 *   light:
 *     rows:
 *       pooled: ["p99 < 50ms", "errors == 0", "rps > 1000"]
 *       watch-cached: ["consulRequestsPerRequest < 0.01"]
 *     relative:
 *       - pooled.p99 <= 0.5 * naive-fetch.p99
 * ```
 *
 * Absolute budgets follow k6's thresholds (`p(99)<200` there, `p99 < 200ms` here): `<metric> <op> <number>[unit]`
 * with `<`, `<=`, `>`, `>=`, `==`, `!=`; latencies take `us`, `ms` (the default) or `s`. `leak == no-leak` checks
 * the leak verdict. Relative budgets compare two rows measured in the same run: `<row>.<metric> <op> [<factor> *]
 * <row>.<metric>`. Metrics: the gateable figures of the figure registry (`harness/figures/index.ts`).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { CLIENT_NAMES } from '../../clients/index.ts';
import { usageError } from '../errors.ts';
import { FIGURES, type FigureRegistry } from '../figures/index.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { rowName } from '../scenario/scenario-schema.ts';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** How a budget reads a row's runs: their median, or every one of them. */
export type RunsJudged = 'median' | 'all';

/** The suffixes that say how a budget reads the runs: `in all runs`, `on the median`, `by majority` (leak). */
const RUNS_SUFFIX = /\s+(in all runs|on the median|by majority)\s*$/;

/** A parsed budget. `line` is 1-based in the budgets file. */
export type Budget =
  | {
      kind: 'absolute';
      scenario: string;
      row: string;
      metric: string;
      op: Op;
      value: number;
      /** Judged on the median of the runs, or on every run (`in all runs`; the default of count-like metrics). */
      runs: RunsJudged;
      text: string;
      line: number;
    }
  | {
      kind: 'leak';
      scenario: string;
      row: string;
      op: '==' | '!=';
      verdict: 'leak' | 'no-leak' | 'inconclusive';
      /** Every run's verdict must hold (the default), or the verdict most runs got (`by majority`). */
      runs: 'all' | 'majority';
      text: string;
      line: number;
    }
  | {
      kind: 'relative';
      scenario: string;
      left: { row: string; metric: string };
      op: Op;
      factor: number;
      right: { row: string; metric: string };
      text: string;
      line: number;
    };

/** A validated budgets file. */
export interface Budgets {
  readonly alpha: number;
  readonly minEffect: number;
  readonly budgets: readonly Budget[];
  /** The figure registry whose metrics the budgets name (and `gate` reads). Default: `FIGURES`. */
  readonly figures?: FigureRegistry;
}

const FileSchema = z.strictObject({
  alpha: z
    .number({ error: 'alpha must be a number between 0 and 1, e.g. 0.05' })
    .gt(0, 'alpha must be above 0')
    .lt(1, 'alpha must be below 1')
    .default(0.05),
  minEffect: z
    .number({ error: 'minEffect must be a relative change such as 0.1 (10%)' })
    .min(0, 'minEffect must be ≥ 0')
    .max(100, 'minEffect must be ≤ 100')
    .default(0.1),
  scenarios: z.record(
    z.string(),
    z.strictObject(
      {
        rows: z
          .record(
            z.string(),
            z.array(z.string({ error: 'a budget is a string such as "p99 < 50ms"' }), {
              error: 'a row holds a list of budgets such as ["p99 < 50ms"]',
            }),
          )
          .default({}),
        relative: z
          .array(z.string({ error: 'a relative budget is a string such as "pooled.p99 <= 0.5 * naive-fetch.p99"' }))
          .default([]),
      },
      { error: 'a scenario holds rows: and/or relative:' },
    ),
    { error: 'scenarios must map scenario names to their rows and relative budgets' },
  ),
});

const OP = '(<=|>=|==|!=|<|>)';
const ABSOLUTE = new RegExp(
  `^\\s*([A-Za-z][\\w.]*)\\s*${OP}\\s*(-?\\d+(?:\\.\\d+)?(?:e-?\\d+)?)\\s*(us|µs|ms|s)?\\s*$`,
);
const LEAK = /^\s*leak\s*(==|!=)\s*(leak|no-leak|inconclusive)\s*$/;
const RELATIVE = new RegExp(
  `^\\s*([a-z0-9][a-z0-9-]*)\\.([A-Za-z][\\w.]*)\\s*${OP}\\s*(?:(\\d+(?:\\.\\d+)?)\\s*\\*\\s*)?([a-z0-9][a-z0-9-]*)\\.([A-Za-z][\\w.]*)\\s*$`,
);
const UNIT_TO_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

/**
 * Reads and validates a budgets file.
 * @param extraRows row names known beyond the scenarios' own and the registered clients: users' client modules
 *   (`--client ./consul-kv-client.ts` makes a row `consul-kv-client`), e.g. the rows of the reports being gated.
 * @throws {BenchError} `USAGE` (exit 2): `<file>:<line>: <what is wrong>: <the fix>`.
 */
export async function loadBudgets(file: string, abs: string, extraRows: readonly string[] = []): Promise<Budgets> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw usageError(`${file}: no such budgets file (${abs}): see .github/consul-kv-bench-budgets.yml`);
  }
  return parseBudgets(text, file, extraRows);
}

/**
 * Parses budgets from text (YAML or JSON).
 * @param file name used in messages.
 * @param extraRows row names known beyond the scenarios' own and the registered clients (see {@link loadBudgets}).
 * @param figures the figure registry whose gateable figures budgets may name. Default `FIGURES`.
 * @throws {BenchError} `USAGE` naming the file, line and fix.
 */
export function parseBudgets(
  text: string,
  file: string,
  extraRows: readonly string[] = [],
  figures: FigureRegistry = FIGURES,
): Budgets {
  const METRICS = figures.metrics();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lines.linePos(e.pos[0]).line;
    throw usageError(`${file}:${line}: not valid YAML (${e.message.split('\n')[0]}): fix the syntax`);
  }
  const lineOf = (path: readonly (string | number)[]): number => {
    // a map key's own line (the value of `scenarios.light` starts on the next line)
    const last = path.at(-1);
    if (typeof last === 'string') {
      const parent = doc.getIn(path.slice(0, -1), true) as
        | { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> }
        | undefined;
      const pair = parent?.items?.find((i) => i.key?.value === last);
      if (pair?.key?.range) return lines.linePos(pair.key.range[0]).line;
    }
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const parsed = FileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const where = path.length ? ` (${path.join('.')})` : '';
    const unknownKey =
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}: use alpha, minEffect and scenarios; a scenario has rows and relative`
        : issue.message;
    throw usageError(`${file}:${lineOf(path)}: ${unknownKey}${where}`);
  }
  const known = scenarioNames();
  const budgets: Budget[] = [];
  for (const [scenario, spec] of Object.entries(parsed.data.scenarios)) {
    if (!known.includes(scenario))
      throw usageError(
        `${file}:${lineOf(['scenarios', scenario])}: unknown scenario ${JSON.stringify(scenario)}: use one of ${known.join(', ')}`,
      );
    const rows = new Set([...loadScenario(scenario).clients.map(rowName), ...CLIENT_NAMES, ...extraRows]);
    const checkRow = (row: string, path: (string | number)[]): void => {
      if (!rows.has(row))
        throw usageError(
          `${file}:${lineOf(path)}: unknown row ${JSON.stringify(row)} in ${scenario}: use one of ${[...rows].join(', ')}`,
        );
    };
    const checkMetric = (metric: string, path: (string | number)[]): void => {
      if (!Object.hasOwn(METRICS, metric))
        throw usageError(
          `${file}:${lineOf(path)}: unknown metric ${JSON.stringify(metric)}: use one of ${Object.keys(METRICS).join(', ')}, or leak`,
        );
    };
    for (const [row, list] of Object.entries(spec.rows)) {
      checkRow(row, ['scenarios', scenario, 'rows', row]);
      list.forEach((expr, i) => {
        const path = ['scenarios', scenario, 'rows', row, i];
        const line = lineOf(path);
        const suffix = RUNS_SUFFIX.exec(expr)?.[1];
        const core = suffix ? expr.replace(RUNS_SUFFIX, '') : expr;
        const leak = LEAK.exec(core);
        if (leak) {
          if (suffix === 'on the median') {
            throw usageError(`${file}:${line}: a leak budget is judged in all runs or by majority, not on the median`);
          }
          budgets.push({
            kind: 'leak',
            scenario,
            row,
            op: leak[1] as '==' | '!=',
            verdict: leak[2] as 'leak' | 'no-leak' | 'inconclusive',
            runs: suffix === 'by majority' ? 'majority' : 'all',
            text: expr.trim(),
            line,
          });
          return;
        }
        if (suffix === 'by majority') {
          throw usageError(
            `${file}:${line}: "by majority" is for leak budgets: write "in all runs" or "on the median"`,
          );
        }
        const m = ABSOLUTE.exec(core);
        if (!m)
          throw usageError(
            `${file}:${line}: cannot read budget ${JSON.stringify(expr)}: write <metric> <op> <number>[unit], e.g. "p99 < 50ms", "rps > 1000", "errors == 0", "leak == no-leak"`,
          );
        const [, metric, op, num, unit] = m as unknown as [string, string, Op, string, string | undefined];
        checkMetric(metric, path);
        if (unit && METRICS[metric]!.unit !== 'ms')
          throw usageError(
            `${file}:${line}: ${metric} is in ${METRICS[metric]!.unit}, not a duration: drop the unit ${unit}`,
          );
        budgets.push({
          kind: 'absolute',
          scenario,
          row,
          metric,
          op,
          value: Number(num) * (unit ? UNIT_TO_MS[unit]! : 1),
          runs: suffix === 'in all runs' ? 'all' : suffix === 'on the median' ? 'median' : METRICS[metric]!.judged,
          text: expr.trim(),
          line,
        });
      });
    }
    spec.relative.forEach((expr, i) => {
      const path = ['scenarios', scenario, 'relative', i];
      const line = lineOf(path);
      const m = RELATIVE.exec(expr);
      if (!m)
        throw usageError(
          `${file}:${line}: cannot read relative budget ${JSON.stringify(expr)}: write <row>.<metric> <op> [<factor> *] <row>.<metric>, e.g. "pooled.p99 <= 0.5 * naive-fetch.p99"`,
        );
      const [, lrow, lmetric, op, factor, rrow, rmetric] = m as unknown as [
        string,
        string,
        string,
        Op,
        string | undefined,
        string,
        string,
      ];
      checkRow(lrow, path);
      checkRow(rrow, path);
      checkMetric(lmetric, path);
      checkMetric(rmetric, path);
      budgets.push({
        kind: 'relative',
        scenario,
        left: { row: lrow, metric: lmetric },
        op,
        factor: factor === undefined ? 1 : Number(factor),
        right: { row: rrow, metric: rmetric },
        text: expr.trim(),
        line,
      });
    });
  }
  if (budgets.length === 0)
    throw usageError(
      `${file}:1: no budgets: add scenarios.<name>.rows.<row>: ["p99 < 50ms"] (see .github/consul-kv-bench-budgets.yml)`,
    );
  return {
    alpha: parsed.data.alpha,
    minEffect: parsed.data.minEffect,
    budgets,
    ...(figures !== FIGURES ? { figures } : {}),
  };
}
