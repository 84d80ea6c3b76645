/**
 * The worker thread of {@link SocketStateReader} (`socket-states.ts`): every interval (or less often, where a read
 * costs more than its share of a core or of the service's CPU: `nextReadDelayMs`) it counts the sockets toward one port from /proc and writes the counts by state, and what the read cost, into the buffer the service's sampler
 * reads. Off the service's event loop, and invisible to `process.getActiveResourcesInfo()` there (no message port
 * is listened to), so the leak verdict's resource counts do not see the sampler.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { nextReadDelayMs, readProcNetTcp, SLOT, type SocketWorkerData, socketViews } from './socket-states.ts';

const { port, intervalMs, maxIntervalMs, buffer } = workerData as SocketWorkerData;
const { seq, slots } = socketViews(buffer);
const counts = new Uint32Array(SLOT.costUs);

/** CPU time of this thread, µs (`process.threadCpuUsage`, Node 23.9+; else `/proc/thread-self/stat`, in ticks). */
function threadCpuUs(): number {
  const own = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (own) {
    const u = own();
    return u.user + u.system;
  }
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / 100) * 1e6;
}

/** CPU time of the whole process (every thread), µs. */
function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

let last = { wallMs: performance.now(), processUs: processCpuUs(), ownUs: threadCpuUs() };

const read = (): void => {
  const cpu0 = threadCpuUs();
  // the rest of the process's CPU since the last read, per µs of wall time
  const now = { wallMs: performance.now(), processUs: processCpuUs(), ownUs: cpu0 };
  const wallUs = (now.wallMs - last.wallMs) * 1000;
  const restRate = wallUs > 0 ? Math.max(0, now.processUs - last.processUs - (now.ownUs - last.ownUs)) / wallUs : 0;
  last = now;
  const readable = readProcNetTcp(port, counts);
  if (!readable) {
    Atomics.store(seq, 0, -1);
    return;
  }
  const costUs = threadCpuUs() - cpu0;
  // a seqlock: odd while the slots are written, so the sampler never reads half of one read and half of another
  Atomics.add(seq, 0, 1);
  for (let i = 1; i < counts.length; i++) slots[i] = counts[i]!;
  slots[SLOT.costUs] = slots[SLOT.costUs]! + costUs;
  slots[SLOT.reads] = slots[SLOT.reads]! + 1;
  Atomics.add(seq, 0, 1);
  setTimeout(read, nextReadDelayMs(costUs, restRate, intervalMs, maxIntervalMs));
};
read();
