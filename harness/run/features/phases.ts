/**
 * Phases and the leak verdict (scenarios with `phases`): the measured window is baseline → fault → drain with the
 * load running throughout, then the quiesce: the load stops and the row waits `phases.quiesceS` while the service
 * keeps sampling. Per phase, the answers to requests sent in it (latency, RPS, errors); the service's samples
 * aligned on the window with their phase; and the leak verdict judged from that timeline and what the service held
 * when idle (`harness/diagnosis/leak-verdict.ts`).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { judgeLeak } from '../../diagnosis/leak-verdict.ts';
import { encodeHistogram, summarize } from '../../load/latency-histogram.ts';
import type { OpenPhaseLoadResult } from '../../load/open-load.ts';
import type { PhaseResult, TimelineSample } from '../../report/report-schema.ts';
import { okCount } from '../../results/build-row.ts';
import { measuredSeconds } from '../../scenario/scenario-schema.ts';
import type { ServiceSample } from '../../service/service-meters.ts';
import type { RowFeature } from '../row-feature.ts';
import { CONSUL_RATE_WINDOW_MS, ConsulRateMeter } from './consul-rate-meter.ts';

/** The service's samples as offsets of the window, each with its phase; samples outside the window are left out. */
export function alignTimeline(
  samples: readonly ServiceSample[],
  startedAtEpochMs: number,
  bounds: { faultStartMs: number; drainStartMs: number; endMs: number; quiesceEndMs: number },
): TimelineSample[] {
  return samples
    .map((smp): TimelineSample => {
      const tMs = smp.t - startedAtEpochMs;
      return {
        tMs,
        phase:
          tMs < bounds.faultStartMs
            ? 'baseline'
            : tMs < bounds.drainStartMs
              ? 'fault'
              : tMs <= bounds.endMs
                ? 'drain'
                : 'quiesce',
        inFlight: smp.inFlight,
        pending: smp.pending,
        longPolls: smp.longPolls,
        ...(smp.sockets ? { sockets: smp.sockets } : {}),
        resources: smp.resources,
        heapUsedBytes: smp.heapUsedBytes,
        rssBytes: smp.rssBytes,
        elu: smp.elu,
        eventLoopDelayP99Ms: smp.eventLoopDelayP99Ms,
      };
    })
    .filter((smp) => smp.tMs >= 0 && smp.tMs <= bounds.quiesceEndMs);
}

/** The longest the warm idle baseline waits for the warm-up's reads to settle, ms. */
const WARM_SETTLE_MAX_MS = 3000;

/**
 * The last part of that wait, ms, over which the service takes its warm idle baseline: the most of each resource
 * type seen, so a poll in flight at one moment does not lower it (see `idleResourceCounts`).
 */
const IDLE_SPAN_MS = 1000;

export const phasesFeature: RowFeature = {
  name: 'phases',
  forScenario({ scenario }, env) {
    const phases = scenario.phases;
    if (!phases) return undefined;
    const endMs = measuredSeconds(scenario) * 1000;
    const quiesceMs = phases.quiesceS * 1000;
    return {
      forRow: (row) => {
        let quiesceStartedAt: number | undefined;
        let quiesceEndedAt: number | undefined;
        /** The service's retained heap, bytes: warm and idle, and after the quiesce. */
        const heap: { idleBytes?: number | undefined; afterBytes?: number | undefined } = {};
        const consul = new ConsulRateMeter(row.consul, row.prefix, (m) => env.events.emit('notice', m));
        return {
          async afterTarget() {
            await consul.measureIdle(CONSUL_RATE_WINDOW_MS, env.signal);
          },
          async afterWarmup() {
            // the idle baseline, warm: once the warm-up's reads settled, what the client keeps on purpose (a timer
            // per cached key, a watch) is in it, as goleak's IgnoreCurrent() and assertNoLeaks' warm snapshot
            if (scenario.load.warmupS <= 0) return;
            const settleMs = Math.min(WARM_SETTLE_MAX_MS, scenario.clientOptions.requestTimeoutMs + 500);
            const spanMs = Math.min(IDLE_SPAN_MS, settleMs);
            await sleep(settleMs - spanMs, undefined, env.signal ? { signal: env.signal } : undefined).catch(() => {});
            heap.idleBytes = (await row.target?.idle?.(spanMs))?.heapBytes;
          },
          async settle() {
            quiesceStartedAt = Date.now();
            await consul.open();
            env.events.emit('phase', {
              scenario: scenario.name,
              client: row.spec.name,
              phase: 'quiesce',
              durationS: phases.quiesceS,
              connections: 0,
            });
            await sleep(quiesceMs, undefined, env.signal ? { signal: env.signal } : undefined).catch(() => {});
            quiesceEndedAt = Date.now();
            await consul.close();
            heap.afterBytes = await row.target?.retainedHeap?.();
          },
          async afterRow() {
            await consul.close();
          },
          addResults(result, { load, service, startedAtEpochMs }) {
            const marks = row.phases ?? [];
            result.phases = load.phases.map((p, i): PhaseResult => {
              const ok = okCount(p.byStatus);
              const durationMs = (marks[i + 1]?.startMs ?? endMs) - p.startMs;
              return {
                name: p.name as PhaseResult['name'],
                startMs: p.startMs,
                durationMs,
                requests: p.responses,
                ok,
                rps: ok / (durationMs / 1000),
                latencyUs: summarize(p.histogram),
                histogram: encodeHistogram(p.histogram),
                errors: p.responses - ok + p.requestErrors,
                ...('uncorrected' in p
                  ? {
                      uncorrectedLatencyUs: summarize((p as OpenPhaseLoadResult).uncorrected),
                      censored: (p as OpenPhaseLoadResult).censored,
                    }
                  : {}),
              };
            });
            if (!service) return;
            const quiesceEndMs = Math.max(endMs, Date.now() - startedAtEpochMs);
            const bounds = {
              faultStartMs: marks[1]!.startMs,
              drainStartMs: marks[2]!.startMs,
              endMs,
              quiesceEndMs,
              ...(quiesceStartedAt !== undefined ? { quiesceStartMs: quiesceStartedAt - startedAtEpochMs } : {}),
            };
            result.timeline = alignTimeline(service.timeline, startedAtEpochMs, bounds);
            const rowTimeout = row.spec.options?.requestTimeoutMs;
            const consulRates =
              quiesceEndedAt === undefined
                ? undefined
                : consul.rates(quiesceEndedAt - CONSUL_RATE_WINDOW_MS, quiesceEndedAt);
            const { verdict, ...evidence } = judgeLeak(result.timeline, bounds, service.idleResources, {
              clientTimeoutMs: typeof rowTimeout === 'number' ? rowTimeout : scenario.clientOptions.requestTimeoutMs,
              ...(consulRates ? { consulRates } : {}),
              ...(heap.idleBytes !== undefined && heap.afterBytes !== undefined
                ? { retainedHeap: { idleBytes: heap.idleBytes, afterBytes: heap.afterBytes } }
                : {}),
            });
            result.leak = { verdict, evidence };
          },
        };
      },
    };
  },
};
