/**
 * Fault profiles a scenario can name, and how each maps onto Toxiproxy:
 * - `stall`: a `timeout` toxic with timeout 0 on the downstream (Consul → service): nothing answers and nothing
 *   closes; the bytes Consul sends meanwhile are dropped. When the stall ends ({@link endFault}) the toxic's
 *   toxicity goes to 0 rather than the toxic being removed: new connections and new requests work again, while
 *   a request whose answer was dropped stays unanswered on its open connection, as after a real network blip
 *   (the bytes are lost, the TCP connection lives on). Removing the toxic would close those connections instead
 *   (Toxiproxy's timeout toxic closes its stub on cleanup; measured on toxiproxy 2.12.0);
 * - `latency`: a `latency` toxic, `latencyMs` ± `jitterMs` on every chunk downstream;
 * - `reset`: a `reset_peer` toxic: connections are reset (TCP RST) after `afterMs`;
 * - `bandwidth`: a `bandwidth` toxic limiting downstream to `rateKBps` KB/s;
 * - `down`: the proxy disabled: open connections are closed and new ones refused, as when Consul is down.
 *
 * @module
 */
import type { Toxiproxy } from 'toxiproxy-node-client';
import { z } from 'zod';

/** The profiles, validated as part of a scenario. */
export const FaultProfileSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stall') }),
  z.strictObject({
    type: z.literal('latency'),
    /** Added latency, ms. 1–60 000. */
    latencyMs: z.int().min(1).max(60_000),
    /** Jitter, ms (±). 0–60 000. Default 0. */
    jitterMs: z.int().min(0).max(60_000).default(0),
  }),
  z.strictObject({
    type: z.literal('reset'),
    /** Reset connections this long after they open, ms. 0–60 000. Default 0 (at once). */
    afterMs: z.int().min(0).max(60_000).default(0),
  }),
  z.strictObject({
    type: z.literal('bandwidth'),
    /** Downstream rate, KB/s. 1–1 000 000. */
    rateKBps: z.int().min(1).max(1_000_000),
  }),
  z.strictObject({ type: z.literal('down') }),
]);

export type FaultProfile = z.output<typeof FaultProfileSchema>;

/** Starts `fault` on the named proxy. */
export async function applyFault(client: Toxiproxy, proxyName: string, fault: FaultProfile): Promise<void> {
  const proxy = await client.get(proxyName);
  const add = (type: string, attributes: Record<string, number>) =>
    proxy.addToxic({
      name: `bench-${type}`,
      type: type as never,
      stream: 'downstream' as never,
      toxicity: 1,
      attributes: attributes as never,
    });
  switch (fault.type) {
    case 'stall':
      await add('timeout', { timeout: 0 });
      return;
    case 'latency':
      await add('latency', { latency: fault.latencyMs, jitter: fault.jitterMs });
      return;
    case 'reset':
      await add('reset_peer', { timeout: fault.afterMs });
      return;
    case 'bandwidth':
      await add('bandwidth', { rate: fault.rateKBps });
      return;
    case 'down':
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      return;
  }
}

/**
 * Ends `fault` the way the network would: a `stall` keeps what it swallowed (toxicity 0, see above); every other
 * fault is removed ({@link clearFaults}).
 */
export async function endFault(client: Toxiproxy, proxyName: string, fault: FaultProfile): Promise<void> {
  if (fault.type !== 'stall') return clearFaults(client, proxyName);
  const res = await fetch(`${client.host}/proxies/${encodeURIComponent(proxyName)}/toxics/bench-timeout`, {
    method: 'POST',
    body: JSON.stringify({ toxicity: 0 }),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`toxiproxy refused to end the stall (HTTP ${res.status})`);
}

/** Removes every toxic of the named proxy and re-enables it (closing connections a stall still holds). */
export async function clearFaults(client: Toxiproxy, proxyName: string): Promise<void> {
  const proxy = await client.get(proxyName);
  // The client's Proxy.toJson() omits toxics: list them through the API.
  const res = await fetch(`${client.host}/proxies/${encodeURIComponent(proxyName)}/toxics`);
  const toxics = (await res.json()) as Array<{ name: string }>;
  for (const toxic of toxics) await (await proxy.getToxic(toxic.name)).remove();
  if (!proxy.enabled) await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
}
