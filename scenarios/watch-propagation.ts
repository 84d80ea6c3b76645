/**
 * `watch-propagation`: freshness has a cost (docs/ARTICLES.md §3–5). While the service is under read load, a
 * writer updates 5 keys round-robin at 10 writes/s; a prober reads those keys through the service every 2 ms and
 * notes which version each answer carries. Per row: the propagation delay from a write's acknowledgement to the
 * first answer carrying it (p50/p99/max), the share of reads older than the newest acknowledged write, and the
 * Consul requests per second one client instance costs.
 *
 * The variants show the knobs of the direct-read strategy: consistency modes (on a single server `stale` and
 * `default` read the same store, so only their cost can differ) and a client-side rate limit that caps what one
 * instance may cost Consul.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'watch-propagation',
  description:
    'reads under load while a writer updates keys: propagation delay, stale reads, Consul req/s per instance',
  keys: { count: 100, valueBytes: 1024 },
  load: { connections: 50, durationS: 20, warmupS: 3, timeoutS: 10 },
  freshness: { keys: 5, writesPerSecond: 10, probeIntervalMs: 2, settleS: 3 },
  clients: [
    'pooled',
    { client: 'pooled', name: 'pooled-stale', options: { consistency: 'stale' } },
    { client: 'pooled', name: 'pooled-consistent', options: { consistency: 'consistent' } },
    { client: 'pooled', name: 'pooled-rate-limited', options: { rateLimit: { qps: 500, burst: 50 } } },
    'consul-npm',
    'polling',
    'watch-cached',
    'consul-npm-watch',
  ],
  quick: { durationS: 6, warmupS: 1 },
  reference: {
    source: 'Go article (docs/ARTICLES.md §3): three ways to watch a key',
    figures: {
      'long polling (blocking query)': 'delay ~100 ms–5 s, 1 connection',
      'polling on a timer with a hash compare': 'delay ≥ the interval, N connections',
      'gRPC KV watch': 'not applicable: Consul has no such public API',
    },
  },
} satisfies ScenarioInput;
