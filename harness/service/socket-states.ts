/**
 * TCP socket states toward one port (Consul's, or the proxy's in front of it), for the service's timeline, read in
 * a worker thread so the service's event loop neither waits for nor pays for them.
 *
 * The source is `/proc/net/tcp` and `/proc/net/tcp6`: the kernel formats every socket of the machine's network
 * namespace (about 1 µs a socket), and the line parser here reads only the fixed-width address and state columns.
 * Measured here: 1.6 ms a read of both files with a near-empty table; 26 ms of kernel time for 25 758 sockets
 * (most in TIME_WAIT, which last 60 s on Linux). `ss` (netlink `sock_diag`, filtered in the kernel) was tried and
 * not kept: it scales better with the table but costs about 15 ms a read to start a process (10 ms in `ss`, 5 ms
 * to fork the service), more than /proc below about 7 000 sockets, and it is missing from slim container images.
 *
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../package-paths.ts';

/** TCP states of /proc/net/tcp's `st` column (include/net/tcp_states.h), by slot of the shared buffer. */
const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
] as const;
const TIME_WAIT = 6;

/**
 * Counts the sockets of one `/proc/net/tcp{,6}` table (its bytes, `text` up to `length`) into `counts` (by the
 * state's number, 1–11), by the counting rule: client-side sockets (remote port = `port`) by every state, plus the
 * server-side TIME_WAIT sockets of those connections (local port = `port`). On loopback both ends are on this
 * machine and whichever end closes first holds the TIME_WAIT: with `Connection: close` that is the server's end, so
 * counting only the client side would hide the pile-up. TIME_WAIT sockets belong to no process any more, so this
 * counts every local client of that port, which on our loopback setup is the service alone.
 *
 * Lines are `%4d: LOCAL:PORT REMOTE:PORT ST …` with addresses of `addressHex` hex digits (8 for IPv4, 32 for IPv6)
 * and ports of 4 (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c). Bytes are read where they stand, with no string made
 * of the table: the kernel's formatting is then most of a read's cost (about 1 µs a socket).
 *
 * @param text the table's bytes (latin1); a string is accepted for tests.
 * @param length bytes of `text` that hold the table (default: all).
 */
export function countProcNetTcp(
  text: Uint8Array | string,
  port: number,
  addressHex: number,
  counts: Uint32Array,
  length: number = text.length,
): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const width = addressHex + 5; // address, ':', port
  let line = lineAfter(bytes, 0, length); // after the header
  while (line > 0 && line < length) {
    const colon = bytes.indexOf(COLON, line);
    if (colon < 0 || colon >= length) break;
    const local = colon + 2;
    const remote = local + width + 1;
    const st = hex(bytes, remote + width + 1, 2);
    if (hex(bytes, remote + addressHex + 1, 4) === port) counts[st] = (counts[st] ?? 0) + 1;
    else if (st === TIME_WAIT && hex(bytes, local + addressHex + 1, 4) === port) counts[st] = (counts[st] ?? 0) + 1;
    line = lineAfter(bytes, remote, length);
  }
}

const COLON = 0x3a;
const NEWLINE = 0x0a;

/** The index after the next newline at or after `from`, or 0 where there is none before `length`. */
function lineAfter(bytes: Uint8Array, from: number, length: number): number {
  const nl = bytes.indexOf(NEWLINE, from);
  return nl < 0 || nl >= length ? 0 : nl + 1;
}

/** The number of the `digits` upper-case hex digits at `at` (NaN-free: a non-hex character counts as 0). */
function hex(bytes: Uint8Array, at: number, digits: number): number {
  let n = 0;
  for (let i = at; i < at + digits; i++) {
    const c = bytes[i] ?? 0;
    n = n * 16 + (c >= 65 ? c - 55 : c >= 48 && c <= 57 ? c - 48 : 0);
  }
  return n;
}

/** Socket counts by state number as /proc's names, states with no socket left out. */
function named(counts: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  TCP_STATES.forEach((name, i) => {
    if (counts[i + 1]) out[name] = counts[i + 1]!;
  });
  return out;
}

/**
 * Counts the sockets toward `port` of `/proc/net/tcp` and `/proc/net/tcp6` into `counts` (by state number, zeroed
 * first; see {@link countProcNetTcp} for what counts), synchronously. False where neither file can be read (not
 * Linux).
 */
export function readProcNetTcp(port: number, counts: Uint32Array): boolean {
  counts.fill(0);
  let read = false;
  for (const [file, hex] of [
    ['/proc/net/tcp', 8],
    ['/proc/net/tcp6', 32],
  ] as const) {
    try {
      const length = readWhole(file);
      countProcNetTcp(tableBuffer, port, hex, counts, length);
      read = true;
    } catch {}
  }
  return read;
}

/** The buffer a table is read into, made at the first read (1 MiB), kept between reads and grown as the table grows. */
let tableBuffer = Buffer.alloc(0);

/**
 * Reads a /proc file whole into {@link tableBuffer} in reads of up to the buffer's size (few system calls: the
 * kernel formats the table once however it is read), growing the buffer where the file does not fit.
 * @returns the bytes read.
 */
function readWhole(file: string): number {
  const fd = openSync(file, 'r');
  if (tableBuffer.length === 0) tableBuffer = Buffer.allocUnsafe(1 << 20);
  try {
    let length = 0;
    for (;;) {
      if (length === tableBuffer.length) {
        const grown = Buffer.allocUnsafe(tableBuffer.length * 2);
        tableBuffer.copy(grown, 0, 0, length);
        tableBuffer = grown;
      }
      const n = readSync(fd, tableBuffer, length, tableBuffer.length - length, null);
      if (n === 0) return length;
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Socket states toward `port` by name (see {@link readProcNetTcp}), on the caller's thread. `undefined` where /proc
 * is unavailable (not Linux).
 */
export function tcpStatesToPort(port: number): Record<string, number> | undefined {
  const counts = new Uint32Array(TCP_STATES.length + 1);
  return readProcNetTcp(port, counts) ? named(counts) : undefined;
}

/** Slots of the shared buffer after the header: counts by state number (1–11), the reads' CPU so far (µs), reads. */
export const SLOT = { costUs: TCP_STATES.length + 1, reads: TCP_STATES.length + 2 } as const;
/** The buffer: an Int32 sequence (even: stable; odd: being written; -1: /proc unreadable), then Float64 slots. */
const HEADER_BYTES = 8;
const SLOTS = TCP_STATES.length + 3;

/**
 * Most of one core the worker's reads may take, 0–1: it waits at least its interval between reads, and longer where a
 * read costs more, so that the next read comes `cost / share` after the last began. Reading `/proc/net/tcp` costs in
 * proportion to every socket of the network namespace, TIME_WAIT included (measured on 2 cores: 5 300 lines, 11 ms
 * a read; during the leak corpus's seven stalls side by side, 10 000–14 000 lines), and at 4 reads a second in each
 * of seven services the reads took about a third of a core from what they measure. With 2 %, a read of 12 ms comes
 * every 600 ms; on a quiet machine (a few hundred sockets) every interval.
 */
export const SOCKET_READ_CPU_SHARE = 0.02;

/**
 * Most of the rest of the service's CPU (all its threads but this reader's) the reads may take, 0–1: the next read
 * also waits until the reads' CPU is this share of what the service used since the last one, up to
 * {@link SOCKET_READ_MAX_INTERVAL_MS}. A core's share alone is not enough for a light row: in `network-stall-open`
 * (quick, 200 req/s, 6 700–8 800 sockets on the machine, 8–25 ms a read) the sampler at 2 % of a core cost
 * `watch-cached`'s service 10–23 % of its own CPU; at 2 % of the service's CPU, 3–5 % for `watch-cached` and 7 % for
 * `leaky-without-abort`, whose 2 780 leaked sockets make both the table and the sampler's resource count dearer.
 * Sockets are supporting evidence of the leak verdict (its trend), not what decides it, so a coarser timeline of
 * them costs no verdict.
 */
export const SOCKET_READ_SERVICE_SHARE = 0.01;

/**
 * Longest wait between two reads where {@link SOCKET_READ_SERVICE_SHARE} asks for more, ms. A near-idle service's
 * reads come this far apart: in the full `network-stall-open` (51 s of phases), `watch-cached`'s service used 5 % of
 * a core, and with reads at most 10 s apart its sampler came to 5.2 % of that (72 ms of reads, the rest its ticks on
 * the loop, about 0.3 ms each, most of it the first touch of a cold cache after 250 ms asleep).
 */
export const SOCKET_READ_MAX_INTERVAL_MS = 20_000;

/**
 * The wait before the next read, ms: at least `intervalMs`; at least `costUs / SOCKET_READ_CPU_SHARE`; and, up to
 * {@link SOCKET_READ_MAX_INTERVAL_MS}, at least `costUs / (SOCKET_READ_SERVICE_SHARE × restRate)`, where `restRate`
 * is the CPU the rest of the process used per unit of wall time since the last read (0–cores).
 *
 * @param costUs CPU time the last read took, µs.
 * @param restRate the rest of the process's CPU over the last gap, µs per µs of wall time.
 * @param intervalMs the least wait, ms.
 * @param maxIntervalMs the most the service's share may ask for, ms (default {@link SOCKET_READ_MAX_INTERVAL_MS}).
 */
export function nextReadDelayMs(
  costUs: number,
  restRate: number,
  intervalMs: number,
  maxIntervalMs: number = SOCKET_READ_MAX_INTERVAL_MS,
): number {
  const coreBound = costUs / 1000 / SOCKET_READ_CPU_SHARE;
  const serviceBound = restRate > 0 ? costUs / 1000 / (SOCKET_READ_SERVICE_SHARE * restRate) : maxIntervalMs;
  return Math.max(intervalMs, coreBound, Math.min(maxIntervalMs, serviceBound));
}

/** What the worker thread gets. */
export interface SocketWorkerData {
  readonly port: number;
  /** Least time between reads, ms (longer where a read costs more: {@link nextReadDelayMs}). */
  readonly intervalMs: number;
  /** Longest wait the service's CPU share may ask for, ms (default {@link SOCKET_READ_MAX_INTERVAL_MS}). */
  readonly maxIntervalMs?: number | undefined;
  readonly buffer: SharedArrayBuffer;
}

/** The shared buffer's views: the sequence (a seqlock) and the slots. */
export function socketViews(buffer: SharedArrayBuffer): { seq: Int32Array; slots: Float64Array } {
  return { seq: new Int32Array(buffer, 0, 1), slots: new Float64Array(buffer, HEADER_BYTES, SLOTS) };
}

const WORKER_URL = siblingModule(import.meta.url, './socket-states-worker');

/**
 * Reads socket states toward a port every `intervalMs` in a worker thread (`socket-states-worker.ts`), or less often
 * where a read costs more than a share of a core or of the service's CPU at that pace ({@link nextReadDelayMs}), and
 * keeps the latest; where the worker cannot run, {@link tcpStatesToPort} on the caller's loop. The worker shares a buffer
 * with this thread and has no message port here, so `process.getActiveResourcesInfo()` does not list it.
 */
export class SocketStateReader {
  readonly #port: number;
  readonly #buffer = new SharedArrayBuffer(HEADER_BYTES + SLOTS * 8);
  readonly #views = socketViews(this.#buffer);
  readonly #worker: Worker | undefined;
  #failed = false;
  #costTaken = 0;

  /**
   * @param port the port whose sockets count (Consul's or the proxy's).
   * @param intervalMs how often the worker reads at most, ms.
   * @param maxIntervalMs the longest wait the service's CPU share may ask for, ms (default
   *   {@link SOCKET_READ_MAX_INTERVAL_MS}).
   */
  constructor(port: number, intervalMs: number, maxIntervalMs?: number) {
    this.#port = port;
    try {
      const data: SocketWorkerData = { port, intervalMs, maxIntervalMs, buffer: this.#buffer };
      this.#worker = new Worker(WORKER_URL, { workerData: data });
      this.#worker.unref();
      this.#worker.on('error', () => {
        this.#failed = true;
      });
    } catch {
      this.#failed = true;
    }
  }

  /**
   * The latest socket states (states with no socket left out): from the worker's last read (one interval old, or
   * more where reads are slowed to their CPU share), or read now on this thread where the worker has not read yet or cannot. `undefined` where /proc
   * is unavailable.
   */
  latest(): Record<string, number> | undefined {
    const { seq, slots } = this.#views;
    for (let tries = 0; tries < 5 && !this.#failed; tries++) {
      const before = Atomics.load(seq, 0);
      if (before === -1) this.#failed = true;
      if (before <= 0) break; // unreadable, or no read finished yet
      if (before % 2 === 1) continue; // a read is being written
      const counts = named(slots);
      if (Atomics.load(seq, 0) === before) return counts;
    }
    return tcpStatesToPort(this.#port);
  }

  /** CPU time the worker's reads used since the previous call, µs. */
  takeCostUs(): number {
    const total = this.#views.slots[SLOT.costUs]!;
    const used = total - this.#costTaken;
    this.#costTaken = total;
    return used;
  }

  /** Reads the worker has finished (0 until the first). */
  get reads(): number {
    return this.#views.slots[SLOT.reads]!;
  }

  /** Stops the worker. Idempotent. */
  dispose(): void {
    void this.#worker?.terminate();
  }
}
