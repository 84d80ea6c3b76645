/**
 * `latency`: a `latency` toxic, `latencyMs` ± `jitterMs` on every chunk from Consul to the service.
 *
 * @module
 */
import { z } from 'zod';
import { addDownstreamToxic, defineFaultKind } from '../fault-kind.ts';

export const latencyFault = defineFaultKind({
  type: 'latency',
  schema: z.strictObject({
    type: z.literal('latency'),
    /** Added latency, ms. 1–60 000. */
    latencyMs: z.int().min(1).max(60_000),
    /** Jitter, ms (±). 0–60 000. Default 0. */
    jitterMs: z.int().min(0).max(60_000).default(0),
  }),
  apply: (target, fault) => addDownstreamToxic(target, 'latency', { latency: fault.latencyMs, jitter: fault.jitterMs }),
});
