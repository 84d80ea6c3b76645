/** Helpers shared by the tests. */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** Project root. */
export const ROOT = path.join(import.meta.dirname, '..');

/** Runs the CLI as a user would (`node harness/bin.ts …`, as the npm scripts and the installed bin do), never rejecting. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return execa(process.execPath, [path.join(ROOT, 'harness/bin.ts'), ...args], {
    cwd: ROOT,
    reject: false,
    env: { ...env },
    extendEnv: true,
    timeout: 5 * 60_000,
  });
}

/** Newest modification time (ms) of the files `npm run build` compiles from, or whose change it must follow. */
function newestBuildInput(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const dir of ['harness', 'clients', 'scenarios']) walk(path.join(ROOT, dir));
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json'])
    newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
}

/**
 * Runs `npm run build` unless `dist/` is newer than every file it is built from: on a fresh clone `npm ci`'s
 * `prepare` has built it already, and a build costs about 8 s of the suite's two cores (the action and the packed
 * install each built it again).
 * @returns whether it built.
 */
export async function ensureBuilt(): Promise<boolean> {
  const outputs = ['dist/harness/bin.js', 'dist/harness/index.js', 'dist/harness/testing/index.js'].map((f) =>
    path.join(ROOT, f),
  );
  if (outputs.every(existsSync) && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) > newestBuildInput())
    return false;
  await execa('npm', ['run', '-s', 'build'], { cwd: ROOT });
  return true;
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes. @returns whether it became true. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** True when something answers HTTP at `url` within 1 s. */
export async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** A new temporary directory for a test's output. */
export function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'ckb-cli-'));
}

/** Processes whose command line mentions `needle` (e.g. a Consul port), other than ps itself. */
export async function processesMentioning(needle: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return stdout.split('\n').filter((l) => l.includes(needle) && !/\bps -eo\b/.test(l));
}

/** The Consul address a run printed (`… ready at http(s)://127.0.0.1:<port>`). @throws when there is none. */
export function consulUrlFrom(stderr: string): string {
  const m = /ready at (https?:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
  if (!m?.[1]) throw new Error(`no Consul address in:\n${stderr}`);
  return m[1];
}

/**
 * A value for `CKB_TEST_MARK` unique to one run: every process the run starts inherits it in its environment (the
 * harness passes its environment on; the Go service's too, less `CONSUL_*`), so {@link processesMarked} finds what
 * that run left, and only that, whatever else runs beside it.
 */
export function testMark(name: string): { readonly env: { CKB_TEST_MARK: string }; readonly value: string } {
  const value = `${process.pid}-${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { env: { CKB_TEST_MARK: value }, value };
}

/** Pids of the processes whose environment holds `mark` (Linux `/proc/<pid>/environ`). */
export function processesMarked(mark: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(mark)) out.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}
