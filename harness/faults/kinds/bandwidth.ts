/**
 * `bandwidth`: a `bandwidth` toxic limiting Consul → service to `rateKBps` KB/s.
 *
 * @module
 */
import { z } from 'zod';
import { addDownstreamToxic, defineFaultKind } from '../fault-kind.ts';

export const bandwidthFault = defineFaultKind({
  type: 'bandwidth',
  schema: z.strictObject({
    type: z.literal('bandwidth'),
    /** Downstream rate, KB/s. 1–1 000 000. */
    rateKBps: z.int().min(1).max(1_000_000),
  }),
  apply: (target, fault) => addDownstreamToxic(target, 'bandwidth', { rate: fault.rateKBps }),
});
