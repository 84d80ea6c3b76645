/**
 * The closed model (the harness's generator, `load-runner.ts`): `connections` callers, each sending its next request when its last one answered.
 * A stall slows the senders instead of queueing requests, so latencies are not corrected for coordinated omission.
 *
 * @module
 */
import { defineLoadModel } from './load-model.ts';

export const CLOSED_MODEL = defineLoadModel({
  name: 'closed',
  title: 'closed model',
  validate: () => undefined,
  timeoutS: (load) => load.timeoutS,
  connections: (_load, targetConnections) => targetConnections,
  async prepare(common, load, targetConnections, events) {
    const { runLoad } = await import('../load-runner.ts');
    return {
      run: () => runLoad({ ...common, timeoutS: load.timeoutS, connections: targetConnections }, events),
      cancel: () => Promise.resolve(),
    };
  },
  rowResults: (load) => ({ fields: {}, flags: load.loadGenerator.saturated ? ['load-generator-saturated'] : [] }),
  describe: (load, connections) => `${connections ?? load.connections} connections`,
  loadLine: (load, window, keys) =>
    `Load: ${load.connections} connections ${window} per row after a ${load.warmupS} s warm-up (discarded); ${keys}. Closed model (each connection sends its next request when its answer arrives): latencies are not corrected for coordinated omission.`,
  giveUp: (load) => `the load generator gives up on a request after ${load.timeoutS} s and sends another`,
  latencyOf: 'Latency of 2xx answers',
  p99Of: 'p99 of 2xx answers',
  headlineColumns: [],
  terminalColumns: [],
  progressSuffix: () => '',
  terminalTitle: () => '',
});
