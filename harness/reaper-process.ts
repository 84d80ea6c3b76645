/**
 * The reaper: a small process of its own that stops the harness's children once the harness is gone, however it
 * went (SIGKILL, the OOM killer, a CI runner's hard stop), as testcontainers' Ryuk does for containers. Started
 * detached by `reaper.ts`; reads lines from its stdin, a pipe whose other end only the harness holds:
 * - `+<pid>`: watch this child (its start time is read now, from `/proc/<pid>/stat` or `ps`, so a reused pid is
 *   never hit);
 * - `-<pid>`: the harness stopped it itself; forget it.
 * When the pipe closes (the harness exited, cleanly or not), every child still watched gets SIGTERM, then SIGKILL
 * after {@link GRACE_MS}, and the reaper exits. It starts nothing and sends nothing anywhere.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** How long a child has to exit after SIGTERM before SIGKILL, ms. */
const GRACE_MS = 3000;

/**
 * Where a process's start time is read: `/proc/<pid>/stat` (Linux), else `ps -o lstart=` (macOS and the BSDs, whose
 * `ps` has it: POSIX leaves `lstart` out, but every system Node supports outside Windows prints it).
 * `CONSUL_KV_BENCH_REAPER_PS=1` takes `ps` on Linux too (the tests try that path).
 */
const USE_PS = process.env.CONSUL_KV_BENCH_REAPER_PS === '1' || !existsSync('/proc/self/stat');

/** The start time of `pid` (an opaque text, compared for equality), or undefined when the pid is gone. */
function startTime(pid: number): string | undefined {
  try {
    if (USE_PS) {
      const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      return out === '' ? undefined : out;
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (clock ticks since boot). comm (field 2) may hold spaces and parentheses: count after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const watched = new Map<number, string | undefined>();

/** Whether `pid` is still the process that was registered. */
function same(pid: number): boolean {
  const now = startTime(pid);
  if (now === undefined) return false;
  const then = watched.get(pid);
  return then === undefined || then === now;
}

function signalAll(sig: NodeJS.Signals): number {
  let alive = 0;
  for (const pid of watched.keys()) {
    if (!same(pid)) {
      watched.delete(pid);
      continue;
    }
    try {
      process.kill(pid, sig);
      alive++;
    } catch {
      watched.delete(pid);
    }
  }
  return alive;
}

async function reap(): Promise<void> {
  if (signalAll('SIGTERM') > 0) {
    const deadline = Date.now() + GRACE_MS;
    while (Date.now() < deadline && [...watched.keys()].some(same)) await new Promise((r) => setTimeout(r, 50));
    signalAll('SIGKILL');
  }
  process.exit(0);
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let nl = buffered.indexOf('\n');
  while (nl >= 0) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (Number.isInteger(pid) && pid > 1) {
      if (line.startsWith('+')) watched.set(pid, startTime(pid));
      else if (line.startsWith('-')) watched.delete(pid);
    }
    nl = buffered.indexOf('\n');
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
// Detached, the reaper has a process group of its own: a Ctrl-C to the harness's terminal does not reach it. Asked
// to stop, it stops the children it watches first.
for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void reap());
