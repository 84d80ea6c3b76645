/**
 * Which of our rows answer which of the Go articles' lessons, and the articles' own figures, as data: the published
 * report's "figures beside ours" table (`published-report.ts`) and "the articles reproduced" table
 * (`article-reproduction.ts`) are rendered from these tables, and {@link validateLessonTables} checks that every
 * scenario and row they name exists (a test runs it), so renaming a client cannot silently print "not measured".
 * The articles' figures are summarised in docs/ARTICLES.md.
 *
 * @module
 */
import { CLIENT_NAMES } from '../../clients/index.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { rowName } from '../scenario/scenario-schema.ts';

/** How our side of a comparison is read from a scenario's two rows (see `published-report.ts`, `OUR_FIGURES`). */
export type OurFigure =
  | 'rps'
  | 'p99'
  | 'connectionsPeak'
  | 'allocPerRequest'
  | 'faultP99Open'
  | 'drainP99'
  | 'stallOutcome'
  | 'pileUpAtEnd'
  | 'pileUpRate'
  | 'propagationP50'
  | 'consulRequestsPerSecond';

/** One line of the "figures beside ours" table: the article's measure and ours, from two rows of one scenario. */
export interface LessonLine {
  readonly lesson: string;
  readonly measure: string;
  /** The article's figures as it states them. */
  readonly theirs: string;
  /** The article's improvement factor; null when it gives none. */
  readonly theirRatio: number | null;
  /** Where ours are measured. */
  readonly scenario: string;
  /** The practice the article warns against, and the one it recommends: row names of `scenario`. */
  readonly worse: string;
  readonly better: string;
  readonly figure: OurFigure;
}

const L1 = '1. Pool connections, watch';
const L2 = '2. Cancel or time out';
const L3 = '3. Blocking queries, not polling';
const L5 = '5. A local cache, not a read per request';

/** The "figures beside ours" table, in order. */
export const LESSON_LINES: readonly LessonLine[] = [
  {
    lesson: L1,
    measure: 'throughput (QPS/RPS)',
    theirs: '382 → 1 211 QPS',
    theirRatio: 1211 / 382,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'pooled',
    figure: 'rps',
  },
  {
    lesson: L1,
    measure: 'throughput, watch + local cache',
    theirs: '382 → 1 211 QPS',
    theirRatio: 1211 / 382,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'watch-cached',
    figure: 'rps',
  },
  {
    lesson: L1,
    measure: 'p99 latency',
    theirs: '412 ms → 118 ms',
    theirRatio: 412 / 118,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'pooled',
    figure: 'p99',
  },
  {
    lesson: L1,
    measure: 'p99 latency, watch + local cache',
    theirs: '412 ms → 118 ms',
    theirRatio: 412 / 118,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'watch-cached',
    figure: 'p99',
  },
  {
    lesson: L1,
    measure: 'peak TCP connections (to Consul)',
    theirs: '1 840 → 212',
    theirRatio: 1840 / 212,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'pooled',
    figure: 'connectionsPeak',
  },
  {
    lesson: L1,
    measure: 'memory allocated per request',
    theirs: '1.2 MB → 0.3 MB',
    theirRatio: 1.2 / 0.3,
    scenario: 'articles',
    worse: 'fresh-connection',
    better: 'pooled',
    figure: 'allocPerRequest',
  },
  {
    lesson: L2,
    measure: 'p99 latency during the stall, open model at a fixed rate (corrected; uncorrected beside)',
    theirs: '2 100 ms → 42 ms',
    theirRatio: 2100 / 42,
    scenario: 'network-stall-open',
    worse: 'leaky-without-abort',
    better: 'fixed',
    figure: 'faultP99Open',
  },
  {
    lesson: L2,
    measure: 'p99 latency (Go: over hours of network blips; ours: in the drain after the stall)',
    theirs: '2 100 ms → 42 ms',
    theirRatio: 2100 / 42,
    scenario: 'network-stall',
    worse: 'leaky-without-abort',
    better: 'fixed',
    figure: 'drainP99',
  },
  {
    lesson: L2,
    measure: 'requests during the stall',
    theirs: 'hang (no timeout) → fail at 500 ms',
    theirRatio: null,
    scenario: 'network-stall',
    worse: 'leaky-without-abort',
    better: 'fixed',
    figure: 'stallOutcome',
  },
  {
    lesson: L2,
    measure: 'what piles up (Go: goroutines; Node: requests in flight to Consul), at the end',
    theirs: '> 10 000 (after 4 h) → < 200',
    theirRatio: 10_000 / 200,
    scenario: 'network-stall',
    worse: 'leaky-without-abort',
    better: 'fixed',
    figure: 'pileUpAtEnd',
  },
  {
    lesson: L2,
    measure: 'pile-up rate during the fault',
    theirs: '20+ goroutines/s',
    theirRatio: null,
    scenario: 'network-stall',
    worse: 'leaky-without-abort',
    better: 'fixed',
    figure: 'pileUpRate',
  },
  {
    lesson: L3,
    measure: 'change propagation delay, p50 (polling → watch)',
    theirs: 'polling ≥ its interval; long polling ~100 ms–5 s',
    theirRatio: null,
    scenario: 'watch-propagation',
    worse: 'polling',
    better: 'watch-cached',
    figure: 'propagationP50',
  },
  {
    lesson: L5,
    measure: 'KV requests Consul serves per second, one service instance',
    theirs: 'no figure given',
    theirRatio: null,
    scenario: 'watch-propagation',
    worse: 'pooled',
    better: 'watch-cached',
    figure: 'consulRequestsPerSecond',
  },
];

/** The pairs of "the articles reproduced on one machine", by runtime: the practice warned against → recommended. */
export const REPRODUCTION_PAIRS = {
  /** Lesson 1, in `articles` and `articles-tls`. */
  pooling: {
    scenarios: ['articles', 'articles-tls'],
    go: { worse: 'go-nonpooled', pooled: 'go-default', tuned: 'go-tuned', watch: 'go-watch' },
    node: { worse: 'fresh-connection', pooled: 'pooled', watch: 'watch-cached' },
  },
  /** Lesson 2, in `network-stall`. */
  stall: {
    scenarios: ['network-stall'],
    go: { worse: 'go-leaky', better: 'go-default' },
    node: { worse: 'leaky-without-abort', better: 'fixed' },
  },
} as const;

/**
 * Every scenario and row the lesson tables name, checked against the registered scenarios and their rows (and the
 * registered clients, which `publish` and `--clients` may add to a scenario).
 * @returns one line per problem; empty when every name exists.
 */
export function validateLessonTables(
  lines: readonly LessonLine[] = LESSON_LINES,
  pairs: typeof REPRODUCTION_PAIRS = REPRODUCTION_PAIRS,
): string[] {
  const known = new Set(scenarioNames());
  const problems: string[] = [];
  const check = (scenario: string, rows: readonly string[], where: string): void => {
    if (!known.has(scenario)) {
      problems.push(`${where}: no scenario ${scenario}`);
      return;
    }
    const have = new Set<string>([...loadScenario(scenario).clients.map(rowName), ...CLIENT_NAMES]);
    for (const r of rows) if (!have.has(r)) problems.push(`${where}: ${scenario} has no row ${r}`);
  };
  for (const l of lines) check(l.scenario, [l.worse, l.better], `lesson "${l.measure}"`);
  for (const [name, p] of Object.entries(pairs)) {
    const rows = [...Object.values(p.go), ...Object.values(p.node)];
    for (const s of p.scenarios) check(s, rows, `reproduction ${name}`);
  }
  return problems;
}
