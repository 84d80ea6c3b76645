/**
 * "The articles reproduced on one machine": for each lesson, three columns side by side: the article's figure
 * (Go, their machines, docs/ARTICLES.md), our Go rows (the articles' own client, `github.com/hashicorp/consul/api`,
 * in the Go config service) and our Node rows, both from the same run on the same Consul, with and without TLS and
 * a round trip (`articles` against `articles-tls`). Rendered from raw results only; measures nothing.
 *
 * Pairs compared (the practice an article recommends against the one it replaces):
 * - pooling: Go `go-nonpooled` → `go-default` (and `go-tuned`), Node `fresh-connection` → `pooled`;
 * - the watch: Go `go-nonpooled` → `go-watch`, Node `fresh-connection` → `watch-cached`;
 * - the stall (`network-stall`): Go `go-leaky` (no context deadline) against `go-default` (a deadline): goroutines
 *   left over idle and at their peak; Node `leaky-without-abort` against `fixed`: requests in flight to Consul.
 *
 * @module
 */
import { markdownTable } from 'markdown-table';
import { bytes, int, msFromUs } from './format.ts';
import { REPRODUCTION_PAIRS } from './lesson-table.ts';
import { ERROR_BREAKDOWN, type Report, type ResultRow } from './report-schema.ts';

/** One measure of one lesson, in one scenario, in three columns. */
export interface ReproductionRow {
  readonly lesson: string;
  /** Scenario the Go and Node figures come from (`articles`, `articles-tls`, `network-stall`). */
  readonly scenario: string;
  readonly measure: string;
  readonly article: string;
  readonly go: string;
  readonly node: string;
}

const find = (report: Report, scenario: string, client: string): ResultRow | undefined =>
  report.scenarios.find((s) => s.name === scenario)?.results.find((r) => r.client === client);
const ratio = (worse: number | null | undefined, better: number | null | undefined): string =>
  worse == null || better == null || better <= 0 ? '' : ` (${(worse / better).toFixed(worse / better >= 10 ? 0 : 1)}×)`;
const alloc = (r: ResultRow): number | null => r.allocatedBytesPerRequest ?? r.heapBytesPerRequest ?? null;

/**
 * A pair's figures, `worse → better (factor×)`, the factor oriented so more is better for the recommended side.
 * @param higherIsBetter true for throughput; false for latency, connections, bytes.
 */
function pair(
  a: ResultRow | undefined,
  b: ResultRow | undefined,
  value: (r: ResultRow) => number | null,
  show: (n: number) => string,
  higherIsBetter: boolean,
): string {
  if (!a || !b) return 'not measured';
  const va = value(a);
  const vb = value(b);
  if (va === null || vb === null) return 'not measured';
  const f = higherIsBetter ? ratio(vb, va) : ratio(va, vb);
  return `${a.client} ${show(va)}${errorNote(a)} → ${b.client} ${show(vb)}${errorNote(b)}${f}`;
}

/**
 * ` [12% errors, mostly consul429]` when at least 1% of a row's requests failed, else nothing. The cause named is
 * the largest column of the scenario's "errors by cause" table (the load generator's timeouts and failed
 * connections, or the service's causes; `non2xx` is their sum, not a cause).
 */
function errorNote(r: ResultRow): string {
  const share = r.errors.total / Math.max(1, r.requests + r.errors.timeouts + r.errors.connection);
  if (share < 0.01) return '';
  const causes = ERROR_BREAKDOWN.filter((c) => c !== 'non2xx').map((c) => [c, r.errors[c] ?? 0] as const);
  const [top, n] = causes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return ` [${(share * 100).toFixed(0)}% errors${n > 0 ? `, mostly ${top}` : ''}]`;
}

const ms = (us: number): string => `${msFromUs(us)} ms`;

/** The lesson-1 rows of one scenario. */
function poolingRows(report: Report, scenario: string): ReproductionRow[] {
  const g = (c: string) => find(report, scenario, c);
  const { go, node } = REPRODUCTION_PAIRS.pooling;
  const [goFresh, goPooled, goTuned, goWatch] = [go.worse, go.pooled, go.tuned, go.watch].map(g);
  const [nFresh, nPooled, nWatch] = [node.worse, node.pooled, node.watch].map(g);
  const rps = (r: ResultRow) => r.rps;
  const p99 = (r: ResultRow) => r.latencyUs.p99;
  const rows: Array<[string, string, (ro: ResultRow) => number | null, (n: number) => string, boolean, boolean]> = [
    ['throughput, pooled', '382 → 1 211 QPS (3.2×)', rps, (n) => `${int(n)} RPS`, true, false],
    ['throughput, watch + local map', '382 → 1 211 QPS (3.2×)', rps, (n) => `${int(n)} RPS`, true, true],
    ['p99 latency, pooled', '412 → 118 ms (3.5×)', p99, ms, false, false],
    ['p99 latency, watch + local map', '412 → 118 ms (3.5×)', p99, ms, false, true],
    ['peak TCP connections to Consul', '1 840 → 212 (8.7×)', (r) => r.consulConnectionsPeak, int, false, false],
    ['memory allocated per request', '1.2 MB → 0.3 MB (4×)', alloc, bytes, false, false],
  ];
  return rows.map(([measure, article, value, show, higher, watch]) => ({
    lesson: '1. Pool connections, watch',
    scenario,
    measure,
    article,
    go: watch
      ? pair(goFresh, goWatch, value, show, higher)
      : `${pair(goFresh, goPooled, value, show, higher)}${goTuned ? `; go-tuned ${show(value(goTuned) ?? 0)}${errorNote(goTuned)}` : ''}`,
    node: pair(nFresh, watch ? nWatch : nPooled, value, show, higher),
  }));
}

/** The lesson-2 rows (`network-stall`): what piles up without a deadline, Go's goroutines against Node's requests. */
function stallRows(report: Report): ReproductionRow[] {
  const { scenarios, go, node } = REPRODUCTION_PAIRS.stall;
  const s = scenarios[0];
  const goLeaky = find(report, s, go.worse);
  const goFixed = find(report, s, go.better);
  const nLeaky = find(report, s, node.worse);
  const nFixed = find(report, s, node.better);
  const goroutines = (r: ResultRow | undefined) => {
    const left = r?.leak?.evidence.orphans?.resources.goroutines ?? 0;
    const peak = r?.timeline?.length ? Math.max(...r.timeline.map((t) => t.resources.goroutines ?? 0)) : undefined;
    return r?.leak
      ? `${r.client}: ${int(left)} left over idle${peak === undefined ? '' : `, peak ${int(peak)}`} (${r.leak.verdict})`
      : 'not measured';
  };
  const inFlight = (r: ResultRow | undefined) =>
    r?.leak
      ? `${r.client}: ${int(r.leak.evidence.orphans?.inFlight ?? 0)} left in flight, peak ${int(r.inFlightPeak ?? 0)} (${r.leak.verdict})`
      : 'not measured';
  return [
    {
      lesson: '2. Cancel or time out',
      scenario: s,
      measure: 'what piles up in a stall (Go: goroutines; Node: requests in flight to Consul), no deadline → deadline',
      article: '> 10 000 goroutines after 4 h → < 200',
      go: goLeaky || goFixed ? `${goroutines(goLeaky)} → ${goroutines(goFixed)}` : 'not measured',
      node: nLeaky || nFixed ? `${inFlight(nLeaky)} → ${inFlight(nFixed)}` : 'not measured',
    },
    {
      lesson: '2. Cancel or time out',
      scenario: s,
      measure: 'p99 latency in the drain after the stall, no deadline → deadline',
      article: '2 100 ms → 42 ms (50×)',
      go: pair(goLeaky, goFixed, drainP99, ms, false),
      node: pair(nLeaky, nFixed, drainP99, ms, false),
    },
  ];
}

function drainP99(r: ResultRow): number | null {
  const d = r.phases?.find((p) => p.name === 'drain');
  return d && d.ok > 0 ? d.latencyUs.p99 : null;
}

/** Every row of the three-column comparison this report can fill (a scenario it lacks gives `not measured`). */
export function reproductionRows(report: Report): ReproductionRow[] {
  return [...REPRODUCTION_PAIRS.pooling.scenarios.flatMap((s) => poolingRows(report, s)), ...stallRows(report)];
}

/** The section as markdown lines. */
export function reproductionSection(report: Report): string[] {
  const rows = reproductionRows(report);
  const tls = report.scenarios.find((s) => s.name === 'articles-tls')?.settings as
    | { network?: { rttMs?: number } }
    | undefined;
  return [
    '## The articles reproduced on one machine',
    '',
    `Three columns per lesson: the article's figure (Go, their machines), the articles' own Go client (\`github.com/hashicorp/consul/api\`, pinned in \`clients/go/go.mod\`) in our Go config service, and our Node clients, both measured in this run against the same Consul under the same load. \`articles\` is loopback and plain HTTP; \`articles-tls\` is the same load over TLS with a ${tls?.network?.rttMs ?? 1} ms round trip added by Toxiproxy, where a connection per request pays a TCP connection and a TLS handshake as in the articles. Factors in brackets are the recommended practice against the one it replaces; a row with at least 1% failed requests says so in square brackets, with its commonest cause from the scenario's *Errors by cause* table (\`consul429\`: Consul refusing connections past its \`http_max_conns_per_client\` = 200; \`clientTimeout\`: the service's own deadline on a Consul read; \`unreachable\`: a connection to Consul that failed): its RPS counts answered (2xx) reads only, and so does its latency (closed model: the failures, often quick, are left out of it).`,
    '',
    markdownTable(
      [
        ['lesson', 'scenario', 'measure', 'article (Go, theirs)', 'our Go rows', 'our Node rows'],
        ...rows.map((r, i) => [
          i > 0 && rows[i - 1]!.lesson === r.lesson ? '' : r.lesson,
          r.scenario,
          r.measure,
          r.article,
          r.go,
          r.node,
        ]),
      ],
      { alignDelimiters: false },
    ),
    '',
    "Go pairs: `go-nonpooled` (`api.DefaultNonPooledConfig`, a new connection per request) → `go-default` (`api.DefaultConfig`: keep-alive, GOMAXPROCS+1 idle connections) or `go-watch` (a blocking query into a map); `go-tuned` bounds the transport at the Node `pooled` row's 32 connections and keeps them all. In the stall, `go-leaky` reads with no context deadline and `go-default` with one; goroutines are counted without the transport's per-connection loops (idle keep-alive connections are not orphaned work, as Node's unref'd idle sockets are not). Over TLS, Go's transport and undici (`pooled`, the caches) negotiate HTTP/2 with Consul through ALPN and multiplex the 500 readers' requests on a few connections, so `go-default`'s GOMAXPROCS+1 idle limit, which over plain HTTP/1.1 makes it open and close connections by the hundred, no longer bites; `fresh-connection` (`node:https`, HTTP/1.1) and `go-nonpooled` (keep-alives off) still pay a TLS handshake per request.",
    '',
  ];
}
