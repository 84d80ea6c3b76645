/**
 * `network-stall`: the Go articles' leak (docs/ARTICLES.md §2) in Node's terms. Baseline, then Consul's
 * answers stall (a Toxiproxy `timeout` toxic that never answers and never closes), then a drain longer than any
 * client timeout plus keep-alive. The load generator gives up on a request after 2 s and sends another, as a
 * caller with its own deadline would, so a client without timeouts piles up requests and sockets.
 *
 * Consul's per-client connection limit is raised to 4096 here (Consul needs that many file descriptors plus 20):
 * this scenario is about the pile-up, not the limit. Clients with a deadline get the article's 500 ms.
 *
 * In the open model (`--rate`, or `network-stall-open`) requests keep arriving whatever the answers, and the
 * generator waits 10 s (`load.openTimeoutS`) before it gives up on one and records it censored at that timeout: the
 * stall shows as latency, as the article's p99 does.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'network-stall',
  description: "baseline, a stall of Consul's answers, drain: who piles up requests and sockets, and who recovers",
  keys: { count: 20, valueBytes: 1024 },
  load: { connections: 50, warmupS: 2, timeoutS: 2, openTimeoutS: 10 },
  phases: { baselineS: 10, faultS: 20, drainS: 15 },
  fault: { type: 'stall' },
  clients: ['no-consul', 'pooled', 'fixed', 'fresh-connection', 'watch-cached', 'naive-fetch', 'leaky-without-abort'],
  // The Go article's 500 ms context timeout, for every client that has a deadline.
  clientOptions: { requestTimeoutMs: 500 },
  consul: { httpMaxConnsPerClient: 4096 },
  // Quick: as short as the assertions on it allow. The stall plus the drain stay ≥ openTimeoutS (10 s), so in the
  // open model a request the stall caught reaches the generator's timeout before the load stops.
  quick: { warmupS: 1, phases: { baselineS: 2, faultS: 4, drainS: 6 } },
  reference: {
    source: 'Go article (docs/ARTICLES.md §2): reads without timeout or cancellation during network blips',
    figures: {
      'p99 without timeout': '2100 ms (SLA 50 ms)',
      'p99 with a 500 ms context timeout': '42 ms',
      'goroutines without timeout': '20+/s, over 10 000 after 4 hours',
      'goroutines with timeout': 'fewer than 200',
    },
  },
} satisfies ScenarioInput;
