/**
 * `network-stall-open`: `network-stall` in the open model, the Go article's lesson 2 as latency (docs/ARTICLES.md
 * §2). Requests arrive at 200 req/s whether or not earlier ones answered, as users' requests do, so a stall shows as
 * latency on the requests that keep arriving rather than as a closed-model caller waiting on one connection. The
 * fault phase's corrected p99 (from each request's intended send time) of a client without a deadline, beside that
 * of the same client with the article's 500 ms one, is the article's "2 100 ms against 42 ms".
 *
 * The generator waits 10 s for an answer, then records the request censored (at least that long): a request that
 * never answers counts as 10 s, not as nothing. Same keys, phases, fault and Consul settings as `network-stall`.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';
import networkStall from './network-stall.ts';

export default {
  ...networkStall,
  name: 'network-stall-open',
  description:
    "network-stall in the open model at 200 req/s: a stall of Consul's answers as the latency users feel, with and without a deadline",
  load: { ...networkStall.load, model: 'open', rate: 200 },
  clients: ['pooled', 'fixed', 'fresh-connection', 'watch-cached', 'naive-fetch', 'leaky-without-abort'],
  reference: {
    source:
      'Go article (docs/ARTICLES.md §2): p99 of reads without timeout or cancellation during network blips, and with a 500 ms context timeout',
    figures: {
      'p99 without timeout': '2100 ms (SLA 50 ms)',
      'p99 with a 500 ms context timeout': '42 ms',
      'ratio, without / with timeout': '50×',
    },
  },
} satisfies ScenarioInput;
