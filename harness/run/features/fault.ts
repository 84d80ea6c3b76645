/**
 * Faults (scenario `fault`): Toxiproxy sits between the service and Consul for the scenario (started once,
 * stopped after it), each row gets a proxy of its own, and the fault is two steps on the row's timeline: on at the
 * start of the `fault` phase, off at the start of `drain` (a stall keeps what it swallowed; see
 * `harness/faults/fault-profiles.ts`). After the load the proxy is cleared, closing what a stall still holds, and after the row it is removed.
 *
 * @module
 */
import { BenchError } from '../../errors.ts';
import type { FaultProxy } from '../../faults/toxiproxy-server.ts';
import type { RowFeature } from '../row-feature.ts';

export const faultFeature: RowFeature = {
  name: 'fault',
  async forScenario({ scenario, ordinal }, env) {
    const fault = scenario.fault;
    if (!fault) return undefined;
    if (!env.startToxiproxy) {
      throw new BenchError(
        'TOXIPROXY_UNAVAILABLE',
        `${scenario.name} injects faults and needs Toxiproxy, which this run was not given`,
      );
    }
    const toxiproxy = await env.startToxiproxy();
    const stopToxiproxy = env.teardown.defer('toxiproxy', () => toxiproxy.stop());
    env.noteTool('toxiproxy-server', toxiproxy.version);
    return {
      close: stopToxiproxy,
      forRow(row) {
        let proxy: FaultProxy | undefined;
        let removeProxy: (() => Promise<void>) | undefined;
        const emitFault = (action: 'start' | 'end') =>
          env.events.emit('fault', { scenario: scenario.name, client: row.spec.name, action, fault: fault.type });
        const step = (label: string, atMs: number, action: 'start' | 'end') =>
          row.timeline.add({
            label,
            atMs,
            run: async () => {
              try {
                await (action === 'start' ? proxy?.apply(fault) : proxy?.end(fault));
                emitFault(action);
              } catch (err) {
                env.events.emit('notice', `could not ${action} the fault: ${(err as Error).message}`);
              }
            },
          });
        return {
          async beforeTarget() {
            const name = `consul-${ordinal}-${row.spec.name.replace(/[^a-z0-9-]/gi, '_')}`;
            // in front of whatever the client would reach: Consul, or the `network` feature's RTT proxy
            const p = await toxiproxy.proxy(name, row.consulUrl);
            proxy = p;
            removeProxy = env.teardown.defer(`toxiproxy proxy for ${row.spec.name}`, () => p.remove().catch(() => {}));
            row.consulUrl = p.url;
            if (toxiproxy.pid !== undefined) row.pathPids.add(toxiproxy.pid);
          },
          async beforeMeasure() {
            const at = (phase: string) => row.phases?.find((p) => p.name === phase)?.startMs;
            const start = at('fault');
            const end = at('drain');
            if (start !== undefined) step('fault on', start, 'start');
            if (end !== undefined) step('fault off', end, 'end');
          },
          async afterLoad() {
            await proxy?.clear();
          },
          async afterRow() {
            await removeProxy?.();
          },
        };
      },
    };
  },
};
