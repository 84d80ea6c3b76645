/**
 * Meters that run inside the config service process: TCP connections to Consul (Node's `net.client.socket`
 * diagnostics channel, which sees the sockets of `node:http`, global `fetch` and undici alike), heap bytes
 * allocated (from `v8.GCProfiler`), peak RSS, and event-loop utilisation. They only count; the service reports
 * their snapshots to the harness over IPC.
 *
 * @module
 */

import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { activeResourceCounts } from './idle-resources.ts';
import { SocketStateReader } from './socket-states.ts';

/** Snapshot of {@link ConsulConnectionMeter}. */
export interface ConnectionCounts {
  /** TCP connections to Consul that completed their handshake since the last reset. */
  opened: number;
  /** Most connections to Consul open at once since the last reset. */
  peakOpen: number;
  /** Connections open now. */
  open: number;
  /** Connection attempts to Consul's port that failed (refused, reset before connect). */
  failed: number;
}

export { takeWindows, type WindowMeter, windowMeter } from './window-meter.ts';

/**
 * Counts TCP connections from this process to `host:port` (Consul's HTTP port) via the `net.client.socket`
 * diagnostics channel. Counting starts at construction; `dispose()` unsubscribes.
 */
export class ConsulConnectionMeter {
  readonly #port: number;
  readonly #open = new Set<net.Socket>();
  #opened = 0;
  #peak = 0;
  #failed = 0;
  readonly #onSocket = (message: unknown): void => {
    const socket = (message as { socket: net.Socket }).socket;
    socket.once('connect', () => {
      if (socket.remotePort !== this.#port) return;
      this.#opened++;
      this.#open.add(socket);
      if (this.#open.size > this.#peak) this.#peak = this.#open.size;
      socket.once('close', () => this.#open.delete(socket));
    });
    socket.once('error', () => {
      if (!this.#open.has(socket) && !socket.remotePort) this.#failed++;
    });
  };

  /** @param port Consul's HTTP port: only sockets whose remote port matches are counted. */
  constructor(port: number) {
    this.#port = port;
    diagnostics.subscribe('net.client.socket', this.#onSocket);
  }

  snapshot(): ConnectionCounts {
    return { opened: this.#opened, peakOpen: this.#peak, open: this.#open.size, failed: this.#failed };
  }

  /** Starts a new measurement window: opened and failed to 0, peak to what is open now. */
  reset(): void {
    this.#opened = 0;
    this.#failed = 0;
    this.#peak = this.#open.size;
  }

  dispose(): void {
    diagnostics.unsubscribe('net.client.socket', this.#onSocket);
  }
}

/** Snapshot of {@link ProcessMeter}. */
export interface ProcessCounts {
  /**
   * Heap bytes allocated since the last reset, estimated from GC activity: Σ over GCs of (used heap before the
   * GC − used heap after the previous one), plus the growth since the last GC (`v8.GCProfiler`).
   */
  heapAllocatedBytes: number;
  /**
   * Memory outside the V8 heap (`Buffer`, `ArrayBuffer`) allocated since the last reset, estimated the same way from
   * V8's external memory before each GC and after the previous one, bytes.
   */
  externalAllocatedBytes: number;
  /** Number of garbage collections since the last reset. */
  gcCount: number;
  /** Highest RSS sampled (every `sampleIntervalMs`) since the last reset, bytes. */
  peakRssBytes: number;
  /** Event-loop utilisation (0–1) since the last reset. */
  elu: number;
  /** CPU time (user + system) since the last reset, µs. */
  cpuUs: number;
  /** Wall time since the last reset, ms. */
  wallMs: number;
}

/** Heap allocation, RSS, ELU and CPU of the current process over a window that `reset()` starts. */
export class ProcessMeter {
  #profiler: v8.GCProfiler | undefined;
  #usedAtStart = 0;
  #externalAtStart = 0;
  #peakRss = 0;
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #cpu = process.cpuUsage();
  #startedAt = performance.now();
  readonly #timer: NodeJS.Timeout;

  /** @param sampleIntervalMs RSS sampling interval, ms. Default 250. */
  constructor(sampleIntervalMs = 250) {
    this.reset();
    this.#timer = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > this.#peakRss) this.#peakRss = rss;
    }, sampleIntervalMs);
    this.#timer.unref();
  }

  /** Starts a new window. */
  reset(): void {
    this.#profiler?.stop();
    this.#profiler = new v8.GCProfiler();
    const heap = v8.getHeapStatistics();
    this.#usedAtStart = heap.used_heap_size;
    this.#externalAtStart = heap.external_memory;
    this.#profiler.start();
    this.#peakRss = process.memoryUsage.rss();
    this.#elu = performance.eventLoopUtilization();
    this.#cpu = process.cpuUsage();
    this.#startedAt = performance.now();
  }

  /** Ends the window and returns its figures; a new window starts at once. */
  snapshot(): ProcessCounts {
    const now = v8.getHeapStatistics();
    const data = this.#profiler?.stop();
    this.#profiler = undefined;
    let allocated = 0;
    let external = 0;
    let previousAfter = this.#usedAtStart;
    let externalAfter = this.#externalAtStart;
    for (const gc of data?.statistics ?? []) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
      previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
      external += Math.max(0, gc.beforeGC.heapStatistics.externalMemory - externalAfter);
      externalAfter = gc.afterGC.heapStatistics.externalMemory;
    }
    allocated += Math.max(0, now.used_heap_size - previousAfter);
    external += Math.max(0, now.external_memory - externalAfter);
    const rss = process.memoryUsage.rss();
    const cpu = process.cpuUsage(this.#cpu);
    const result: ProcessCounts = {
      heapAllocatedBytes: allocated,
      externalAllocatedBytes: external,
      gcCount: data?.statistics.length ?? 0,
      peakRssBytes: Math.max(this.#peakRss, rss),
      elu: performance.eventLoopUtilization(this.#elu).utilization,
      cpuUs: cpu.user + cpu.system,
      wallMs: performance.now() - this.#startedAt,
    };
    this.reset();
    return result;
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#profiler?.stop();
  }
}

/**
 * Counts requests to Consul that have started and not finished, from diagnostics channels: undici's
 * `undici:request:create` / `:trailers` (complete) / `:error` (npm undici and the undici inside global `fetch`
 * publish on the same names; one request object is shared across them, so a Set is exact) and Node's
 * `http.client.request.start` / `http.client.response.finish` / `http.client.request.error` for `node:http`.
 * Requests with `index=` in their query are blocking queries (watches): held open on purpose, they are counted
 * apart as `longPolls`, never as in-flight (docs/MEASUREMENT-NOTES.md, leak signals).
 */
export class InFlightMeter {
  readonly #port: number;
  readonly #inFlight = new Set<object>();
  readonly #longPolls = new Set<object>();
  #peak = 0;
  readonly #subs: Array<[string, (m: unknown) => void]> = [];

  /** @param port the Consul (or proxy) port: only requests to it are counted. */
  constructor(port: number) {
    this.#port = port;
    const start = (req: object, path: string): void => {
      const set = /[?&]index=/.test(path) ? this.#longPolls : this.#inFlight;
      set.add(req);
      if (this.#inFlight.size > this.#peak) this.#peak = this.#inFlight.size;
    };
    const end = (req: object): void => {
      this.#inFlight.delete(req);
      this.#longPolls.delete(req);
    };
    const portOf = (origin: unknown): number => {
      try {
        return Number(new URL(String(origin)).port || 80);
      } catch {
        return -1;
      }
    };
    this.#sub('undici:request:create', (m) => {
      const req = (m as { request: { origin?: unknown; path?: string } }).request;
      if (portOf(req.origin) === this.#port) start(req, req.path ?? '');
    });
    this.#sub('undici:request:trailers', (m) => end((m as { request: object }).request));
    this.#sub('undici:request:error', (m) => end((m as { request: object }).request));
    this.#sub('http.client.request.start', (m) => {
      const req = (m as { request: { path?: string; getHeader(n: string): unknown } }).request;
      const host = String(req.getHeader('host') ?? '');
      if (Number(host.split(':').pop()) === this.#port) start(req, req.path ?? '');
    });
    this.#sub('http.client.response.finish', (m) => end((m as { request: object }).request));
    this.#sub('http.client.request.error', (m) => end((m as { request: object }).request));
  }

  #sub(name: string, fn: (m: unknown) => void): void {
    diagnostics.subscribe(name, fn);
    this.#subs.push([name, fn]);
  }

  /** Requests in flight now (long polls excluded). */
  get inFlight(): number {
    return this.#inFlight.size;
  }
  /** Blocking queries held open now. */
  get longPolls(): number {
    return this.#longPolls.size;
  }
  /** Most in flight at once since the last `resetPeak()`. */
  get peak(): number {
    return this.#peak;
  }
  resetPeak(): void {
    this.#peak = this.#inFlight.size;
  }
  dispose(): void {
    for (const [name, fn] of this.#subs) diagnostics.unsubscribe(name, fn);
  }
}

/** One sample of the service's state. */
export interface ServiceSample {
  /** Wall-clock time, ms since the epoch (the harness aligns phases on the same clock). */
  t: number;
  /** Requests to Consul in flight (long polls excluded). */
  inFlight: number;
  /** Reads handed to the client and not settled, wherever they wait (see `door-meter.ts`). */
  pending: number;
  /** Blocking queries held open. */
  longPolls: number;
  /** Client sockets to Consul's (or the proxy's) port by TCP state; absent off Linux. */
  sockets?: Record<string, number>;
  /** Ref'd active resources by type (`process.getActiveResourcesInfo()`). */
  resources: Record<string, number>;
  heapUsedBytes: number;
  rssBytes: number;
  /** Event-loop utilisation over the interval, 0–1. */
  elu: number;
  /** p99 of event-loop delay over the interval, ms (`monitorEventLoopDelay`). */
  eventLoopDelayP99Ms: number;
}

/** What the service's timeline sampler cost in a window. */
export interface SamplerCost {
  /**
   * Cost per sample, µs: the wall time its tick held the loop (a bound on the tick's CPU time, measured finer than
   * the thread's CPU clock can) and its share of the socket reads' CPU time (worker thread) together.
   */
  meanUs: number;
  /** The longest one tick held the service's loop, µs. */
  maxUs: number;
  /** Samples taken. */
  samples: number;
  /**
   * Wall time the ticks held the service's event loop, all together, µs (the Go service: the samples' wall time,
   * its goroutine profile stopping the world); absent from services built before it was measured.
   */
  heldUs?: number;
  /** CPU time of the socket-state reads (worker thread) among `meanUs × samples`, µs; absent where none are read. */
  readsUs?: number;
}

/**
 * Samples the service every `intervalMs` (default 250) into a timeline that `take()` hands over and empties, and
 * measures what sampling costs. The sampler runs on the service's own event loop; socket states are read from
 * /proc in a worker thread (`socket-states.ts`), so a sample carries the states of the read that ended last, at
 * most about one interval before it.
 */
export class ServiceSampler {
  readonly #timeline: ServiceSample[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  readonly #sockets: SocketStateReader | undefined;
  #elu = performance.eventLoopUtilization();
  #costs: number[] = [];

  /**
   * @param pending reads at the service's door now (see `door-meter.ts`).
   * @param consulPort Consul's (or the proxy's) port, for socket states.
   * @param options `sampleSockets`: read socket states toward `consulPort` in every sample (default false);
   *   `intervalMs`: sampling interval, ms (default 250).
   */
  constructor(
    inFlight: InFlightMeter,
    pending: () => number,
    consulPort: number,
    options: { sampleSockets?: boolean | undefined; intervalMs?: number } = {},
  ) {
    this.#delay.enable();
    this.#sockets = options.sampleSockets ? new SocketStateReader(consulPort, options.intervalMs ?? 250) : undefined;
    this.#timer = setInterval(() => {
      // wall time on the loop, not CPU time: the thread's CPU clock (getrusage) moves in scheduler ticks (4 ms at
      // HZ=250), far coarser than a tick here (tens of µs), and a tick's wall time bounds its CPU time
      const heldFrom = performance.now();
      const mem = process.memoryUsage();
      const sockets = this.#sockets?.latest();
      this.#timeline.push({
        t: Date.now(),
        inFlight: inFlight.inFlight,
        pending: pending(),
        longPolls: inFlight.longPolls,
        ...(sockets ? { sockets } : {}),
        resources: activeResourceCounts(),
        heapUsedBytes: mem.heapUsed,
        rssBytes: mem.rss,
        elu: performance.eventLoopUtilization(this.#elu).utilization,
        eventLoopDelayP99Ms: this.#delay.percentile(99) / 1e6,
      });
      this.#elu = performance.eventLoopUtilization();
      this.#delay.reset();
      this.#costs.push((performance.now() - heldFrom) * 1000);
    }, options.intervalMs ?? 250);
    this.#timer.unref();
  }

  /**
   * What the samples since the previous call cost, µs: `meanUs`, per sample, the wall time its tick held the loop
   * (a bound on its CPU time) and its share of the socket reads' CPU in the worker thread; `maxUs`, the longest one
   * tick held the loop; `heldUs`, the wall
   * time the ticks held the loop, all together. Starts a new window.
   */
  takeCost(): SamplerCost {
    const costs = this.#costs.splice(0);
    const heldUs = costs.reduce((a, b) => a + b, 0);
    // the worker's reads since the previous call (it keeps its own running total)
    const readsUs = this.#sockets?.takeCostUs() ?? 0;
    const total = heldUs + readsUs;
    return {
      meanUs: costs.length ? total / costs.length : 0,
      maxUs: Math.max(0, ...costs),
      samples: costs.length,
      heldUs,
      readsUs,
    };
  }

  /** The samples since the previous call. */
  take(): ServiceSample[] {
    return this.#timeline.splice(0);
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#sockets?.dispose();
    this.#delay.disable();
  }
}
