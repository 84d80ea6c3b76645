/**
 * One handle for every long-running process the harness starts (Consul, Toxiproxy, the Node and Go config services),
 * in the spirit of testcontainers' started containers: spawned with execa (`cleanup`, so it dies with a harness that
 * exits), registered with the reaper at once (so it dies with a harness that is SIGKILLed), its output kept in a log
 * tail for error messages, readiness awaited with a timeout that says what was awaited and how long, and an
 * idempotent `stop()` (SIGTERM, SIGKILL after 5 s, then the caller's own cleanups, last registered first).
 *
 * @module
 */
import { execa, execaNode, type ResultPromise } from 'execa';
import { LogTail } from '../lifecycle.ts';
import { reapOnHarnessDeath } from '../reaper.ts';

/** How a process ended. */
export interface ProcessExit {
  readonly exitCode?: number | undefined;
  readonly signal?: string | undefined;
}

/** What to start. */
export interface ProcessSpec {
  /** The executable, or with `node` the module Node runs. */
  readonly file: string;
  readonly args: readonly string[];
  /** Run `file` as a Node module with an IPC channel (execaNode, JSON serialisation). Default false. */
  readonly node?: boolean;
  /** Node's options (`--inspect`, …), with `node`. */
  readonly nodeOptions?: readonly string[];
  /** The environment; with `extendEnv: false` it is the whole environment. Default: the harness's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly extendEnv?: boolean;
  /** Lines of output kept for error messages. Default 40. */
  readonly tailLines?: number;
  /** SIGKILL this long after SIGTERM, ms. Default 5 000. */
  readonly killAfterMs?: number;
}

/** A started process. */
export interface StartedProcess {
  readonly pid: number | undefined;
  /** The execa child (for IPC: `sendMessage`, `getOneMessage`). */
  readonly child: ResultPromise;
  /** Settles when the process has exited, however. */
  readonly exited: Promise<ProcessExit>;
  /** How it ended; undefined while it runs. */
  exitResult(): ProcessExit | undefined;
  /** The last lines of its output (stdout and stderr). */
  logTail(): string;
  /** Runs `cleanup` after the process has stopped (temporary folders, certificates), last registered first. */
  onStop(cleanup: () => Promise<void> | void): void;
  /** Stops it (SIGTERM, SIGKILL after `killAfterMs`) and runs the cleanups. Idempotent. */
  stop(): Promise<void>;
  /** Stops only the process (a restart keeps its cleanups for the next one). Idempotent until it runs again. */
  kill(): Promise<void>;
}

/**
 * Starts a process (see the module's doc).
 * @param tail an existing log tail to add to (a restarted Consul keeps one log); default a new one.
 */
export function startProcess(spec: ProcessSpec, tail: LogTail = new LogTail(spec.tailLines ?? 40)): StartedProcess {
  const common = {
    cleanup: true,
    reject: false,
    forceKillAfterDelay: spec.killAfterMs ?? 5000,
    stdin: 'ignore',
    buffer: false,
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.extendEnv !== undefined ? { extendEnv: spec.extendEnv } : {}),
  } as const;
  const child: ResultPromise = reapOnHarnessDeath(
    spec.node
      ? execaNode(spec.file, [...spec.args], {
          ...common,
          ipc: true,
          serialization: 'json',
          nodeOptions: [...(spec.nodeOptions ?? [])],
          stdout: 'pipe',
          stderr: 'pipe',
        })
      : execa(spec.file, [...spec.args], { ...common, all: true }),
  ) as ResultPromise;
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  let result: ProcessExit | undefined;
  const exited = child.then((r) => (result = { exitCode: r.exitCode, signal: r.signal }));
  const cleanups: Array<() => Promise<void> | void> = [];
  let killed: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  const kill = (): Promise<void> =>
    (killed ??= (async () => {
      if (!result) child.kill('SIGTERM');
      await exited;
    })());
  return {
    pid: child.pid,
    child,
    exited,
    exitResult: () => result,
    logTail: () => tail.toString(),
    onStop: (cleanup) => void cleanups.push(cleanup),
    kill,
    stop: () =>
      (stopped ??= (async () => {
        await kill();
        for (const c of cleanups.reverse()) await c();
      })()),
  };
}

/** Options of {@link waitUntilReady}. */
export interface ReadyOptions {
  /** What is awaited, for the error (`toxiproxy-server's API on http://…`). */
  readonly what: string;
  /** How long to wait, ms. */
  readonly timeoutMs: number;
  /** Pause between probes, ms. Default 50. */
  readonly intervalMs?: number;
}

/**
 * Probes until `probe` returns a value (a throw or `undefined` is "not yet"), giving up when the process exits or
 * the time is up; the process is stopped before the error is thrown (testcontainers' wait strategies).
 * @returns the probe's value.
 * @throws {Error} `<what> not ready within <timeoutMs> ms` or `<what>: the process exited (<code>) before it was
 *   ready`; the caller wraps it in its typed error with {@link StartedProcess.logTail}.
 */
export async function waitUntilReady<T>(
  proc: StartedProcess,
  probe: () => Promise<T | undefined>,
  options: ReadyOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    const r = proc.exitResult();
    if (r || Date.now() > deadline) {
      await proc.stop();
      throw new Error(
        r
          ? `${options.what}: the process exited (${r.exitCode ?? r.signal}) before it was ready`
          : `${options.what} not ready within ${options.timeoutMs} ms`,
      );
    }
    await new Promise((res) => setTimeout(res, options.intervalMs ?? 50));
  }
}
