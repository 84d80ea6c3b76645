/**
 * `reset`: a `reset_peer` toxic: connections are reset (TCP RST) `afterMs` after they open.
 *
 * @module
 */
import { z } from 'zod';
import { addDownstreamToxic, defineFaultKind } from '../fault-kind.ts';

export const resetFault = defineFaultKind({
  type: 'reset',
  schema: z.strictObject({
    type: z.literal('reset'),
    /** Reset connections this long after they open, ms. 0–60 000. Default 0 (at once). */
    afterMs: z.int().min(0).max(60_000).default(0),
  }),
  apply: (target, fault) => addDownstreamToxic(target, 'reset_peer', { timeout: fault.afterMs }),
});
