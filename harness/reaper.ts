/**
 * Nothing outlives the harness: every long-running process it starts (Consul, Toxiproxy, the config service, a Go
 * build, wrk) is registered here with {@link watchChild}, and a reaper process (`reaper-process.ts`) stops whatever
 * is still registered once the harness is gone, even after SIGKILL, which runs no handler of the harness's own.
 * The reaper starts on the first registration, detached, holding the read end of a pipe the harness writes; the
 * pipe closing is how it learns the harness exited. A child the harness stops itself is unregistered, so on a
 * clean exit the reaper finds nothing to do. Linux (start times from `/proc`) and macOS and the BSDs (from `ps`); on
 * Windows registration is a no-op and the harness's own SIGINT/SIGTERM/exit handling is all there is.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { siblingModule } from './package-paths.ts';

const REAPER_FILE = fileURLToPath(siblingModule(import.meta.url, './reaper-process'));

let reaper: ChildProcess | undefined;

function ensureReaper(): ChildProcess | undefined {
  if (reaper?.stdin?.writable) return reaper;
  if (process.platform === 'win32') return undefined;
  const child = spawn(process.execPath, [REAPER_FILE], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  // The pipe must not keep the harness's event loop alive: it is closed by the harness's exit, whatever the cause.
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.stdin?.on('error', () => {});
  reaper = child;
  return child;
}

/**
 * Registers a child to be stopped (SIGTERM, SIGKILL 3 s later) if the harness dies before stopping it.
 * @param pid the child's pid; `undefined` (the spawn failed) is ignored.
 * @returns a function that unregisters it: call it once the harness has stopped the child itself. Idempotent.
 */
export function watchChild(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  const r = ensureReaper();
  r?.stdin?.write(`+${pid}\n`);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (r?.stdin?.writable) r.stdin.write(`-${pid}\n`);
  };
}

/**
 * Registers an execa (or any) child and unregisters it when it exits.
 * @returns the child, unchanged.
 */
export function reapOnHarnessDeath<T extends { pid?: number | undefined; finally(f: () => void): unknown }>(
  child: T,
): T {
  const unwatch = watchChild(child.pid);
  void Promise.resolve(child.finally(unwatch)).catch(() => {});
  return child;
}
