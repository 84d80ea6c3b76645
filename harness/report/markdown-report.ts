/**
 * Renders `report.md` from raw results (a {@link Report}); measures nothing.
 *
 * @module
 */
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { type LoadSettings, loadModelOf } from '../load/models/index.ts';
import { bytes, int, latencyCell, percentOf, ratio, usPerRequest } from './format.ts';
import { recoverySection, stalenessSection } from './freshness-report.ts';
import { leakSection, referenceSection } from './leak-report.ts';
import { ERROR_BREAKDOWN, type Report, type ResultRow, type ScenarioResult } from './report-schema.ts';

/** Explanations of row flags, shown under each table that has them. */
export const FLAG_LEGEND: Record<string, string> = {
  'machine-bound':
    'the processes on the request path (the load generator, the service, Consul, and Toxiproxy where it is in between), over the load, together used at least 85% of all CPU cores: the machine, not the target, set the pace',
  'load-generator-saturated':
    "the load generator (the harness's closed-model generator, one thread) was at ≥ 90% event-loop utilisation, or its own event-loop delay p99 reached 50 ms: the row measures the generator as much as the target",
  'consul-429':
    'Consul refused connections with 429 (limits.http_max_conns_per_client): the client opened more connections than a stock agent allows',
  'generator-behind':
    "the open-model generator fell behind its schedule (its own send lag p99 ≥ 10 ms for requests that had a free slot): part of the corrected latency is the generator's",
  'connections-capped':
    "consul-direct ran with fewer connections than the scenario, to stay under Consul's per-client connection limit",
  'sampler-stall':
    "the service's own timeline sampler held its event loop for ≥ 2% of the window's wall time, or ≥ 100 ms in one tick: latency in those moments is the harness's, not the client's (before socket states were read in a worker thread, reading /proc/net/tcp on the loop, whose cost grows with every socket on the machine, did this)",
  'sampler-cost':
    "the service's own timeline sampler used ≥ 5% as much CPU as the service itself: the CPU per request leaves it out, but it competed with the service for the cores",
  errors: 'some requests failed; see the errors table',
  interrupted: 'the run was stopped before this row finished its measured window',
};

/** A sampler tick holding the loop this long or more, µs, flags the row `sampler-stall`. */
export const SAMPLER_STALL_US = 100_000;
/** The sampler holding the loop this share of the window's wall time or more flags the row `sampler-stall`. */
export const SAMPLER_LOOP_SHARE = 0.02;
/** The sampler's CPU at this share of the service's own or more flags the row `sampler-cost`. */
export const SAMPLER_CPU_SHARE = 0.05;

/**
 * A row's flags: those measured with it, plus two read off its raw results, so reports made before the flags
 * existed show them too: `sampler-stall` (the service's timeline sampler held its loop ≥ {@link SAMPLER_LOOP_SHARE}
 * of the window, or one tick cost ≥ {@link SAMPLER_STALL_US}) and `sampler-cost` (its CPU ≥
 * {@link SAMPLER_CPU_SHARE} of the service's own).
 */
export function rowFlags(r: ResultRow): string[] {
  const flags = [...r.flags];
  const s = r.service;
  const stalled = (s?.samplerCostUs?.max ?? 0) >= SAMPLER_STALL_US || (s?.samplerLoopShare ?? 0) >= SAMPLER_LOOP_SHARE;
  if (stalled && !flags.includes('sampler-stall')) flags.push('sampler-stall');
  if ((s?.samplerCpuShare ?? 0) >= SAMPLER_CPU_SHARE && !flags.includes('sampler-cost')) flags.push('sampler-cost');
  return flags;
}

/**
 * Consul's `http_max_conns_per_client` in force, as text: one number when every scenario ran with the same
 * (`200`), else each limit with its scenarios (`200 (articles, light); 4096 (network-stall)`); null when unknown
 * (an external Consul). Each scenario runs on a Consul with its own limit (`settings.consul`).
 */
export function connectionLimits(report: Report): string | null {
  const runLimit = report.environment.consul.httpMaxConnsPerClient;
  if (runLimit === null) return null;
  const byLimit = new Map<number, string[]>();
  for (const s of report.scenarios) {
    const l = (s.settings as { consul?: { httpMaxConnsPerClient?: number } }).consul?.httpMaxConnsPerClient ?? runLimit;
    byLimit.set(l, [...(byLimit.get(l) ?? []), s.name]);
  }
  if (byLimit.size <= 1) return String([...byLimit.keys()][0] ?? runLimit);
  return [...byLimit].map(([l, names]) => `${l} (${names.join(', ')})`).join('; ');
}

/** Header lines: machine, versions, date, command. */
export function describeRun(report: Report): string[] {
  const env = report.environment;
  const limit = connectionLimits(report);
  return [
    `- **Date**: ${report.createdAt}${report.status === 'complete' ? '' : ` (status: ${report.status})`}`,
    `- **Command**: \`${report.command}\``,
    `- **Machine**: ${env.cpuModel}, ${env.cpuCount} CPUs, ${bytes(env.totalMemoryBytes)} RAM, ${env.platform} ${env.osRelease} ${env.arch}`,
    `- **Node**: ${env.node}`,
    `- **Consul**: ${env.consul.version} (${env.consul.backend}: ${env.consul.provenance}${limit ? `; http_max_conns_per_client = ${limit}` : ''})`,
    `- **Tools**: ${Object.entries(env.tools)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
}

/** The headline table of one scenario, one row per client and baseline. */
export function headlineTable(scenario: ScenarioResult): string {
  const ceiling = scenario.results.find((r) => r.client === 'no-consul')?.rps;
  const model = loadModelOf(scenario.loadModel);
  const rows = scenario.results.map((r) => [
    r.kind === 'baseline' ? `_${r.client}_` : `**${r.client}**`,
    int(r.rps),
    percentOf(r.rps, ceiling),
    latencyCell(r.latencyUs, r.open?.censored, 'p50'),
    latencyCell(r.latencyUs, r.open?.censored, 'p90'),
    latencyCell(r.latencyUs, r.open?.censored, 'p99'),
    latencyCell(r.latencyUs, r.open?.censored, 'p999'),
    latencyCell(r.latencyUs, r.open?.censored, 'max'),
    ...model.headlineColumns.map((c) => c.cell(r)),
    r.errors.total === 0
      ? '0'
      : `${int(r.errors.total)} (${((r.errors.total / Math.max(1, r.requests + r.errors.timeouts + r.errors.connection)) * 100).toFixed(1)}%)`,
    usPerRequest(r.service?.cpuUsPerRequest),
    usPerRequest(r.consul?.cpuUsPerRequest),
    bytes(r.allocatedBytesPerRequest ?? r.heapBytesPerRequest),
    bytes(r.peakRssBytes),
    `${int(r.consulConnectionsOpened)} / ${int(r.consulConnectionsPeak)}`,
    ratio(r.consulRequestsPerRequest),
    rowFlags(r).join(', '),
  ]);
  return markdownTable(
    [
      [
        'row',
        'RPS',
        'of no-consul',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'max ms',
        ...model.headlineColumns.map((c) => c.header),
        'errors',
        'service CPU µs/req',
        'Consul CPU µs/req',
        'alloc/req',
        'peak RSS',
        'Consul conns opened / peak',
        'Consul req/req',
        'flags',
      ],
      ...rows,
    ],
    { align: ['l', ...Array<'r'>(14 + model.headlineColumns.length).fill('r'), 'l'] },
  );
}

/** Errors by cause, only for rows that had any. Empty string when none had. */
export function errorsTable(scenario: ScenarioResult): string {
  const failing = scenario.results.filter((r) => r.errors.total > 0);
  if (failing.length === 0) return '';
  const causes = ERROR_BREAKDOWN;
  return markdownTable([
    ['row', ...causes],
    ...failing.map((r) => [r.client, ...causes.map((c) => int(r.errors[c] ?? 0))]),
  ]);
}

function loadLine(scenario: ScenarioResult): string {
  const s = scenario.settings as {
    load: LoadSettings;
    keys?: { count?: number; valueBytes?: number };
    phases?: { baselineS: number; faultS: number; drainS: number };
    fault?: Record<string, unknown>;
    restart?: { keepData: boolean };
  };
  const model = loadModelOf(scenario.loadModel);
  const window =
    s.phases && s.restart
      ? `through baseline ${s.phases.baselineS} s → Consul stopped ${s.phases.faultS} s → restarted ${s.restart.keepData ? 'with its data' : 'on a fresh data dir'}, ${s.phases.drainS} s (the load generator gives up on a request after ${s.load.timeoutS} s)`
      : s.phases
        ? `through baseline ${s.phases.baselineS} s → ${String(s.fault?.type)} fault ${s.phases.faultS} s → drain ${s.phases.drainS} s (Toxiproxy between the service and Consul; ${model.giveUp(s.load)})`
        : `for ${s.load.durationS} s`;
  const keys = `${s.keys?.count} keys of ${s.keys?.valueBytes} bytes read round-robin`;
  return model.loadLine(s.load, window, keys);
}

/**
 * How the service reached Consul: plain HTTP or HTTPS only (`consul.tls`), and the round trip added between them
 * (`network.rttMs`, Toxiproxy's latency toxic) or loopback's own.
 */
export function networkLine(scenario: ScenarioResult): string {
  const s = scenario.settings as { consul?: { tls?: boolean }; network?: { rttMs?: number } };
  const tls = s.consul?.tls
    ? "**TLS** (Consul's API HTTPS only, a CA and server certificate from `consul tls ca create` / `consul tls cert create -server`; every client verifies it)"
    : 'plain HTTP';
  const rtt = s.network?.rttMs ?? 0;
  const up = Math.floor(rtt / 2);
  const net =
    rtt > 0
      ? `a **${rtt} ms round trip** added by Toxiproxy's \`latency\` toxic (${up} ms toward Consul, ${rtt - up} ms back, on every chunk, so each TLS handshake and each request pays it; not delayed: the TCP handshake to the proxy, and the harness's own calls to Consul)`
      : "loopback's own round trip (tens of µs)";
  return `Network: service → Consul over ${tls}, with ${net}.`;
}

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Prefix of links to artifacts (paths in results are relative to the output directory). Default ''. */
  readonly linkBase?: string;
}

/** The markdown of one scenario, in two parts: `head` (heading, description, load, headline table) and `rest`. */
export interface ScenarioMarkdown {
  /** Lines of the heading (`## name`), description, load line and headline table. */
  readonly head: readonly string[];
  /** Lines of everything after: errors, flags, freshness, restart, leak and reference sections, profiles. */
  readonly rest: readonly string[];
}

/** Renders one scenario's markdown (see {@link ScenarioMarkdown}); `renderMarkdown` joins head and rest. */
export function scenarioMarkdown(scenario: ScenarioResult, options: MarkdownOptions = {}): ScenarioMarkdown {
  const linkBase = options.linkBase ?? '';
  const head = [
    `## ${scenario.name}`,
    '',
    scenario.description + '.',
    '',
    loadLine(scenario),
    '',
    networkLine(scenario),
    '',
    headlineTable(scenario),
    '',
  ];
  const out: string[] = [];
  const errors = errorsTable(scenario);
  if (errors) out.push('Errors by cause:', '', errors, '');
  const flags = new Set(scenario.results.flatMap((r: ResultRow) => rowFlags(r)));
  for (const f of flags) out.push(`- \`${f}\`: ${FLAG_LEGEND[f] ?? f}`);
  if (flags.size) out.push('');
  const staleness = stalenessSection(scenario);
  if (staleness) out.push(staleness);
  const recovery = recoverySection(scenario);
  if (recovery) out.push(recovery);
  const leak = leakSection(scenario);
  if (leak) out.push(leak);
  const reference = referenceSection(scenario);
  if (reference) out.push(reference);
  const profiled = scenario.results.filter((r) => r.profile);
  if (profiled.length) {
    out.push('### Profiles', '');
    for (const r of profiled) {
      const p = r.profile!;
      out.push(
        `- **${r.client}** (${p.kind}): ${p.files.map((f) => `[${path.basename(f)}](${encodeURI(linkBase + f)})`).join(', ') || 'no file'}${p.error ? ` (failed: ${p.error})` : ''}`,
      );
    }
    out.push('');
  }
  return { head, rest: out };
}

/** The run's failures (a `## Failures` section), or no lines when there were none. */
export function failuresMarkdown(report: Report): string[] {
  if (!report.failures.length) return [];
  return [
    '## Failures',
    '',
    ...report.failures.map((f) => `- ${f.scenario}${f.client ? ` / ${f.client}` : ''}: ${f.code}: ${f.message}`),
    '',
  ];
}

/** The closing "How to read this" section: what each headline column means. */
export const HOW_TO_READ: readonly string[] = [
  '## How to read this',
  '',
  '- **RPS**: 2xx answers per second of the measured window; **of no-consul**: that RPS as a share of the `no-consul` baseline (the service answering from a constant).',
  '- **p50…max**: latency of 2xx answers seen by the load generator, recorded at µs resolution in an HDR histogram.',
  '- **errors**: non-2xx answers, load-generator timeouts and connection errors, with the share of all requests.',
  "- **alloc/req**: memory the service allocated per answered request, in the V8 heap and outside it (Buffers, ArrayBuffers), estimated around each GC (v8.GCProfiler); reports made before it was measured show the heap alone. **peak RSS**: the service's resident memory.",
  '- **Consul conns opened / peak**: TCP connections to Consul opened during the window, and the most open at once.',
  '- **Consul req/req**: KV GETs Consul itself counted (its `consul_api_http` metric) per answered request: 1 for a read-through client, near 0 for a cache.',
  '',
];

/** The whole `report.md`. */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const out: string[] = ['# consul-kv-bench report', '', ...describeRun(report), ''];
  for (const scenario of report.scenarios) {
    const { head, rest } = scenarioMarkdown(scenario, options);
    out.push(...head, ...rest);
  }
  out.push(...failuresMarkdown(report), ...HOW_TO_READ);
  return out.join('\n');
}
