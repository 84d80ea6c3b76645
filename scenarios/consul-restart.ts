/**
 * `consul-restart`: Consul is stopped in the middle of a row and started again 10 s later with its data (Raft and
 * KV on disk; the harness runs a persistent single-node server of its own for this). After it is back the harness
 * writes a new version of the probed keys. Per row: the error window, whether the service served (stale) values
 * while Consul was down, the time from that write to the first fresh answer, and whether it recovered at all.
 * The recovery phase (40 s) is longer than a watch's `wait` (30 s), so a watch that waits out its blocking query
 * still shows up as recovered, late.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'consul-restart',
  description: 'Consul stopped for 10 s and restarted with its data: error window, stale serving, time to fresh data',
  keys: { count: 100, valueBytes: 1024 },
  load: { connections: 20, warmupS: 2, timeoutS: 10 },
  phases: { baselineS: 5, faultS: 10, drainS: 40 },
  restart: { keepData: true },
  freshness: { keys: 5, probeIntervalMs: 10 },
  clients: ['naive-fetch', 'pooled', 'consul-npm', 'polling', 'watch-cached', 'consul-npm-watch'],
  quick: { warmupS: 1, phases: { baselineS: 2, faultS: 4, drainS: 12 } },
} satisfies ScenarioInput;
