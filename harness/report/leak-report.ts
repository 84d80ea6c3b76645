/**
 * The fault-scenario part of `report.md`, rendered from raw results: per client the leak verdict with its
 * evidence, latency per phase, and the timeline condensed to one sparkline per signal and phase.
 *
 * @module
 */
import { markdownTable } from 'markdown-table';
import { int, latencyCell } from './format.ts';
import type { PhaseResult, ResultRow, ScenarioResult, TimelineSample } from './report-schema.ts';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of `values` scaled to [0, max], at most `width` characters (values are max-pooled into buckets). */
export function sparkline(values: readonly number[], max: number, width = 16): string {
  if (values.length === 0) return '';
  const buckets = Math.min(width, values.length);
  const out: string[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * values.length) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / buckets));
    const v = Math.max(...values.slice(from, to));
    out.push(max <= 0 ? BARS[0]! : BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))]!);
  }
  return out.join('');
}

function peak(timeline: readonly TimelineSample[], f: (s: TimelineSample) => number): number {
  return timeline.reduce((m, s) => Math.max(m, f(s)), 0);
}

const established = (s: TimelineSample) => s.sockets?.ESTABLISHED ?? 0;
const timeWait = (s: TimelineSample) => s.sockets?.TIME_WAIT ?? 0;
const handles = (s: TimelineSample) => Object.values(s.resources).reduce((a, b) => a + b, 0);

const pending = (s: TimelineSample) => s.pending ?? 0;

/** The phases a timeline has, in order (the quiesce only in timelines that recorded one). */
function phasesOf(timeline: readonly TimelineSample[]): Array<TimelineSample['phase']> {
  const all = ['baseline', 'fault', 'drain', 'quiesce'] as const;
  return all.filter((p) => p !== 'quiesce' || timeline.some((s) => s.phase === p));
}

/** Sparklines of one signal across the phases, one cell per phase, on a common scale. */
function phaseSparks(timeline: readonly TimelineSample[], f: (s: TimelineSample) => number): string {
  const max = peak(timeline, f);
  return phasesOf(timeline)
    .map((p) => sparkline(timeline.filter((s) => s.phase === p).map(f), max, 8))
    .join(' │ ');
}

/** What the quiesce left, e.g. `12 pending, 10 in flight, TCPSocketWrap +10`, `none`, or `–` without a quiesce. */
function leftCell(e: NonNullable<ResultRow['leak']>['evidence']): string {
  const o = e.orphans;
  if (!o) return '–';
  const parts = [
    ...(o.pending ? [`${int(o.pending)} pending`] : []),
    ...(o.inFlight ? [`${int(o.inFlight)} in flight`] : []),
    ...Object.entries(o.resources).map(([k, v]) => `${k} +${int(v)}`),
  ];
  return `${parts.join(', ') || 'none'} (after ${(o.graceMs / 1000).toFixed(1)} s)`;
}

/** The fault section of one scenario: verdict table, per-phase latency, timelines. Empty when no row has a verdict. */
export function leakSection(scenario: ScenarioResult): string {
  const rows = scenario.results.filter(
    (r): r is ResultRow & { leak: NonNullable<ResultRow['leak']> } => r.leak !== undefined,
  );
  if (rows.length === 0) return '';
  const out: string[] = [];
  out.push(
    '### Leak verdicts',
    '',
    markdownTable([
      [
        'row',
        'verdict',
        'left after the load stopped',
        'peak pending',
        'peak in flight',
        'in flight: baseline → end of drain',
        'sockets ESTABLISHED: peak, end of drain',
        'TIME_WAIT peak',
        'handles peak',
        'grew and stayed',
      ],
      ...rows.map((r) => {
        const tl = r.timeline ?? [];
        const e = r.leak.evidence;
        return [
          r.client,
          r.leak.verdict === 'leak' ? '**leak**' : r.leak.verdict,
          leftCell(e),
          tl.some((s) => s.pending !== undefined) ? int(peak(tl, pending)) : '–',
          int(r.inFlightPeak ?? 0),
          e.inFlight ? `${int(e.inFlight.baseline)} → ${int(e.inFlight.drainEnd)}` : '–',
          e.establishedSockets ? `${int(e.establishedSockets.faultPeak)}, ${int(e.establishedSockets.drainEnd)}` : '–',
          tl.some((s) => s.sockets) ? int(peak(tl, timeWait)) : '–',
          int(peak(tl, handles)),
          Object.entries(e.grownResources)
            .map(([k, v]) => `${k} +${v}`)
            .join(', ') || '–',
        ];
      }),
    ]),
    '',
    ...rows.map((r) => `- **${r.client}**: ${r.leak.verdict}: ${r.leak.evidence.reason}.`),
    '',
    ...phaseLatencySection(rows),
    `### Timelines (${phasesOf(rows[0]?.timeline ?? []).join(' │ ')}, each row on its own scale)`,
    '',
    markdownTable([
      ['row', 'pending in the client', 'in flight', 'sockets ESTABLISHED', 'TIME_WAIT', 'active handles'],
      ...rows.map((r) => {
        const tl = r.timeline ?? [];
        return [
          r.client,
          tl.some((s) => s.pending !== undefined) ? `${phaseSparks(tl, pending)} (max ${int(peak(tl, pending))})` : '–',
          `${phaseSparks(tl, (s) => s.inFlight)} (max ${int(peak(tl, (s) => s.inFlight))})`,
          tl.some((s) => s.sockets) ? `${phaseSparks(tl, established)} (max ${int(peak(tl, established))})` : '–',
          tl.some((s) => s.sockets) ? `${phaseSparks(tl, timeWait)} (max ${int(peak(tl, timeWait))})` : '–',
          `${phaseSparks(tl, handles)} (max ${int(peak(tl, handles))})`,
        ];
      }),
    ]),
    '',
  );
  return out.join('\n');
}

/**
 * A phase's p99, ms, marked `≥` when it is a lower bound: in the open model more than 1% of the phase's requests
 * were censored (given up at the generator's timeout, recorded at the timeout), so the p99 is at least that.
 */
export function phaseP99(p: PhaseResult | undefined, k: 'p99' | 'max' = 'p99'): string {
  if (!p) return '–';
  const censored = p.censored ?? 0;
  if (p.uncorrectedLatencyUs === undefined && p.ok === 0) return '–';
  if (p.uncorrectedLatencyUs !== undefined && p.requests + censored === 0) return '–';
  return latencyCell(p.latencyUs, p.censored, k);
}

/**
 * Latency per phase (a heading, a note and a table, as lines). Closed model: 2xx answers. Open model: corrected
 * latency (from the intended send) of every answer and censored request, with the uncorrected p99 (from the actual send, censored requests at their deadline)
 * beside it.
 */
export function phaseLatencySection(rows: readonly ResultRow[]): string[] {
  const of = (r: ResultRow) => Object.fromEntries((r.phases ?? []).map((p) => [p.name, p]));
  if (!rows.some((r) => r.open)) {
    return [
      '### Latency per phase (2xx, ms)',
      '',
      markdownTable([
        ['row', 'baseline p99', 'baseline max', 'fault p99', 'fault max', 'fault errors', 'drain p99', 'drain max'],
        ...rows.map((r) => {
          const ph = of(r);
          return [
            r.client,
            phaseP99(ph.baseline),
            phaseP99(ph.baseline, 'max'),
            phaseP99(ph.fault),
            phaseP99(ph.fault, 'max'),
            int(ph.fault?.errors ?? 0),
            phaseP99(ph.drain),
            phaseP99(ph.drain, 'max'),
          ];
        }),
      ]),
      '',
    ];
  }
  // `≥` as for the corrected p99, the given-up requests being those it counts beyond the answers (reports made
  // before given-up requests were counted here have none, and no `≥`)
  const uncorrected = (p: PhaseResult | undefined) => {
    const u = p?.uncorrectedLatencyUs;
    return p && u && u.count > 0 ? latencyCell(u, u.count - p.requests, 'p99') : '–';
  };
  return [
    '### Latency per phase (open model, ms)',
    '',
    "p99 is corrected: from each request's intended send time, over every answer (errors too) and every request given up at the generator's timeout (censored, counted at the timeout; `≥` marks a p99 that is such a lower bound). Uncorrected: from the actual send, over the same answers and every request given up after it was sent (counted at its deadline, also a lower bound; a request never sent has none).",
    '',
    markdownTable([
      [
        'row',
        'baseline p99',
        'fault p99',
        'fault p99 uncorrected',
        'fault max',
        'fault censored',
        'fault errors',
        'drain p99',
        'drain p99 uncorrected',
      ],
      ...rows.map((r) => {
        const ph = of(r);
        return [
          r.client,
          phaseP99(ph.baseline),
          phaseP99(ph.fault),
          uncorrected(ph.fault),
          phaseP99(ph.fault, 'max'),
          int(ph.fault?.censored ?? 0),
          int(ph.fault?.errors ?? 0),
          phaseP99(ph.drain),
          uncorrected(ph.drain),
        ];
      }),
    ]),
    '',
  ];
}

/** Published figures a scenario compares against (its `reference` block), shown as given. */
export function referenceSection(scenario: ScenarioResult): string {
  const ref = (scenario.settings as { reference?: { source: string; figures: Record<string, string> } }).reference;
  if (!ref) return '';
  return [
    `### Beside the published figures`,
    '',
    `${ref.source}. Their figures come from Go and are stated as published; ours are in the tables above.`,
    '',
    markdownTable([['their measure', 'their figure'], ...Object.entries(ref.figures)]),
    '',
  ].join('\n');
}
