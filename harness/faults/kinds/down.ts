/**
 * `down`: the proxy disabled: open connections are closed and new ones refused, as when Consul is down.
 *
 * @module
 */
import { z } from 'zod';
import { defineFaultKind } from '../fault-kind.ts';

export const downFault = defineFaultKind({
  type: 'down',
  schema: z.strictObject({ type: z.literal('down') }),
  async apply({ client, proxyName }) {
    const proxy = await client.get(proxyName);
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  },
});
