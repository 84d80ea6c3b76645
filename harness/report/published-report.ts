/**
 * The committed comparison report (`reports/README.md` and `reports/README.html`): every scenario's tables and
 * charts from one run, the Go articles' figures beside ours as ratios, and the machine, versions and exact
 * commands behind them. Rendered from raw results (`report.json`) only; measures nothing. `npm run report:all`
 * (`consul-kv-bench publish`) runs every scenario and calls this.
 *
 * The articles' figures are those summarised in docs/ARTICLES.md, as the articles state them (Go, their
 * machines); ours are read from the report. A ratio is always "how many times better the recommended practice
 * did than the one it replaces", computed within one run, so the two columns compare like with like.
 *
 * @module
 */

import { markdownTable } from 'markdown-table';
import { reproductionSection } from './article-reproduction.ts';
import { bytes, int, msFromUs } from './format.ts';
import { renderHtml } from './html-report.ts';
import { phaseP99 } from './leak-report.ts';
import { describeRun, failuresMarkdown, HOW_TO_READ, scenarioMarkdown } from './markdown-report.ts';
import type { PhaseResult, Report, ResultRow } from './report-schema.ts';

/** One lesson of the Go articles, with their figures and ours. */
export interface ArticleComparison {
  /** Which article and lesson (docs/ARTICLES.md section). */
  readonly lesson: string;
  /** What is compared, e.g. `p99 latency`. */
  readonly measure: string;
  /** The article's figures as published, e.g. `412 ms → 118 ms`. */
  readonly theirs: string;
  /** Their improvement factor, e.g. 3.49 (null: the article gives no ratio). */
  readonly theirRatio: number | null;
  /** Our figures, with the rows compared, e.g. `fresh-connection 244 ms → pooled 151 ms`; `not measured` when absent. */
  readonly ours: string;
  /** Our improvement factor in this run (null: not measured, or a zero in the denominator). */
  readonly ourRatio: number | null;
  /** The factor is a lower bound (its worse side was censored at the load generator's timeout). Default false. */
  readonly ourRatioAtLeast?: boolean;
}

const find = (report: Report, scenario: string, client: string): ResultRow | undefined =>
  report.scenarios.find((s) => s.name === scenario)?.results.find((r) => r.client === client);
const factor = (worse: number | null | undefined, better: number | null | undefined): number | null =>
  worse === null || worse === undefined || better === null || better === undefined || better <= 0
    ? null
    : worse / better;
const phase = (r: ResultRow | undefined, name: 'baseline' | 'fault' | 'drain') =>
  r?.phases?.find((p) => p.name === name);
const ms = (us: number): string => `${msFromUs(us)} ms`;

/**
 * The Go articles' figures (docs/ARTICLES.md) beside this report's, lesson by lesson. Rows whose scenario or
 * clients the report lacks say `not measured`.
 */
export function articleComparisons(report: Report): ArticleComparison[] {
  const fresh = find(report, 'articles', 'fresh-connection');
  const pooled = find(report, 'articles', 'pooled');
  const watch = find(report, 'articles', 'watch-cached');
  const leaky = find(report, 'network-stall', 'leaky-without-abort');
  const fixed = find(report, 'network-stall', 'fixed');
  const wPooled = find(report, 'watch-propagation', 'pooled');
  const wWatch = find(report, 'watch-propagation', 'watch-cached');
  const wPoll = find(report, 'watch-propagation', 'polling');
  const out: ArticleComparison[] = [];
  const pair = (a: ResultRow | undefined, b: ResultRow | undefined, f: (r: ResultRow) => string): string =>
    a && b ? `${a.client} ${f(a)} → ${b.client} ${f(b)}` : 'not measured';
  const lesson1 = '1. Pool connections, watch';

  out.push(
    {
      lesson: lesson1,
      measure: 'throughput (QPS/RPS)',
      theirs: '382 → 1 211 QPS',
      theirRatio: 1211 / 382,
      ours: pair(fresh, pooled, (r) => `${int(r.rps)} RPS`),
      ourRatio: factor(pooled?.rps, fresh?.rps),
    },
    {
      lesson: lesson1,
      measure: 'throughput, watch + local cache',
      theirs: '382 → 1 211 QPS',
      theirRatio: 1211 / 382,
      ours: pair(fresh, watch, (r) => `${int(r.rps)} RPS`),
      ourRatio: factor(watch?.rps, fresh?.rps),
    },
    {
      lesson: lesson1,
      measure: 'p99 latency',
      theirs: '412 ms → 118 ms',
      theirRatio: 412 / 118,
      ours: pair(fresh, pooled, (r) => ms(r.latencyUs.p99)),
      ourRatio: factor(fresh?.latencyUs.p99, pooled?.latencyUs.p99),
    },
    {
      lesson: lesson1,
      measure: 'p99 latency, watch + local cache',
      theirs: '412 ms → 118 ms',
      theirRatio: 412 / 118,
      ours: pair(fresh, watch, (r) => ms(r.latencyUs.p99)),
      ourRatio: factor(fresh?.latencyUs.p99, watch?.latencyUs.p99),
    },
    {
      lesson: lesson1,
      measure: 'peak TCP connections (to Consul)',
      theirs: '1 840 → 212',
      theirRatio: 1840 / 212,
      ours: pair(fresh, pooled, (r) => int(r.consulConnectionsPeak)),
      ourRatio: factor(fresh?.consulConnectionsPeak, pooled?.consulConnectionsPeak),
    },
    {
      lesson: lesson1,
      measure: 'memory allocated per request',
      theirs: '1.2 MB → 0.3 MB',
      theirRatio: 1.2 / 0.3,
      ours: pair(fresh, pooled, (r) => bytes(r.allocatedBytesPerRequest ?? r.heapBytesPerRequest)),
      ourRatio: factor(
        fresh?.allocatedBytesPerRequest ?? fresh?.heapBytesPerRequest,
        pooled?.allocatedBytesPerRequest ?? pooled?.heapBytesPerRequest,
      ),
    },
  );

  const lesson2 = '2. Cancel or time out';
  const oLeaky = phase(find(report, 'network-stall-open', 'leaky-without-abort'), 'fault');
  const oFixed = phase(find(report, 'network-stall-open', 'fixed'), 'fault');
  const faultP99 = (p: PhaseResult) =>
    `${phaseP99(p)} ms (uncorrected ${p.uncorrectedLatencyUs && p.requests > 0 ? ms(p.uncorrectedLatencyUs.p99) : '–'}; ${int(p.censored ?? 0)} of ${int(p.requests + (p.censored ?? 0))} censored)`;
  out.push({
    lesson: lesson2,
    measure: 'p99 latency during the stall, open model at a fixed rate (corrected; uncorrected beside)',
    theirs: '2 100 ms → 42 ms',
    theirRatio: 2100 / 42,
    ours: oLeaky && oFixed ? `leaky ${faultP99(oLeaky)} → fixed ${faultP99(oFixed)}` : 'not measured',
    ourRatio: oLeaky && oFixed ? factor(oLeaky.latencyUs.p99, oFixed.latencyUs.p99) : null,
    ourRatioAtLeast: oLeaky ? phaseP99(oLeaky).startsWith('≥') : false,
  });
  const drainP99 = (r: ResultRow | undefined) => {
    const d = phase(r, 'drain');
    return d && d.ok > 0 ? d.latencyUs.p99 : null;
  };
  out.push(
    {
      lesson: lesson2,
      measure: 'p99 latency (Go: over hours of network blips; ours: in the drain after the stall)',
      theirs: '2 100 ms → 42 ms',
      theirRatio: 2100 / 42,
      ours:
        drainP99(leaky) !== null && drainP99(fixed) !== null
          ? `leaky ${ms(drainP99(leaky)!)} → fixed ${ms(drainP99(fixed)!)}`
          : 'not measured',
      ourRatio: factor(drainP99(leaky), drainP99(fixed)),
    },
    {
      lesson: lesson2,
      measure: 'requests during the stall',
      theirs: 'hang (no timeout) → fail at 500 ms',
      theirRatio: null,
      ours:
        leaky && fixed
          ? `leaky: ${int(leaky.errors.timeouts)} never answered (the load generator gave up after its timeout) → fixed: ${int(fixed.errors.clientTimeout)} answered 503 when its own timeout fired`
          : 'not measured',
      ourRatio: null,
    },
    {
      lesson: lesson2,
      measure: 'what piles up (Go: goroutines; Node: requests in flight to Consul), at the end',
      theirs: '> 10 000 (after 4 h) → < 200',
      theirRatio: 10_000 / 200,
      ours:
        leaky?.leak && fixed?.leak
          ? `leaky ${int(leaky.leak.evidence.inFlight?.drainEnd ?? 0)} → fixed ${int(fixed.leak.evidence.inFlight?.drainEnd ?? 0)} at the end of the drain (peaks ${int(leaky.inFlightPeak ?? 0)} and ${int(fixed.inFlightPeak ?? 0)}; verdicts ${leaky.leak.verdict}, ${fixed.leak.verdict})`
          : 'not measured',
      ourRatio: factor(
        leaky?.leak?.evidence.inFlight?.drainEnd,
        Math.max(1, fixed?.leak?.evidence.inFlight?.drainEnd ?? 0),
      ),
    },
    {
      lesson: lesson2,
      measure: 'pile-up rate during the fault',
      theirs: '20+ goroutines/s',
      theirRatio: null,
      ours: leaky?.leak?.evidence.inFlight
        ? `leaky +${leaky.leak.evidence.inFlight.faultSlopePerS.toFixed(1)} in flight/s; fixed ${fixed?.leak?.evidence.inFlight ? `${fixed.leak.evidence.inFlight.faultSlopePerS >= 0 ? '+' : ''}${fixed.leak.evidence.inFlight.faultSlopePerS.toFixed(1)}/s` : '–'}`
        : 'not measured',
      ourRatio: null,
    },
  );

  const lesson3 = '3. Blocking queries, not polling';
  const prop = (r: ResultRow | undefined, k: 'p50' | 'p99') => r?.staleness?.propagationUs[k];
  out.push(
    {
      lesson: lesson3,
      measure: 'change propagation delay, p50 (polling → watch)',
      theirs: 'polling ≥ its interval; long polling ~100 ms–5 s',
      theirRatio: null,
      ours:
        wPoll?.staleness && wWatch?.staleness
          ? `polling ${ms(prop(wPoll, 'p50')!)} → watch-cached ${ms(prop(wWatch, 'p50')!)} (p99 ${ms(prop(wPoll, 'p99')!)} → ${ms(prop(wWatch, 'p99')!)})`
          : 'not measured',
      ourRatio: factor(prop(wPoll, 'p50'), prop(wWatch, 'p50')),
    },
    {
      lesson: '5. A local cache, not a read per request',
      measure: 'KV requests Consul serves per second, one service instance',
      theirs: 'no figure given',
      theirRatio: null,
      ours:
        wPooled?.staleness && wWatch?.staleness
          ? `pooled ${int(wPooled.staleness.consulRequestsPerSecond ?? 0)}/s → watch-cached ${(wWatch.staleness.consulRequestsPerSecond ?? 0).toFixed(1)}/s`
          : 'not measured',
      ourRatio: factor(wPooled?.staleness?.consulRequestsPerSecond, wWatch?.staleness?.consulRequestsPerSecond),
    },
  );
  return out;
}

const times = (n: number | null, atLeast = false): string =>
  n === null ? '–' : `${atLeast ? '≥ ' : ''}${n >= 100 ? int(n) : n.toFixed(n >= 10 ? 1 : 2)}×`;

/** The comparison with the Go articles as a markdown section. */
export function articleSection(report: Report): string[] {
  const rows = articleComparisons(report);
  const stall = (
    report.scenarios.find((s) => s.name === 'network-stall')?.settings as { phases?: { faultS?: number } } | undefined
  )?.phases?.faultS;
  return [
    "## The Go articles' figures beside ours",
    '',
    "Their figures are from Go, on their machines, as the articles state them (summarised in the project's seeds); ours are from this run. Compare the ratios, not the absolute numbers: each ratio is how many times better the recommended practice did than the one it replaces, measured in the same run.",
    '',
    markdownTable(
      [
        ['lesson', 'measure', 'theirs (Go)', 'their ratio', 'ours (Node.js, this run)', 'our ratio'],
        // a lesson's text only on its first row
        ...rows.map((r, i) => [
          i > 0 && rows[i - 1]!.lesson === r.lesson ? '' : r.lesson,
          r.measure,
          r.theirs,
          times(r.theirRatio),
          r.ours,
          times(r.ourRatio, r.ourRatioAtLeast),
        ]),
      ],
      { align: ['l', 'l', 'l', 'r', 'l', 'r'], alignDelimiters: false },
    ),
    '',
    'What is compared with what:',
    '',
    '1. **Pool connections, watch** (500 readers, 1 KB values): Go\'s default client opens a new connection per request, as our `fresh-connection` does; their "pooled transport + watch" is our `pooled` (keep-alive pool) and `watch-cached` (blocking-query watch into a local map), scenario `articles`.',
    `2. **Cancel or time out** (a network stall): Go without a context timeout, then with a 500 ms one; ours \`leaky-without-abort\` (retries that never cancel) and \`fixed\` (the same code with a deadline), Consul's answers stalled by Toxiproxy${stall === undefined ? '' : ` for ${stall} s`}, scenario \`network-stall\`. Our closed-model load generator gives up on a request after its timeout, so hung requests show as load timeouts, not as latency; the p99 compared is the drain's, after the stall. Scenario \`network-stall-open\` runs the same stall in the open model: requests keep arriving at a fixed rate whatever the answers, as users' requests do, so the stall shows as latency; its fault-phase p99 is corrected (from each request's intended send time), and a request never answered counts at the generator's timeout (\`≥\`: at least that long). In both scenarios the clients with a deadline use the article's 500 ms.`,
    '3. **Blocking queries, not polling**: writes under read load, scenario `watch-propagation`; `polling` reads every 1 s.',
    "5. **A local cache, not a read per request** (client-go's informers): what one service instance costs Consul, `pooled` against `watch-cached`, scenario `watch-propagation`.",
    '',
  ];
}

/** Where the published report came from. */
export interface PublishSource {
  /** The raw results, merged when there are several sources. */
  readonly report: Report;
  /** Each source report.json: `link` relative to the README's folder, `path` as given on the command line, its own date and command. */
  readonly sources: readonly {
    readonly link: string;
    readonly path: string;
    readonly createdAt: string;
    /** ISO 8601 end of that run; null when it did not finish. */
    readonly finishedAt: string | null;
    readonly command: string;
    readonly status: string;
  }[];
  /** The command that regenerates everything, e.g. `npm run report:all`. */
  readonly regenerate: string;
}

const runLines = (p: PublishSource): string[] =>
  p.sources.map((s) => `- **Run**: \`${s.command}\` at ${s.createdAt} (${s.status})`);

/** Wall time of the runs behind the page, e.g. `46 min on 2 CPUs`, from their own start and end; null when one did not finish. */
function wallTime(p: PublishSource): string | null {
  let ms = 0;
  for (const s of p.sources) {
    if (!s.finishedAt) return null;
    ms += Date.parse(s.finishedAt) - Date.parse(s.createdAt);
  }
  if (!Number.isFinite(ms) || ms <= 0) return null;
  return `${Math.max(1, Math.round(ms / 60_000))} min on ${p.report.environment.cpuCount} CPUs`;
}

/** The opening paragraphs; `htmlName` null for the HTML page itself (no link to itself). */
function opening(p: PublishSource, htmlName: string | null): string[] {
  const scenarios = p.report.scenarios.map((s) => (htmlName ? `[${s.name}](#${s.name})` : s.name)).join(', ');
  const took = wallTime(p);
  return [
    `Every scenario of consul-kv-bench on a real Consul: ${scenarios}.${htmlName ? ` Charts of every table: [${htmlName}](${htmlName}) (self-contained; open it in a browser).` : ''} Raw results: ${p.sources.map((s) => `[${s.link}](${s.link})`).join(', ')}.`,
    '',
    `Regenerate: \`${p.regenerate}\` (runs every scenario${took ? `; the run behind this page took ${took}` : ''}), or render this page again from the raw results without re-running: \`npm run -s cli -- publish --from ${p.sources.map((s) => s.path).join(' ')}\`.`,
    '',
  ];
}

const NOISE =
  'These machines are shared and noisy: compare rows within one scenario (same run, same machine) as ratios, and re-run before reading much into a few percent.';

/** `reports/README.md`: intro, machine and commands, the articles' ratios, then every scenario's full section. */
export function renderPublishedMarkdown(p: PublishSource, htmlName: string): string {
  const out: string[] = [
    '# consul-kv-bench: the comparison report',
    '',
    ...opening(p, htmlName),
    '## Machine, versions and commands',
    '',
    ...describeRun(p.report),
    ...runLines(p),
    '',
    NOISE,
    '',
    ...articleSection(p.report),
    ...reproductionSection(p.report),
  ];
  for (const s of p.report.scenarios) {
    const { head, rest } = scenarioMarkdown(s, { linkBase: '' });
    out.push(...head, ...rest);
  }
  out.push(...failuresMarkdown(p.report), ...HOW_TO_READ);
  return out.join('\n');
}

/** `reports/README.html`: the same, with every chart. */
export function renderPublishedHtml(p: PublishSource): string {
  return renderHtml(p.report, {
    title: 'consul-kv-bench: the comparison report',
    intro: opening(p, null),
    runLines: [...runLines(p), '', NOISE],
    afterRun: [...articleSection(p.report), ...reproductionSection(p.report)],
  });
}
