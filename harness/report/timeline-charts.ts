/**
 * The timeline charts of fault and restart scenarios: requests in flight, sockets ESTABLISHED, TIME_WAIT and active
 * handles over the measured window, in bins of the service's sampling interval, one line per client, with the
 * fault (or Consul-down) phase shaded.
 *
 * @module
 */
import { type Chart, legendTop, renderSvg } from './chart-kit.ts';
import { int } from './format.ts';
import type { ScenarioResult, TimelineSample } from './report-schema.ts';

/** Width of a timeline bin, ms: the service's sampling interval. */
export const TIMELINE_BIN_MS = 250;

/** A signal of the timeline charts. */
interface Signal {
  readonly id: string;
  readonly title: string;
  readonly read: (s: TimelineSample) => number;
  /** Only rows whose samples have this (e.g. socket states, Linux only). */
  readonly available: (s: TimelineSample) => boolean;
}

const SIGNALS: readonly Signal[] = [
  {
    id: 'pending',
    title: 'Reads pending in the client (at the service: on the wire, queued or waiting)',
    read: (s) => s.pending ?? 0,
    available: (s) => s.pending !== undefined,
  },
  { id: 'in-flight', title: 'Requests in flight to Consul', read: (s) => s.inFlight, available: () => true },
  {
    id: 'sockets',
    title: 'Sockets ESTABLISHED to Consul',
    read: (s) => s.sockets?.ESTABLISHED ?? 0,
    available: (s) => s.sockets !== undefined,
  },
  {
    id: 'time-wait',
    title: 'Sockets in TIME_WAIT',
    read: (s) => s.sockets?.TIME_WAIT ?? 0,
    available: (s) => s.sockets !== undefined,
  },
  {
    id: 'handles',
    title: 'Active handles and requests (process.getActiveResourcesInfo())',
    read: (s) => Object.values(s.resources).reduce((a, b) => a + b, 0),
    available: () => true,
  },
];

/** A row's samples in {@link TIMELINE_BIN_MS} bins (the highest value of a bin), keyed by the bin's start in ms. */
function binned(timeline: readonly TimelineSample[], read: (s: TimelineSample) => number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of timeline) {
    const bin = Math.round(s.tMs / TIMELINE_BIN_MS) * TIMELINE_BIN_MS;
    out.set(bin, Math.max(out.get(bin) ?? 0, read(s)));
  }
  return out;
}

/** One timeline chart per signal, the fault phase shaded; tables list every bin, one column per row. */
export function timelineCharts(scenario: ScenarioResult): Chart[] {
  const rows = scenario.results.filter((r) => (r.timeline?.length ?? 0) > 0);
  if (rows.length === 0) return [];
  const fault = rows.flatMap((r) => r.phases ?? []).find((p) => p.name === 'fault');
  const restart = (scenario.settings as { restart?: unknown }).restart !== undefined;
  const faultType = String((scenario.settings as { fault?: { type?: unknown } }).fault?.type ?? 'fault');
  const faultLabel = restart ? 'Consul down' : `fault: ${faultType}`;
  const charts: Chart[] = [];
  for (const signal of SIGNALS) {
    const lines = rows
      .filter((r) => r.timeline!.some(signal.available))
      .map((r) => ({ name: r.client, bins: binned(r.timeline!, signal.read) }));
    if (lines.length === 0) continue;
    const { legend, top } = legendTop(lines.length);
    const svg = renderSvg(
      {
        legend,
        grid: { left: 70, right: 30, top, bottom: 50 },
        xAxis: {
          type: 'value',
          name: 's since the measured window started',
          nameLocation: 'middle',
          nameGap: 30,
          min: 0,
        },
        yAxis: { type: 'value', name: 'count', minInterval: 1 },
        series: lines.map((l, i) => ({
          name: l.name,
          type: 'line',
          showSymbol: false,
          lineStyle: { width: 1.8 },
          data: [...l.bins].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t / 1000, v]),
          ...(i === 0 && fault
            ? {
                markArea: {
                  silent: true,
                  itemStyle: { color: 'rgba(238, 102, 102, 0.12)' },
                  label: { position: 'insideTop', color: '#a33', fontSize: 12 },
                  data: [
                    [
                      { name: faultLabel, xAxis: fault.startMs / 1000 },
                      { xAxis: (fault.startMs + fault.durationMs) / 1000 },
                    ],
                  ],
                },
              }
            : {}),
        })),
      },
      top + 300,
    );
    const times = [...new Set(lines.flatMap((l) => [...l.bins.keys()]))].sort((a, b) => a - b);
    const phaseAt = (t: number): string =>
      fault && t >= fault.startMs && t < fault.startMs + fault.durationMs ? faultLabel : '';
    charts.push({
      id: `timeline-${signal.id}`,
      title: signal.title,
      caption: `Sampled every ${TIMELINE_BIN_MS} ms in the service; ${fault ? `the shaded band is the ${faultLabel} phase (${(fault.startMs / 1000).toFixed(1)}–${((fault.startMs + fault.durationMs) / 1000).toFixed(1)} s). ` : ''}A leak climbs during the fault and stays up after it.`,
      svg,
      table: {
        headers: ['t s', 'phase', ...lines.map((l) => l.name)],
        rows: times.map((t) => [
          (t / 1000).toFixed(2),
          phaseAt(t),
          ...lines.map((l) => (l.bins.has(t) ? int(l.bins.get(t)!) : '–')),
        ]),
      },
    });
  }
  return charts;
}
