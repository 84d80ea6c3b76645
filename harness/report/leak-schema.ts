/**
 * The parts of `report.json` the leak diagnosis writes: the service's timeline samples and the leak verdict with its
 * evidence (`harness/diagnosis/leak-verdict.ts`). Part of the report schema (`report-schema.ts`).
 *
 * @module
 */

import { z } from 'zod';
import { LEAK_METERS } from '../diagnosis/leak-evidence.ts';

const count = z.int().min(0);

const SignalEvidenceSchema = z.object({
  baseline: z.number(),
  faultPeak: z.number(),
  faultSlopePerS: z.number(),
  drainEnd: z.number(),
  residual: z.number(),
  tolerance: z.number(),
  rose: z.boolean(),
  stayedUp: z.boolean(),
});

const OrphanEvidenceSchema = z
  .object({
    graceMs: z.number().min(0).describe('length of the quiesce: the load stopped, nothing new was asked'),
    samples: count.describe('samples taken during the quiesce'),
    pending: count.describe("reads handed to the client and still not settled (min over the quiesce's last second)"),
    inFlight: count.describe('requests to Consul still on the wire, long polls aside (min over the last second)'),
    longPolls: count
      .optional()
      .describe('blocking queries (watches) open above their median before the fault (min over the last second)'),
    consulReadsPerS: z
      .object({ idle: z.number().min(0), quiesce: z.number().min(0), excess: z.number().min(0) })
      .optional()
      .describe(
        "the row's KV reads a second at Consul (its log stream): idle before the load, at the end of the quiesce, and the excess judged",
      ),
    retainedHeapBytes: z
      .object({ idle: count, after: count, growth: count })
      .optional()
      .describe(
        'the memory retained after full GCs, bytes (Node: heapUsed + external; Go: HeapAlloc): warm and idle, after the quiesce, and the growth judged',
      ),
    decidedBy: z
      .array(z.enum(LEAK_METERS))
      .optional()
      .describe('the meters past their thresholds, which made the verdict a leak (absent on other verdicts)'),
    resources: z
      .record(z.string(), count)
      .describe('active resource types above the idle baseline, by how many (min over the last second)'),
    worst: count.describe(
      'the largest of pending, inFlight, longPolls and any resource excess: the orphaned work judged',
    ),
  })
  .describe("what was left after the load stopped and a grace period (checked against the client's stated timeout)");

export const LeakSchema = z
  .object({
    verdict: z.enum(['leak', 'no-leak', 'inconclusive']),
    evidence: z.object({
      reason: z.string().describe('one sentence a reader can check against the timeline'),
      inFlight: SignalEvidenceSchema.optional().describe('requests in flight to Consul (long polls excluded)'),
      establishedSockets: SignalEvidenceSchema.optional().describe('client sockets ESTABLISHED to Consul (Linux)'),
      orphans: OrphanEvidenceSchema.optional(),
      grownResources: z
        .record(z.string(), z.number())
        .describe('active resource types above baseline at the end of the drain, by how many'),
      samples: z.object({ baseline: count, fault: count, drainTail: count }),
    }),
  })
  .describe('the leak verdict of a fault scenario (harness/diagnosis/leak-verdict.ts)');

export const TimelineSampleSchema = z.object({
  tMs: z.number().describe('offset from the measured window start'),
  phase: z
    .enum(['baseline', 'fault', 'drain', 'quiesce'])
    .describe('quiesce: after the load stopped, before the row ended (the leak verdict judges what is left then)'),
  inFlight: count.describe('requests to Consul in flight (long polls excluded)'),
  pending: count
    .optional()
    .describe('reads handed to the client and not settled, wherever they wait (on the wire, queued, sleeping)'),
  longPolls: count.describe('blocking queries held open on purpose'),
  sockets: z
    .record(z.string(), count)
    .optional()
    .describe(
      'sockets of connections to Consul by TCP state (/proc/net/tcp; Linux): the client side in every state, plus TIME_WAIT at either end',
    ),
  resources: z.record(z.string(), count).describe('process.getActiveResourcesInfo() by type'),
  heapUsedBytes: count,
  rssBytes: count,
  elu: z.number().min(0).max(1),
  eventLoopDelayP99Ms: z.number().min(0),
});
