/**
 * A round trip that is not loopback's (scenario `network.rttMs`, `--rtt`): Toxiproxy sits between the service and
 * Consul for the scenario, each row gets a proxy of its own with a `latency` toxic on each direction (upstream
 * ⌊rtt/2⌋ ms, downstream the rest; Toxiproxy's latency is whole ms), so every request, and every TLS handshake,
 * pays the round trip. Toxiproxy delays each chunk from the time it read it, so chunks in flight are not queued
 * behind each other's delay.
 *
 * Not delayed: the TCP handshake between the client and the proxy (Toxiproxy accepts at once and dials Consul
 * itself), and the harness's own calls to Consul (seeding, counters, the freshness writer). The kernel's `netem`
 * would delay those too; the machines this was built on have no `CONFIG_NET_SCH_NETEM`.
 *
 * Runs before the `fault` feature, whose proxy then sits in front of this one (service → fault → RTT → Consul).
 *
 * @module
 */
import { BenchError } from '../../errors.ts';
import type { RowFeature } from '../row-feature.ts';

/** How a round trip of `rttMs` is split over the two directions, ms: `[upstream, downstream]`. */
export function splitRtt(rttMs: number): [number, number] {
  const up = Math.floor(rttMs / 2);
  return [up, rttMs - up];
}

export const networkFeature: RowFeature = {
  name: 'network',
  async forScenario({ scenario, ordinal }, env) {
    const rttMs = scenario.network.rttMs;
    if (rttMs <= 0) return undefined;
    if (!env.startToxiproxy) {
      throw new BenchError(
        'TOXIPROXY_UNAVAILABLE',
        `${scenario.name} adds a ${rttMs} ms round trip through Toxiproxy, which this run was not given`,
      );
    }
    const toxiproxy = await env.startToxiproxy();
    const stopToxiproxy = env.teardown.defer('toxiproxy (rtt)', () => toxiproxy.stop());
    env.noteTool('toxiproxy-server', toxiproxy.version);
    const [up, down] = splitRtt(rttMs);
    return {
      close: stopToxiproxy,
      forRow(row) {
        let removeProxy: (() => Promise<void>) | undefined;
        return {
          async beforeTarget() {
            const name = `rtt-${ordinal}-${row.spec.name.replace(/[^a-z0-9-]/gi, '_')}`;
            const p = await toxiproxy.proxy(name, row.consulUrl);
            removeProxy = env.teardown.defer(`toxiproxy rtt proxy for ${row.spec.name}`, () =>
              p.remove().catch(() => {}),
            );
            await p.addLatency({ upstreamMs: up, downstreamMs: down });
            row.consulUrl = p.url;
            if (toxiproxy.pid !== undefined) row.pathPids.add(toxiproxy.pid);
          },
          async afterRow() {
            await removeProxy?.();
          },
        };
      },
    };
  },
};
