/**
 * The reaper process on its own (harness/reaper-process.ts): a child registered with it is stopped once the pipe
 * from the harness closes, with its start time read from `/proc` (Linux) and from `ps -o lstart=` (the macOS path,
 * forced here with CONSUL_KV_BENCH_REAPER_PS=1); a child unregistered first is left alone. sigkill.test.ts kills
 * the whole CLI instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, ROOT } from '../helpers.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function sleeper(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

describe.concurrent.for([
  ['/proc', '0'],
  ['ps', '1'],
] as const)('the reaper, start times from %s', ([, usePs]) => {
  it('stops a registered child when the pipe closes, and leaves an unregistered one', async () => {
    const kept = sleeper();
    const reaped = sleeper();
    const reaper = spawn(process.execPath, [path.join(ROOT, 'harness/reaper-process.ts')], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, CONSUL_KV_BENCH_REAPER_PS: usePs },
    });
    try {
      reaper.stdin!.write(`+${reaped.pid}\n+${kept.pid}\n-${kept.pid}\n`);
      await new Promise((r) => setTimeout(r, 300)); // the lines are read before the pipe closes
      reaper.stdin!.end();
      expect(await eventually(() => !alive(reaped.pid!), 5000)).toBe(true);
      expect(alive(kept.pid!)).toBe(true);
    } finally {
      kept.kill('SIGKILL');
      reaped.kill('SIGKILL');
      reaper.kill('SIGKILL');
    }
  });
});
