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
import { ERROR_CAUSES } from '../../clients/index.ts';
import { reproductionSection } from './article-reproduction.ts';
import { bytes, int, msFromUs } from './format.ts';
import { renderHtml } from './html-report.ts';
import { phaseP99 } from './leak-report.ts';
import { LESSON_LINES, type LessonLine, type OurFigure } from './lesson-table.ts';
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

/** Our side of one line: the figures of the two rows, and the factor by which the better one did better. */
type OurSide = Pick<ArticleComparison, 'ours' | 'ourRatio' | 'ourRatioAtLeast'>;

const NOT_MEASURED: OurSide = { ours: 'not measured', ourRatio: null };

/** `worse figure → better figure` of two rows, with the factor `worse / better` (or `better / worse` for `higher`). */
function pairOf(
  a: ResultRow | undefined,
  b: ResultRow | undefined,
  value: (r: ResultRow) => number | null | undefined,
  show: (v: number, r: ResultRow) => string,
  higherIsBetter = false,
): OurSide {
  const va = a ? value(a) : undefined;
  const vb = b ? value(b) : undefined;
  if (!a || !b || va === null || va === undefined || vb === null || vb === undefined) return NOT_MEASURED;
  return {
    ours: `${a.client} ${show(va, a)} → ${b.client} ${show(vb, b)}`,
    ourRatio: higherIsBetter ? factor(vb, va) : factor(va, vb),
  };
}

const drainP99 = (r: ResultRow): number | null => {
  const d = phase(r, 'drain');
  return d && d.ok > 0 ? d.latencyUs.p99 : null;
};
const faultP99 = (p: PhaseResult) =>
  `${phaseP99(p)} ms (uncorrected ${p.uncorrectedLatencyUs && p.requests > 0 ? ms(p.uncorrectedLatencyUs.p99) : '–'}; ${int(p.censored ?? 0)} of ${int(p.requests + (p.censored ?? 0))} censored)`;

/** How each kind of line reads our side from its two rows (`worse`, `better`), the names in `lesson-table.ts`. */
const OUR_FIGURES: Readonly<Record<OurFigure, (w: ResultRow | undefined, b: ResultRow | undefined) => OurSide>> = {
  rps: (w, b) =>
    pairOf(
      w,
      b,
      (r) => r.rps,
      (v) => `${int(v)} RPS`,
      true,
    ),
  p99: (w, b) =>
    pairOf(
      w,
      b,
      (r) => r.latencyUs.p99,
      (v) => ms(v),
    ),
  connectionsPeak: (w, b) =>
    pairOf(
      w,
      b,
      (r) => r.consulConnectionsPeak,
      (v) => int(v),
    ),
  allocPerRequest: (w, b) =>
    pairOf(
      w,
      b,
      (r) => r.allocatedBytesPerRequest ?? r.heapBytesPerRequest,
      (v) => bytes(v),
    ),
  faultP99Open: (w, b) => {
    const pw = phase(w, 'fault');
    const pb = phase(b, 'fault');
    if (!pw || !pb) return NOT_MEASURED;
    return {
      ours: `leaky ${faultP99(pw)} → fixed ${faultP99(pb)}`,
      ourRatio: factor(pw.latencyUs.p99, pb.latencyUs.p99),
      ourRatioAtLeast: phaseP99(pw).startsWith('≥'),
    };
  },
  drainP99: (w, b) => {
    const [dw, db] = [w && drainP99(w), b && drainP99(b)];
    if (dw == null || db == null) return NOT_MEASURED;
    return { ours: `leaky ${ms(dw)} → fixed ${ms(db)}`, ourRatio: factor(dw, db) };
  },
  stallOutcome: (w, b) =>
    w && b
      ? {
          ours: `leaky: ${int(w.errors.timeouts)} never answered (the load generator gave up after its timeout) → fixed: ${int(b.errors.clientTimeout)} answered ${ERROR_CAUSES.clientTimeout.status} when its own timeout fired`,
          ourRatio: null,
        }
      : NOT_MEASURED,
  pileUpAtEnd: (w, b) =>
    w?.leak && b?.leak
      ? {
          ours: `leaky ${int(w.leak.evidence.inFlight?.drainEnd ?? 0)} → fixed ${int(b.leak.evidence.inFlight?.drainEnd ?? 0)} at the end of the drain (peaks ${int(w.inFlightPeak ?? 0)} and ${int(b.inFlightPeak ?? 0)}; verdicts ${w.leak.verdict}, ${b.leak.verdict})`,
          ourRatio: factor(w.leak.evidence.inFlight?.drainEnd, Math.max(1, b.leak.evidence.inFlight?.drainEnd ?? 0)),
        }
      : NOT_MEASURED,
  pileUpRate: (w, b) => {
    const wi = w?.leak?.evidence.inFlight;
    if (!wi) return NOT_MEASURED;
    const bi = b?.leak?.evidence.inFlight;
    const rate = bi ? `${bi.faultSlopePerS >= 0 ? '+' : ''}${bi.faultSlopePerS.toFixed(1)}/s` : '–';
    return { ours: `leaky +${wi.faultSlopePerS.toFixed(1)} in flight/s; fixed ${rate}`, ourRatio: null };
  },
  propagationP50: (w, b) => {
    const [sw, sb] = [w?.staleness?.propagationUs, b?.staleness?.propagationUs];
    if (!sw || !sb) return NOT_MEASURED;
    return {
      ours: `${w!.client} ${ms(sw.p50)} → ${b!.client} ${ms(sb.p50)} (p99 ${ms(sw.p99)} → ${ms(sb.p99)})`,
      ourRatio: factor(sw.p50, sb.p50),
    };
  },
  consulRequestsPerSecond: (w, b) => {
    const [rw, rb] = [w?.staleness?.consulRequestsPerSecond, b?.staleness?.consulRequestsPerSecond];
    if (!w?.staleness || !b?.staleness) return NOT_MEASURED;
    return {
      ours: `${w.client} ${int(rw ?? 0)}/s → ${b.client} ${(rb ?? 0).toFixed(1)}/s`,
      ourRatio: factor(rw, rb),
    };
  },
};

/**
 * The Go articles' figures (docs/ARTICLES.md) beside this report's, lesson by lesson, rendered from the lesson
 * table (`lesson-table.ts`). Lines whose scenario or rows the report lacks say `not measured`.
 */
export function articleComparisons(report: Report, lines: readonly LessonLine[] = LESSON_LINES): ArticleComparison[] {
  return lines.map((l) => ({
    lesson: l.lesson,
    measure: l.measure,
    theirs: l.theirs,
    theirRatio: l.theirRatio,
    ...OUR_FIGURES[l.figure](find(report, l.scenario, l.worse), find(report, l.scenario, l.better)),
  }));
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
