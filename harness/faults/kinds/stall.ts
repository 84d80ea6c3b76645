/**
 * `stall`: a `timeout` toxic with timeout 0 on the downstream (Consul → service): nothing answers and nothing
 * closes; the bytes Consul sends meanwhile are dropped. When the stall ends, the toxic's toxicity goes to 0 rather
 * than the toxic being removed: new connections and requests work again, while a request whose answer was dropped
 * stays unanswered on its open connection, as after a real network blip (the bytes are lost, the TCP connection
 * lives on). Removing the toxic would close those connections instead (Toxiproxy's timeout toxic closes its stub
 * on cleanup; measured on toxiproxy 2.12.0).
 *
 * @module
 */
import { z } from 'zod';
import { addDownstreamToxic, defineFaultKind } from '../fault-kind.ts';

export const stallFault = defineFaultKind({
  type: 'stall',
  schema: z.strictObject({ type: z.literal('stall') }),
  apply: (target) => addDownstreamToxic(target, 'timeout', { timeout: 0 }),
  async end({ client, proxyName }) {
    const res = await fetch(`${client.host}/proxies/${encodeURIComponent(proxyName)}/toxics/bench-timeout`, {
      method: 'POST',
      body: JSON.stringify({ toxicity: 0 }),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`toxiproxy refused to end the stall (HTTP ${res.status})`);
  },
});
