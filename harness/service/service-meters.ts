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
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';

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
    this.#usedAtStart = v8.getHeapStatistics().used_heap_size;
    this.#profiler.start();
    this.#peakRss = process.memoryUsage.rss();
    this.#elu = performance.eventLoopUtilization();
    this.#cpu = process.cpuUsage();
    this.#startedAt = performance.now();
  }

  /** Ends the window and returns its figures; a new window starts at once. */
  snapshot(): ProcessCounts {
    const usedNow = v8.getHeapStatistics().used_heap_size;
    const data = this.#profiler?.stop();
    this.#profiler = undefined;
    let allocated = 0;
    let previousAfter = this.#usedAtStart;
    for (const gc of data?.statistics ?? []) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
      previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += Math.max(0, usedNow - previousAfter);
    const rss = process.memoryUsage.rss();
    const cpu = process.cpuUsage(this.#cpu);
    const result: ProcessCounts = {
      heapAllocatedBytes: allocated,
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
