/**
 * Consul restarts (scenario `restart`): on the Consul the scenario runs on (a persistent local server the harness
 * can stop and start, see `harness/run/scenario-consul.ts`), two steps on the row's timeline: at the start of the
 * `fault` phase Consul is stopped; at the start of `drain` it is started again, with its data or on a fresh data
 * dir (every key seeded again), and version 1 of each probed key is written. The row gets its recovery figures
 * from the freshness prober's reads.
 *
 * @module
 */
import { type ConsulRequestCounts, consulRequestCounts, seedKeys } from '../../consul/consul-admin.ts';
import { BenchError } from '../../errors.ts';
import { analyzeRecovery } from '../../freshness/freshness-analysis.ts';
import { scenarioValues } from '../../scenario/scenario-keys.ts';
import type { RowFeature } from '../row-feature.ts';

export const restartFeature: RowFeature = {
  name: 'restart',
  forScenario({ scenario }, env) {
    const restart = scenario.restart;
    const fresh = scenario.freshness;
    if (!restart || !fresh) return undefined;
    return {
      forRow(row) {
        const control = row.consul.restart;
        const now = (): number => performance.now() - row.originMs;
        const emit = (action: 'start' | 'end', fault: string) =>
          env.events.emit('fault', { scenario: scenario.name, client: row.spec.name, action, fault });
        const times = { downMs: 0, upMs: 0, backMs: 0, freshAckMs: 0, startMs: 0 };
        let countsBeforeDown: ConsulRequestCounts | undefined;
        return {
          async beforeTarget() {
            if (!control)
              throw new BenchError('USAGE', `${scenario.name}: this Consul cannot be restarted by the harness`);
          },
          async beforeMeasure() {
            const down = row.phases?.find((p) => p.name === 'fault')?.startMs ?? 0;
            const up = row.phases?.find((p) => p.name === 'drain')?.startMs ?? 0;
            row.timeline.add({
              label: 'consul down',
              atMs: down,
              run: async () => {
                countsBeforeDown = await consulRequestCounts(row.consul);
                times.downMs = now();
                emit('start', `consul-restart (${restart.keepData ? 'keeping its data' : 'fresh data dir'})`);
                await control?.down();
              },
            });
            row.timeline.add({
              label: 'consul up',
              atMs: up,
              run: async () => {
                times.upMs = now();
                await control?.up({ freshData: !restart.keepData });
                times.backMs = now();
                times.startMs = times.backMs - times.upMs;
                // With its data, only the probed keys get their new version; on a fresh data dir every key is
                // seeded again and Consul counts as back once they are.
                await seedKeys(row.consul, scenarioValues(scenario, row.prefix, row.keys, 1, restart.keepData));
                if (!restart.keepData) times.backMs = now();
                times.freshAckMs = now();
                emit('end', 'consul-restart');
              },
            });
          },
          async afterLoad(measured) {
            for (const label of ['consul down', 'consul up']) {
              const outcome = row.timeline.outcome(label);
              if (!outcome) throw new BenchError('INTERRUPTED', `${scenario.name}: the run stopped before ${label}`);
              if (!outcome.ok) throw outcome.error;
            }
            // Consul's counters restarted from 0 with the process: count what it served before the stop, plus since.
            const b = measured.before;
            const d = countsBeforeDown;
            measured.before = b && d ? { ...b, kvGets: b.kvGets - d.kvGets } : undefined;
          },
          addResults(result, { load }) {
            if (!row.prober) return;
            const restartTimes = {
              ...times,
              freshVersions: Array.from({ length: fresh.keys }, () => 1),
              endMs: load.durationMs,
            };
            result.recovery = {
              keepData: restart.keepData,
              consulDownMs: times.backMs - times.downMs,
              consulStartMs: times.startMs,
              ...analyzeRecovery(row.prober.reads, restartTimes),
            };
          },
        };
      },
    };
  },
};
