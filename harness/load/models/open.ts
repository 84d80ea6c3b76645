/**
 * The open model: requests arrive at `rate` (constant gaps or Poisson) whether or not earlier ones answered, from
 * worker threads (`harness/load/open-load.ts`); latency is from each request's intended send time (corrected for
 * coordinated omission), a request given up at the timeout counts at the timeout (censored), and the uncorrected
 * latency (from the actual send) is kept beside it. The row gets `open` (the schedule's figures) and
 * `generator-behind` when the generator's own send lag p99 reached 10 ms.
 *
 * @module
 */
import { int, latencyCell, msFromUs } from '../../report/format.ts';
import { encodeHistogram, summarize } from '../latency-histogram.ts';
import type { OpenLoadResult } from '../open-load.ts';
import { defineLoadModel, type ModelRow } from './load-model.ts';

const ms = msFromUs;
/**
 * The uncorrected p99, `≥` when it is a lower bound: the requests it counts beyond the answers were given up after
 * they were sent (counted to their deadline; reports made before those were counted have none).
 */
const uncorrectedP99 = (r: ModelRow): string =>
  r.open ? latencyCell(r.open.uncorrectedLatencyUs, r.open.uncorrectedLatencyUs.count - r.requests, 'p99') : '–';

export const OPEN_MODEL = defineLoadModel({
  name: 'open',
  title: 'open model',
  validate: (load) =>
    load.rate === undefined
      ? { path: 'rate', message: 'load.rate (req/s) is required when load.model is open' }
      : undefined,
  timeoutS: (load) => load.openTimeoutS ?? load.timeoutS,
  connections: (load) => load.maxInFlight,
  async prepare(common, load, _targetConnections, events) {
    const { prepareOpenLoad } = await import('../open-load.ts');
    const { rate = 1, arrival, maxInFlight, workers } = load;
    return prepareOpenLoad(
      { ...common, timeoutS: load.openTimeoutS ?? load.timeoutS, rate, arrival, maxInFlight, workers },
      events,
    );
  },
  rowResults(load) {
    const { open } = load as OpenLoadResult;
    const seconds = Math.max(1e-9, load.durationMs / 1000);
    return {
      fields: {
        open: {
          rate: open.rate,
          arrival: open.arrival,
          maxInFlight: open.maxInFlight,
          workers: open.workers,
          scheduled: open.scheduled,
          sent: open.sent,
          late: open.late,
          dropped: open.dropped,
          censored: open.censored,
          achievedRps: load.responses / seconds,
          uncorrectedLatencyUs: summarize(open.uncorrected),
          uncorrectedHistogram: encodeHistogram(open.uncorrected),
          sendLagP99Us: open.sendLag.totalCount > 0 ? open.sendLag.getValueAtPercentile(99) : 0,
          behind: open.behind,
        },
      },
      flags: open.behind ? ['generator-behind'] : load.loadGenerator.saturated ? ['load-generator-saturated'] : [],
    };
  },
  describe: (load, connections) =>
    `open model ${int(load.rate ?? 0)} req/s${connections !== undefined ? `, at most ${int(connections)} in flight` : ''}`,
  loadLine: (load, window, keys) =>
    `Load: **open model**, ${load.arrival} arrivals at ${int(load.rate ?? 0)} req/s, sent whether or not earlier requests answered (at most ${int(load.maxInFlight)} in flight, ${load.workers} generator worker thread${load.workers === 1 ? '' : 's'}), ${window} per row after a ${load.warmupS} s warm-up (discarded); ${keys}. Latency is from each request's **intended** send time (corrected for coordinated omission; a request given up at the timeout counts at the timeout, censored); the uncorrected latency (from the actual send) is beside it.`,
  giveUp: (load) =>
    `the load generator gives up on a request after ${load.openTimeoutS ?? load.timeoutS} s, recording it censored at that timeout`,
  latencyOf:
    "Corrected latency (open model: from each request's intended send time) of every answer and of requests given up at the generator's timeout",
  p99Of:
    "p99 of every answer and of requests given up at the generator's timeout, from each request's intended send time (open model, corrected for coordinated omission)",
  headlineColumns: [
    { header: 'p99 uncorrected ms', cell: uncorrectedP99 },
    { header: 'generator lag p99 ms', cell: (r) => (r.open ? ms(r.open.sendLagP99Us) : '–') },
    { header: 'late / dropped', cell: (r) => (r.open ? `${int(r.open.late)} / ${int(r.open.dropped)}` : '–') },
  ],
  terminalColumns: [
    { header: 'p99 uncorr. ms', cell: uncorrectedP99 },
    { header: 'late/dropped', cell: (r) => (r.open ? `${int(r.open.late)}/${int(r.open.dropped)}` : '–') },
  ],
  progressSuffix: (r) => (r.open ? ` (corrected; uncorrected ${uncorrectedP99(r)} ms)` : ''),
  terminalTitle: (load) => ` (open model: latency from the intended send time; ${int(load.rate ?? 0)} req/s)`,
});
