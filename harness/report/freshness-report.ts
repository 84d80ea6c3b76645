/**
 * The freshness parts of `report.md`, rendered from raw results: propagation delay, stale reads and Consul cost
 * per row (`results[].staleness`, watch-propagation), and behaviour around a Consul restart
 * (`results[].recovery`, consul-restart).
 *
 * @module
 */
import { markdownTable } from 'markdown-table';
import { int, msFromUs } from './format.ts';
import type { Recovery, ResultRow, ScenarioResult, Staleness } from './report-schema.ts';

const seconds = (ms: number | null): string => (ms === null ? '–' : (ms / 1000).toFixed(ms < 10_000 ? 2 : 1));
const share = (n: number): string =>
  n === 0 ? '0%' : n < 0.0001 ? '<0.01%' : `${(n * 100).toFixed(n < 0.01 ? 2 : 1)}%`;
const perSecond = (n: number | null): string => (n === null ? '–' : n >= 100 ? int(n) : n.toFixed(1));

/** The staleness table of one scenario; empty when no row has staleness. */
export function stalenessSection(scenario: ScenarioResult): string {
  const rows = scenario.results.filter((r): r is ResultRow & { staleness: Staleness } => r.staleness !== undefined);
  if (rows.length === 0) return '';
  const s0 = rows[0]!.staleness;
  return [
    '### Freshness: how fresh, and what it costs Consul',
    '',
    `A writer updated ${s0.keys} keys round-robin at ${s0.writesPerSecond} writes/s under the read load; a prober read them through the service every ${s0.probeIntervalMs} ms (so delays are seen at most that much, plus one service answer, late).`,
    '',
    markdownTable(
      [
        [
          'row',
          'propagation p50 ms',
          'p99 ms',
          'max ms',
          'bracket p50 / p99 ms',
          'writes seen',
          'stale reads',
          'Consul req/s (one instance)',
          'read RPS',
          'read p99 ms',
          'errors',
        ],
        ...rows.map((r) => {
          const s = r.staleness;
          return [
            `**${r.client}**`,
            msFromUs(s.propagationUs.p50),
            msFromUs(s.propagationUs.p99),
            msFromUs(s.propagationUs.max),
            s.propagationLowerUs
              ? `${msFromUs(s.propagationLowerUs.p50)}–${msFromUs(s.propagationUs.p50)} / ${msFromUs(s.propagationLowerUs.p99)}–${msFromUs(s.propagationUs.p99)}`
              : '–',
            `${int(s.writesSeen)} / ${int(s.writes)}`,
            `${share(s.staleShare)} (${int(s.staleReads)} of ${int(s.reads)})`,
            perSecond(s.consulRequestsPerSecond),
            int(r.rps),
            msFromUs(r.latencyUs.p99),
            int(r.errors.total),
          ];
        }),
      ],
      { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
    ),
    '',
    "- **propagation**: from the write's acknowledgement by Consul to the first service answer carrying that value (or a newer one). A read-through client shows its own read latency; a cache adds how long it takes to hear of the change (a watch: one blocking-query return; polling: up to its interval). **bracket**: the write became visible between the send of the last probe read that still got the old value and the first answer carrying it: lower–upper bound, so a read-through client's own latency is not read as a slow propagation.",
    '- **stale reads**: probe answers older than the newest write Consul had acknowledged before the read was sent (a read-through client on one server should show none).',
    "- **Consul req/s**: KV GETs Consul counted per second of the window for this one service instance (the prober's reads included); multiply by your instance count.",
    '',
  ].join('\n');
}

/** The recovery table of one scenario; empty when no row has recovery. */
export function recoverySection(scenario: ScenarioResult): string {
  const rows = scenario.results.filter((r): r is ResultRow & { recovery: Recovery } => r.recovery !== undefined);
  if (rows.length === 0) return '';
  const keepData = rows[0]!.recovery.keepData;
  return [
    '### Consul restart: errors, stale serving, recovery',
    '',
    `Consul was stopped and started again ${keepData ? 'with its data' : 'on a fresh data dir (every key seeded again)'}; then the harness wrote a new version of the probed keys. Times in seconds.`,
    '',
    markdownTable(
      [
        [
          'row',
          'Consul away s',
          'error window s',
          'failed probe reads',
          'errors (load) while down / after',
          'stale answers while down',
          'stale answers after the write',
          'fresh after s',
          'recovered',
          'service answering',
        ],
        ...rows.map((r) => {
          const v = r.recovery;
          const ph = Object.fromEntries((r.phases ?? []).map((p) => [p.name, p]));
          return [
            `**${r.client}**`,
            seconds(v.consulDownMs),
            seconds(v.errorWindowMs),
            int(v.failedReads),
            `${int(ph.fault?.errors ?? 0)} / ${int(ph.drain?.errors ?? 0)}`,
            int(v.staleWhileDown),
            int(v.staleAfterBack),
            seconds(v.recoveryMs),
            v.recovered ? 'yes' : '**no**',
            v.serviceAnswering ? 'yes' : '**no (wedged)**',
          ];
        }),
      ],
      { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'] },
    ),
    '',
    '- **Consul away**: from the stop until it had a leader again (and, on a fresh data dir, its keys back).',
    '- **error window**: from the first failed probe read to the last one; `–`: the service never failed a probe read (it served from memory).',
    '- **errors (load)**: failed answers to the load generator while Consul was down / after it was back (e.g. 404s before a fresh Consul was seeded again).',
    '- **stale answers**: probe answers with the old value: while Consul was down (a cache riding out the outage, within its stale-while-error bound), and after the new value had been written (a cache that had not caught up).',
    '- **fresh after**: from the post-restart write to the first answer with the new value, for the slowest key; `–` with **no**: it never got there in the window.',
    '',
  ].join('\n');
}
