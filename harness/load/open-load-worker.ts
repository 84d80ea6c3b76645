/**
 * One worker thread of the open-model generator ({@link ./open-load.ts}): it schedules requests at its share of the
 * arrival rate and sends each one whether or not earlier ones answered, on an undici `Pool` of up to `maxInFlight`
 * connections (opened as needed). Latency is measured twice, as wrk2 does: from the **intended** send time
 * (corrected for coordinated omission) and from the actual send (uncorrected service time), for every answer
 * whatever its status (a caller waits for an error as for a value).
 *
 * A request due while `maxInFlight` requests are already in flight waits for a free slot (it is then `late`, and its
 * wait is in its corrected latency); one that waited the whole timeout without a slot is `dropped`. A request with
 * no answer within the timeout is aborted and recorded in the corrected histogram at exactly the timeout,
 * marked `censored` (at least that long), and in the uncorrected one from its actual send to that deadline, so a
 * hang is never hidden by leaving it out of either.
 *
 * Runs off the harness's event loop. It says `ready` once loaded and starts at the time the harness's `start`
 * message gives (shared by every worker, so module loading never makes the first requests late); it reports once,
 * when its schedule is over and every request has settled or
 * been given up. Measures and reports; prints nothing.
 *
 * @module
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { type Dispatcher, Pool } from 'undici';
import { createLatencyHistogram, encodeHistogram, type LatencyHistogram, recordMs } from './latency-histogram.ts';
import type { OpenWorkerInput, OpenWorkerOutput, OpenWorkerTick } from './open-load-protocol.ts';
import { type Due, DueQueue, preconnect, seeded } from './open-schedule.ts';

interface Phase {
  name: string;
  startMs: number;
  corrected: LatencyHistogram;
  uncorrected: LatencyHistogram;
  responses: number;
  byStatus: Record<string, number>;
  requestErrors: number;
  censored: number;
}

/** A request sent and not yet settled. */
interface InFlight {
  readonly intended: number;
  readonly sentAt: number;
  /** Intended time + timeout: given up then. */
  readonly deadline: number;
  readonly phase: Phase | undefined;
  /** undici's handle on it, once it has started (connected and written). */
  controller: Dispatcher.DispatchController | undefined;
  /** Past its deadline: aborted, or to be aborted as soon as it starts. */
  expired: boolean;
  /** Counted: answered, failed, or given up at its deadline (what undici reports later is then ignored). */
  counted: boolean;
  /** Its slot is free again: undici has let go of it. */
  released: boolean;
}

/** The reason a request past its deadline is aborted with. */
const TIMED_OUT = new Error('given up at the generator timeout');

async function main(input: OpenWorkerInput): Promise<OpenWorkerOutput> {
  const port = parentPort!;
  // Handshake: report ready once loaded, then start on the clock the harness gives every worker.
  let onStop: (() => void) | undefined;
  let stopRequested = false;
  const start = Promise.withResolvers<number>();
  port.on('message', (m: { type?: string; startEpochMs?: number }) => {
    if (m?.type === 'start') start.resolve(m.startEpochMs ?? performance.timeOrigin + performance.now());
    else if (m?.type === 'stop') {
      stopRequested = true;
      onStop?.();
      start.resolve(performance.timeOrigin + performance.now());
    }
  });
  const pool = new Pool(input.url, {
    connections: input.maxInFlight,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
    // consul-direct over --tls: like the closed-model generator, it does not verify the certificate (loopback only).
    ...(input.url.startsWith('https:') ? { connect: { rejectUnauthorized: false } } : {}),
  });
  await preconnect(pool, Math.min(input.maxInFlight, Math.max(4, Math.ceil(input.rate / 100))));
  port.postMessage({ type: 'ready' });
  const startEpochMs = await start.promise;
  const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const cpu0 = threadCpu?.call(process);
  const elu0 = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const origin = startEpochMs - performance.timeOrigin; // the run's start on this thread's clock
  const endMs = origin + input.durationS * 1000;
  const timeoutMs = input.timeoutS * 1000;
  const random = seeded(input.seed);
  const gapMs = (): number =>
    input.arrival === 'poisson' ? (-Math.log(1 - random()) / input.rate) * 1000 : 1000 / input.rate;
  const corrected = createLatencyHistogram();
  const uncorrected = createLatencyHistogram();
  const sendLag = createLatencyHistogram();
  const byStatus: Record<string, number> = {};
  const phases: Phase[] = input.phases.map((p) => ({
    ...p,
    corrected: createLatencyHistogram(),
    uncorrected: createLatencyHistogram(),
    responses: 0,
    byStatus: {},
    requestErrors: 0,
    censored: 0,
  }));
  const phaseAt = (intended: number): Phase | undefined => {
    let found: Phase | undefined;
    for (const p of phases) if (p.startMs <= intended - origin) found = p;
    return found ?? phases[0];
  };
  let scheduled = 0;
  let sent = 0;
  let late = 0;
  let dropped = 0;
  let censored = 0;
  let responses = 0;
  let ticked = 0;
  let timeouts = 0;
  let connectionErrors = 0;
  let inFlight = 0;
  let inFlightPeak = 0;
  let stopping = stopRequested;
  let pathIndex = 0;
  let next = origin + (input.arrival === 'poisson' ? gapMs() : 0);
  const queue = new DueQueue();
  const settled = Promise.withResolvers<void>();
  /**
   * Requests in flight by deadline (intended time + timeout). Requests are sent in intended-time order, so the
   * deadlines only grow and a FIFO swept from its head is enough: one sweep timer instead of a timer per request
   * (`AbortSignal.timeout` keeps each one alive for the whole timeout, answered or not).
   */
  const deadlines: InFlight[] = [];
  let deadlineHead = 0;
  const sweep = setInterval(() => {
    const now = performance.now();
    while (deadlineHead < deadlines.length) {
      const d = deadlines[deadlineHead]!;
      if (!d.counted && d.deadline > now) break;
      if (!d.counted) expire(d);
      deadlineHead++;
    }
    if (deadlineHead > 4096 && deadlineHead * 2 > deadlines.length) {
      deadlines.splice(0, deadlineHead);
      deadlineHead = 0;
    }
  }, 5);

  /**
   * Counts a request given up (in flight past its deadline, or never sent): in the corrected histogram at exactly
   * the timeout, censored ("at least that long"), however late the generator noticed.
   */
  const giveUp = (intended: number): void => {
    censored++;
    recordMs(corrected, timeoutMs);
    const phase = phaseAt(intended);
    if (phase) {
      phase.censored++;
      phase.requestErrors++;
      recordMs(phase.corrected, timeoutMs);
    }
  };

  /**
   * A request past its deadline: counted as given up now, and aborted where undici has started it, else as soon as
   * it does. Its slot stays taken until undici lets go of it.
   */
  const expire = (r: InFlight): void => {
    r.expired = true;
    r.counted = true;
    timeouts++;
    giveUp(r.intended);
    // In the uncorrected latency too, from its actual send to its deadline: a hang is service time, never left out
    // (a lower bound, as in the corrected one). A request never sent has no service time.
    recordMs(uncorrected, r.deadline - r.sentAt);
    if (r.phase) recordMs(r.phase.uncorrected, r.deadline - r.sentAt);
    r.controller?.abort(TIMED_OUT);
  };

  /** One request's end as undici reports it: counts it unless it was given up already, frees its slot, sends what is due. */
  const finish = (r: InFlight, statusCode: number | undefined, err: Error | undefined): void => {
    if (!r.counted) {
      r.counted = true;
      const at = performance.now();
      if (statusCode !== undefined && err === undefined) {
        responses++;
        byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
        // Every answer, error statuses too: a caller feels a fast 504 and a slow 200 alike.
        recordMs(corrected, at - r.intended);
        recordMs(uncorrected, at - r.sentAt);
        if (r.phase) {
          r.phase.responses++;
          r.phase.byStatus[statusCode] = (r.phase.byStatus[statusCode] ?? 0) + 1;
          recordMs(r.phase.corrected, at - r.intended);
          recordMs(r.phase.uncorrected, at - r.sentAt);
        }
      } else {
        connectionErrors++;
        if (r.phase) r.phase.requestErrors++;
      }
    }
    if (r.released) return;
    r.released = true;
    inFlight--;
    pump();
  };

  /**
   * undici's dispatch handler, one object per request and no promise, stream or AbortSignal: the body is counted
   * and dropped as it arrives (the least a client can do with it), so the generator's own cost per request stays low.
   */
  class Handler implements Dispatcher.DispatchHandler {
    readonly #r: InFlight;
    #status: number | undefined;
    constructor(r: InFlight) {
      this.#r = r;
    }
    onRequestStart(controller: Dispatcher.DispatchController): void {
      this.#r.controller = controller;
      if (this.#r.expired) controller.abort(TIMED_OUT);
    }
    onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
      this.#status = statusCode;
    }
    onResponseData(): void {}
    onResponseEnd(): void {
      finish(this.#r, this.#status, undefined);
    }
    onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
      finish(this.#r, undefined, err);
    }
  }

  const send = (due: Due): void => {
    const sentAt = performance.now();
    sent++;
    if (sentAt - due.intended > input.lateMs) late++;
    if (due.freeSlot) recordMs(sendLag, sentAt - due.intended);
    inFlight++;
    inFlightPeak = Math.max(inFlightPeak, inFlight);
    const path = input.paths[pathIndex++ % input.paths.length]!;
    const r: InFlight = {
      intended: due.intended,
      sentAt,
      deadline: due.intended + timeoutMs,
      phase: phaseAt(due.intended),
      controller: undefined,
      expired: false,
      counted: false,
      released: false,
    };
    deadlines.push(r);
    pool.dispatch({ origin: input.url, path, method: 'GET', headers: input.headers }, new Handler(r));
  };

  let timer: NodeJS.Timeout | undefined;
  /** Moves due requests to the queue, gives up on those that waited the whole timeout, sends what slots allow. */
  function pump(): void {
    const now = performance.now();
    while (!stopping && next <= now && next < endMs) {
      queue.push({ intended: next, freeSlot: inFlight + queue.length < input.maxInFlight });
      scheduled++;
      next += gapMs();
    }
    while (queue.length > 0 && now - queue.peek().intended >= timeoutMs) {
      const due = queue.shift();
      dropped++;
      giveUp(due.intended);
    }
    while (queue.length > 0 && inFlight < input.maxInFlight) send(queue.shift());
    const scheduleOver = stopping || next >= endMs;
    if (scheduleOver && queue.length === 0 && inFlight === 0) {
      settled.resolve();
      return;
    }
    if (timer === undefined) {
      // Wake at the next intended time, or at the oldest queued request's timeout.
      const wakeAt = Math.min(
        scheduleOver ? Number.POSITIVE_INFINITY : next,
        queue.length > 0 ? queue.peek().intended + timeoutMs : Number.POSITIVE_INFINITY,
      );
      if (Number.isFinite(wakeAt)) {
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(0, wakeAt - performance.now()),
        );
      }
    }
  }

  const tick = setInterval(() => {
    port.postMessage({ type: 'tick', responses: responses - ticked } satisfies OpenWorkerTick);
    ticked = responses;
  }, 1000);
  onStop = () => {
    stopping = true;
    pump();
  };
  // Wait for the run's start (shared by every worker), then pump.
  setTimeout(pump, Math.max(0, origin - performance.now()));
  // Bounded: the schedule, then at most one timeout for what is in flight, then 5 s.
  const hardStop = setTimeout(() => settled.resolve(), Math.max(0, endMs - performance.now()) + timeoutMs + 5000);
  await settled.promise;
  clearTimeout(hardStop);
  clearInterval(tick);
  clearInterval(sweep);
  if (timer) clearTimeout(timer);
  await pool.destroy().catch(() => {});
  delay.disable();
  const cpu1 = threadCpu?.call(process);
  return {
    type: 'result',
    corrected: encodeHistogram(corrected),
    uncorrected: encodeHistogram(uncorrected),
    sendLag: encodeHistogram(sendLag),
    scheduled,
    sent,
    late,
    dropped,
    censored,
    responses,
    byStatus,
    timeouts,
    connectionErrors,
    inFlightPeak,
    elu: performance.eventLoopUtilization(elu0).utilization,
    cpuUs: cpu0 && cpu1 ? cpu1.user - cpu0.user + cpu1.system - cpu0.system : null,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    phases: phases.map((p) => ({
      name: p.name,
      startMs: p.startMs,
      corrected: encodeHistogram(p.corrected),
      uncorrected: encodeHistogram(p.uncorrected),
      responses: p.responses,
      byStatus: p.byStatus,
      requestErrors: p.requestErrors,
      censored: p.censored,
    })),
  };
}

if (parentPort) {
  const port = parentPort;
  main(workerData as OpenWorkerInput).then(
    (result) => port.postMessage(result),
    (err: unknown) => port.postMessage({ type: 'error', message: (err as Error)?.message ?? String(err) }),
  );
}
