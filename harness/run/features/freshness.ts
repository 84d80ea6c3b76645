/**
 * Freshness (scenario `freshness`): the probed keys are seeded at version 0 before each row; during the measured
 * window a prober reads them through the service and, with `writesPerSecond` > 0, a writer updates them (stopping
 * `settleS` before the end, a step on the timeline). The row gets its staleness figures (propagation delay, stale
 * reads, Consul requests per second); a restart scenario's recovery figures come from the same prober
 * (`restart.ts`). The prober's reads go through the service and so reach Consul: the row's Consul requests per
 * request counts them as requests served.
 *
 * @module
 */
import { seedKeys } from '../../consul/consul-admin.ts';
import { analyzeStaleness } from '../../freshness/freshness-analysis.ts';
import { KeyWriter } from '../../freshness/key-writer.ts';
import { Prober } from '../../freshness/prober.ts';
import { scenarioValues } from '../../scenario/scenario-keys.ts';
import { measuredSeconds } from '../../scenario/scenario-schema.ts';
import type { RowFeature } from '../row-feature.ts';

export const freshnessFeature: RowFeature = {
  name: 'freshness',
  forScenario({ scenario }) {
    const fresh = scenario.freshness;
    if (!fresh) return undefined;
    return {
      forRow(row) {
        let writer: KeyWriter | undefined;
        return {
          async beforeTarget() {
            await seedKeys(row.consul, scenarioValues(scenario, row.prefix, row.keys, 0, true));
          },
          async beforeMeasure() {
            if (!row.target?.stats) return; // consul-direct: nothing to probe through
            const probeKeys = row.keys.slice(0, fresh.keys);
            row.prober = new Prober({
              serviceUrl: row.target.url,
              keys: probeKeys,
              intervalMs: fresh.probeIntervalMs,
              originMs: row.originMs,
            });
            await row.prober.start();
            if (fresh.writesPerSecond <= 0) return;
            const w = new KeyWriter({
              consul: row.consul,
              keys: probeKeys.map((k) => row.prefix + k),
              ratePerSecond: fresh.writesPerSecond,
              valueBytes: scenario.keys.valueBytes,
              originMs: row.originMs,
            });
            writer = w;
            w.start();
            const stopAtMs = Math.max(0, measuredSeconds(scenario) - fresh.settleS) * 1000;
            row.timeline.add({ label: 'writer stop', atMs: stopAtMs, run: () => w.stop() });
          },
          // Stopped as the load stops, before the quiesce (the phases feature's `settle`, after this one): the
          // prober's keep-alive connections to the service are the harness's own, and left open they were
          // counted as the service's orphaned sockets (`TCPSocketWrap +5`, every restart row judged a leak).
          async settle() {
            await writer?.stop();
            await row.prober?.stop();
          },
          addResults(result, { load }) {
            if (!row.prober) return;
            // Consul counted the prober's reads too (they go through the service): count them as requests served.
            const served = result.requests + row.prober.reads.filter((r) => r.status !== 0).length;
            if (result.consulRequests !== null && served > 0)
              result.consulRequestsPerRequest = result.consulRequests / served;
            if (!writer) return;
            const measuredS = load.durationMs / 1000;
            result.staleness = {
              keys: fresh.keys,
              writesPerSecond: fresh.writesPerSecond,
              probeIntervalMs: fresh.probeIntervalMs,
              writeFailures: writer.failures,
              ...analyzeStaleness(writer.acks, row.prober.reads),
              consulRequestsPerSecond:
                result.consulRequests !== null && measuredS > 0 ? result.consulRequests / measuredS : null,
            };
          },
        };
      },
    };
  },
};
