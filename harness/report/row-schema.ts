/**
 * The measured row of the raw results (`report.json`'s `results[]`, without its `runs`): what one row of a
 * scenario measured. Part of the report schema (`report-schema.ts`); the per-run figures (`runs[]`) are derived from
 * the figure registry (`harness/figures/`).
 *
 * Units are in the field names: `Us` microseconds, `Ms` milliseconds, `Bytes` bytes, `S` seconds.
 *
 * @module
 */
import { z } from 'zod';
import { ERROR_CAUSE_NAMES, ERROR_CAUSES, type ErrorCause, type ErrorCauseEntry } from '../../clients/index.ts';
import { LeakSchema, TimelineSampleSchema } from './leak-schema.ts';

const count = z.int().min(0);

export const LatencyUsSchema = z
  .object({
    p50: count,
    p90: count,
    p99: count,
    p999: count.describe('p99.9'),
    max: count,
    mean: count,
    count: count.describe('latencies recorded (2xx answers)'),
  })
  .describe('latency of 2xx answers, µs, from an HDR histogram (1 µs–120 s, 3 significant digits)');

/** Error fields the load generator itself counts (the rest are the service's causes, {@link ERROR_CAUSES}). */
const LOAD_ERROR_FIELDS = {
  total: count.describe('non2xx + timeouts + connection'),
  non2xx: count.describe('answers with a status outside 2xx'),
  timeouts: count.describe('requests the load generator gave up on after load.timeoutS'),
  connection: count.describe('requests that failed without an answer (refused, reset)'),
};

type CauseField<C extends ErrorCause> = (typeof ERROR_CAUSES)[C] extends { optionalInReports: true }
  ? z.ZodOptional<typeof count>
  : typeof count;

/** One count per cause of `clients/support/client-errors.ts`, described as that table describes it. */
const CAUSE_FIELDS = Object.fromEntries(
  ERROR_CAUSE_NAMES.map((cause) => {
    const entry: ErrorCauseEntry = ERROR_CAUSES[cause];
    const field = count.describe(entry.description);
    return [cause, entry.optionalInReports ? field.optional() : field];
  }),
) as { [C in ErrorCause]: CauseField<C> };

export const ErrorsSchema = z.object({ ...LOAD_ERROR_FIELDS, ...CAUSE_FIELDS }).describe('errors by cause');

/** The columns of the "errors by cause" table, in order: the load generator's, then the service's causes. */
export const ERROR_BREAKDOWN = ['non2xx', 'timeouts', 'connection', ...ERROR_CAUSE_NAMES] as const;

export const PhaseResultSchema = z.object({
  name: z
    .enum(['baseline', 'fault', 'drain'])
    .describe('fault: the fault (or, for a restart, Consul down); drain: after it'),
  startMs: z.number().min(0).describe('offset from the measured window start'),
  durationMs: z.number().min(0),
  requests: count.describe('answers to requests sent in this phase'),
  ok: count,
  rps: z.number().min(0).describe('2xx answers per second of the phase'),
  latencyUs: LatencyUsSchema,
  histogram: z.string().describe('2xx latency HDR histogram of the phase, µs, compressed base64'),
  errors: count.describe('non-2xx answers plus requests that failed without an answer'),
  uncorrectedLatencyUs: LatencyUsSchema.optional().describe(
    'open model: latency of every answer from the actual send (service time); latencyUs is then from the intended send',
  ),
  censored: count
    .optional()
    .describe('open model: requests of the phase given up at the timeout (in latencyUs at exactly the timeout)'),
});

export const StalenessSchema = z
  .object({
    keys: count.describe('keys written and probed'),
    writesPerSecond: z.number().min(0).describe('configured write rate over those keys'),
    probeIntervalMs: z
      .number()
      .min(0)
      .describe("pause between one key's probe reads: the resolution, plus the service's latency"),
    writes: count.describe('acknowledged writes (sent before the settle period)'),
    writeFailures: count.describe('writes Consul refused or that failed'),
    writesSeen: count.describe('writes whose value (or a newer one) a probe read returned'),
    writesUnseen: count.describe('writes never seen by the end of the row'),
    propagationUs: LatencyUsSchema.describe(
      "delay from a write's acknowledgement to the first service response carrying it, µs",
    ),
    propagationHistogram: z.string().describe('the propagation delays, HDR histogram, µs, compressed base64'),
    propagationLowerUs: LatencyUsSchema.optional().describe(
      "lower bound of the delay: to the send time of the last probe read that still got the old value (propagationUs, which includes the probe read's own latency, is the upper bound), µs",
    ),
    propagationLowerHistogram: z.string().optional().describe('the lower bounds, HDR histogram, µs, compressed base64'),
    reads: count.describe('probe reads answered 200 with a versioned value'),
    staleReads: count.describe('of those, reads older than the newest write acknowledged before the read was sent'),
    staleShare: z.number().min(0).max(1).describe('staleReads / reads'),
    failedReads: count.describe('probe reads without a 200'),
    consulRequestsPerSecond: z
      .number()
      .min(0)
      .nullable()
      .describe('KV GETs Consul counted per second of the window: what one client instance costs Consul'),
  })
  .describe('freshness under writes (watch-propagation)');

export const RecoverySchema = z
  .object({
    keepData: z
      .boolean()
      .describe('Consul restarted with its data (true) or on a fresh data dir, keys seeded again (false)'),
    consulDownMs: z
      .number()
      .min(0)
      .describe('from the stop to a known leader again (and the keys seeded again, on a fresh data dir)'),
    consulStartMs: z.number().min(0).describe('from the start command to a known leader'),
    errorWindowMs: z
      .number()
      .min(0)
      .nullable()
      .describe('from the first failed probe read to the last; null without failures'),
    failedReads: count.describe('probe reads after the stop without a 200'),
    staleWhileDown: count.describe('probe reads answered 200 while Consul was down (served from a cache)'),
    staleAfterBack: count.describe(
      'probe reads sent after the post-restart write was acknowledged that still returned the old value',
    ),
    recoveryMs: z
      .number()
      .min(0)
      .nullable()
      .describe(
        'from the post-restart write to the first fresh response of the slowest key; null when it never recovered',
      ),
    recovered: z.boolean().describe('every probed key ended on its post-restart value'),
    serviceAnswering: z
      .boolean()
      .describe('the last probe read of every key got an HTTP answer (the service was not wedged)'),
  })
  .describe('behaviour around a Consul restart (consul-restart)');

export const OpenLoadSchema = z
  .object({
    rate: z.number().min(0).describe('target arrival rate, req/s'),
    arrival: z.enum(['constant', 'poisson']),
    maxInFlight: count.describe("cap on requests in flight and on the generator's connections"),
    workers: count.describe('generator worker threads'),
    scheduled: count.describe('requests the schedule called for'),
    sent: count,
    late: count.describe(
      'sent more than 10 ms after their intended time (waiting for a free slot, or a slow generator)',
    ),
    dropped: count.describe('never sent: no free slot within the timeout'),
    censored: count.describe(
      'given up at the timeout (in flight or dropped): in the corrected latency at exactly the timeout',
    ),
    achievedRps: z.number().min(0).describe('answers of any status per second of the schedule'),
    uncorrectedLatencyUs: LatencyUsSchema.describe(
      'latency from the actual send (service time) of every answer and of every request given up after it was sent (at its deadline: a lower bound)',
    ),
    uncorrectedHistogram: z.string().describe('its HDR histogram, µs, compressed base64'),
    sendLagP99Us: z.number().min(0).describe("p99 of the generator's own send lag (requests that had a free slot), µs"),
    behind: z
      .boolean()
      .describe('the generator fell behind its schedule (send lag p99 ≥ 10 ms): flagged generator-behind'),
  })
  .describe(
    "open model (run --rate): the row's latencyUs/histogram are corrected (from the intended send time), over every answer whatever its status and every request given up at the timeout (recorded at exactly the timeout)",
  );

export const MeasuredRowSchema = z.object({
  client: z.string().describe('row name: a registered client or baseline, or a variant of one (see strategy)'),
  strategy: z.string().optional().describe('the registered client a variant row runs, when its name differs'),
  clientOptions: z.record(z.string(), z.unknown()).optional().describe("the row's client option overrides (variants)"),
  kind: z.enum(['client', 'baseline']),
  description: z.string(),
  connections: count.describe('load generator connections used for this row'),
  startedAtMs: z.number().min(0).optional().describe('start of the measured window, ms since the Unix epoch'),
  durationMs: z.number().min(0).describe('measured wall time'),
  requests: count.describe('answers of any status in the measured window'),
  ok: count.describe('2xx answers'),
  rps: z.number().min(0).describe('2xx answers per second'),
  latencyUs: LatencyUsSchema,
  histogram: z.string().describe('2xx latency HDR histogram, µs, compressed base64 (HdrHistogram encoding)'),
  errors: ErrorsSchema,
  heapBytesPerRequest: z
    .number()
    .min(0)
    .nullable()
    .describe('service heap bytes allocated per answered request (v8.GCProfiler estimate); null for consul-direct'),
  externalBytesPerRequest: z
    .number()
    .min(0)
    .nullable()
    .optional()
    .describe(
      'service memory outside the V8 heap (Buffer, ArrayBuffer) allocated per answered request, estimated from V8 external memory around GCs; null for consul-direct',
    ),
  allocatedBytesPerRequest: z
    .number()
    .min(0)
    .nullable()
    .optional()
    .describe(
      'heapBytesPerRequest + externalBytesPerRequest: all the memory the service allocated per answered request',
    ),
  peakRssBytes: count
    .nullable()
    .describe('service peak RSS in the window (sampled every 250 ms); null for consul-direct'),
  consulConnectionsOpened: count.describe(
    'TCP connections to Consul opened in the window (by the service; by the load generator for consul-direct)',
  ),
  consulConnectionsPeak: count.describe('most TCP connections to Consul open at once'),
  consulRequests: count
    .nullable()
    .describe(
      'KV GETs Consul itself counted in the window (consul_api_http_count); null when its metrics are unavailable',
    ),
  consulRequestsPerRequest: z.number().min(0).nullable().describe('consulRequests / requests'),
  service: z
    .object({
      elu: z.number().min(0).max(1),
      cpuPercent: z.number().min(0),
      gcCount: count,
      cpuUsPerRequest: z
        .number()
        .min(0)
        .optional()
        .describe("service CPU time per answered request, µs, the harness's sampler's CPU left out (samplerCostUs)"),
      samplerCostUs: z
        .object({
          mean: z.number().min(0),
          max: z.number().min(0),
          reads: z
            .number()
            .min(0)
            .optional()
            .describe('CPU time of the socket-state reads (a worker thread) in the window, all together, µs'),
        })
        .optional()
        .describe(
          "the service's own sampler (every 250 ms), µs: mean, its cost per sample (the wall time its tick held the event loop, a bound on its CPU time, plus its share of the socket reads' CPU time in a worker thread): what measuring cost; max, the longest one tick held the service's event loop",
        ),
      samplerCpuShare: z
        .number()
        .min(0)
        .optional()
        .describe("the sampler's CPU time over the service's own (without it), 0–1+: what measuring cost, apart"),
      samplerLoopShare: z
        .number()
        .min(0)
        .optional()
        .describe("share of the window's wall time the sampler's ticks held the service's event loop, 0–1"),
    })
    .nullable()
    .describe('the service process in the window; null for consul-direct'),
  loadGenerator: z
    .object({
      elu: z.number().min(0).max(1),
      cpuPercent: z.number().min(0),
      eventLoopDelayP99Ms: z.number().min(0).optional().describe("p99 of the generator's own event-loop delay, ms"),
      saturated: z.boolean(),
    })
    .describe(
      'the harness process running the closed-model generator; saturated when ELU ≥ 0.9 or its event-loop delay p99 ≥ 50 ms (then the generator set the pace)',
    ),
  consul: z
    .object({
      cpuPercent: z.number().min(0).describe('CPU time of the Consul agent over the measured window, % of one core'),
      cpuUsPerRequest: z.number().min(0).describe('Consul CPU time per answered request, µs'),
    })
    .nullable()
    .optional()
    .describe('the Consul agent, when the harness runs it as a local process (null otherwise)'),
  machine: z
    .object({
      cpuPercent: z
        .number()
        .min(0)
        .describe(
          'CPU of every process on the request path over the load (generator, service, Consul, and Toxiproxy where it is in between), % of one core',
        ),
      cores: count,
      proxyCpuPercent: z
        .number()
        .min(0)
        .optional()
        .describe("Toxiproxy's CPU over the load, % of one core (rows with a fault or a round trip through it)"),
      bound: z.boolean().describe('their CPU reached 85% of all cores: the machine, not the target, set the pace'),
    })
    .optional(),
  clientStats: z
    .record(z.string(), z.unknown())
    .describe(
      "the client's own counters since the service started, warm-up included (gets, hits, misses, errors, and extras such as the watch's)",
    ),
  flags: z
    .array(z.string())
    .describe('caveats of this row, e.g. load-generator-saturated, consul-429, connections-capped'),
  inFlightPeak: count
    .nullable()
    .describe('most requests to Consul in flight at once in the window (long polls excluded); null for consul-direct'),
  clientModule: z.string().optional().describe("path of a user's client module (--client ./file)"),
  phases: z.array(PhaseResultSchema).optional().describe('per phase, for fault scenarios'),
  timeline: z.array(TimelineSampleSchema).optional().describe('the service sampled every 250 ms through the phases'),
  leak: LeakSchema.optional(),
  staleness: StalenessSchema.optional(),
  recovery: RecoverySchema.optional(),
  open: OpenLoadSchema.optional(),
  profile: z
    .object({
      kind: z.enum(['flame', 'cpu', 'doctor']),
      files: z.array(z.string()).describe('paths relative to the output directory (--out)'),
      error: z.string().optional(),
    })
    .optional()
    .describe('profile artifacts of the service (--profile)'),
});

export type MeasuredRow = z.infer<typeof MeasuredRowSchema>;
export type LatencyUs = z.infer<typeof LatencyUsSchema>;
export type PhaseResult = z.infer<typeof PhaseResultSchema>;
export type Staleness = z.infer<typeof StalenessSchema>;
export type Recovery = z.infer<typeof RecoverySchema>;
