/**
 * Finds or builds the `consul` binary the `local` backend runs.
 *
 * Order (DEVELOPERS.md): `CONSUL_BIN`, else `consul` on `PATH`, else the user cache
 * (`$XDG_CACHE_HOME/consul-kv-bench/consul/<version>/consul`, default `~/.cache/...`), else built once from the
 * Go module proxy with the machine's `go`, through the wrapper module in `./consul-module/` (why a wrapper:
 * see the comment at the top of its go.mod, and ../shared/CONSUL-NOTES.md).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, rename, rm, writeFile, readFile, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BenchError } from '../errors.ts';

/** The Consul version the harness pins, builds and records. Matches `consul-module/go.mod`. */
export const CONSUL_VERSION = '1.22.7';

/** Where a binary came from, recorded in every report. */
export type ConsulBinarySource = 'CONSUL_BIN' | 'PATH' | 'cache' | 'built';

/** A resolved binary. */
export interface ConsulBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** Version it reports (`consul version`), e.g. `1.22.7`. */
  readonly version: string;
  readonly source: ConsulBinarySource;
}

/** Options of {@link resolveConsulBinary}. */
export interface ResolveConsulBinaryOptions {
  /** Environment to read `CONSUL_BIN`, `PATH`, `XDG_CACHE_HOME`, `HOME` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (what is happening, build output), for long builds. Default: none. */
  readonly onProgress?: (line: string) => void;
  /** Skip `PATH` (tests of the cache and build path). Default false. */
  readonly ignorePath?: boolean;
  /** Cancels a build under way (SIGINT/SIGTERM): `go build` is killed and nothing is cached. */
  readonly signal?: AbortSignal | undefined;
}

/** The user cache directory of the harness: `$XDG_CACHE_HOME/consul-kv-bench`, default `~/.cache/consul-kv-bench`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'consul-kv-bench');
}

/** Cached binary path for {@link CONSUL_VERSION}. */
export function cachedConsulPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'consul', `v${CONSUL_VERSION}`, 'consul');
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable on `PATH`. @returns its absolute path, or undefined. */
export async function which(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Runs `<bin> version` and returns the version, e.g. `1.22.7`.
 * @throws {BenchError} `CONSUL_BINARY_UNAVAILABLE` when the file does not run or prints no version.
 */
export async function consulBinaryVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execa(bin, ['version'], { timeout: 15_000 });
    const m = /Consul v(\d+\.\d+\.\d+\S*)/.exec(stdout);
    if (!m?.[1]) throw new Error(`unexpected output: ${stdout.split('\n')[0]}`);
    return m[1];
  } catch (err) {
    throw new BenchError('CONSUL_BINARY_UNAVAILABLE', `${bin} is not a working consul binary (${(err as Error).message.split('\n')[0]}): point CONSUL_BIN at one, or unset it`, { cause: err });
  }
}

/**
 * Resolves a runnable `consul` binary, building it if needed (minutes; progress goes to `onProgress`).
 * @throws {BenchError} `CONSUL_BINARY_UNAVAILABLE` (CONSUL_BIN broken, or no binary and no `go`),
 *   `CONSUL_BUILD_FAILED` (the Go build failed; the message holds the tail of its output).
 */
export async function resolveConsulBinary(options: ResolveConsulBinaryOptions = {}): Promise<ConsulBinary> {
  const env = options.env ?? process.env;
  const progress = options.onProgress ?? (() => {});
  if (env.CONSUL_BIN) {
    const bin = path.resolve(env.CONSUL_BIN);
    if (!(await isExecutable(bin))) {
      throw new BenchError('CONSUL_BINARY_UNAVAILABLE', `CONSUL_BIN=${env.CONSUL_BIN} is not an executable file: fix the path or unset CONSUL_BIN`);
    }
    return { path: bin, version: await consulBinaryVersion(bin), source: 'CONSUL_BIN' };
  }
  if (!options.ignorePath) {
    const onPath = await which('consul', env);
    if (onPath) return { path: onPath, version: await consulBinaryVersion(onPath), source: 'PATH' };
  }
  const cached = cachedConsulPath(env);
  if (await isExecutable(cached)) return { path: cached, version: await consulBinaryVersion(cached), source: 'cache' };
  const go = await findGo(env);
  if (!go) {
    throw new BenchError(
      'CONSUL_BINARY_UNAVAILABLE',
      `no consul binary found: set CONSUL_BIN=/path/to/consul, put consul ${CONSUL_VERSION} on PATH, or install Go so the harness can build it into ${cached}`,
    );
  }
  await buildConsul(go, cached, env, progress, options.signal);
  return { path: cached, version: await consulBinaryVersion(cached), source: 'built' };
}

/** `go` on PATH, else `$GOROOT/bin/go`, else the usual install location `/usr/local/go/bin/go`. */
async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const onPath = await which('go', env);
  if (onPath) return onPath;
  for (const candidate of [env.GOROOT ? path.join(env.GOROOT, 'bin', 'go') : '', '/usr/local/go/bin/go']) {
    if (candidate && (await isExecutable(candidate))) return candidate;
  }
  return undefined;
}

/** Directory of the wrapper Go module (go.mod + go.sum) committed beside this file. */
const MODULE_DIR = path.join(import.meta.dirname, 'consul-module');

/**
 * Builds Consul with `go build` from a copy of the wrapper module, then moves the binary into the cache.
 * A lock directory keeps two harness processes from building at once; the second waits for the first.
 */
async function buildConsul(go: string, target: string, env: NodeJS.ProcessEnv, progress: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const lock = `${target}.lock`;
  await mkdir(path.dirname(target), { recursive: true });
  await acquireLock(lock, progress);
  try {
    if (await isExecutable(target)) return; // another process built it while we waited
    const work = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-build-'));
    try {
      await cp(MODULE_DIR, work, { recursive: true });
      const out = path.join(work, 'consul');
      progress(`building consul v${CONSUL_VERSION} from the Go module proxy with ${go} (one time, a few minutes; cached at ${target})`);
      const started = Date.now();
      const ticker = setInterval(() => progress(`  still building consul… ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
      ticker.unref();
      const child = execa(go, ['build', '-trimpath', '-o', out, 'github.com/hashicorp/consul'], {
        cwd: work,
        env: { ...env, GOFLAGS: [env.GOFLAGS ?? '', '-mod=mod'].join(' ').trim() },
        all: true,
        reject: false,
        timeout: 45 * 60_000,
        ...(signal ? { cancelSignal: signal } : {}),
      });
      let downloads = 0;
      child.all?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (line.startsWith('go: downloading')) {
            downloads++;
            if (downloads % 50 === 1) progress(`  downloading Go modules (${downloads} so far)…`);
          } else if (line.trim()) progress(`  ${line}`);
        }
      });
      const result = await child;
      clearInterval(ticker);
      if (signal?.aborted) throw new BenchError('INTERRUPTED', 'the consul build was interrupted; it starts again next time');
      if (result.exitCode !== 0 || !existsSync(out)) {
        const tail = String(result.all ?? '').split('\n').filter((l) => !l.startsWith('go: downloading')).slice(-15).join('\n');
        throw new BenchError(
          'CONSUL_BUILD_FAILED',
          `building consul v${CONSUL_VERSION} with go failed (exit ${result.exitCode}): set CONSUL_BIN to a prebuilt consul, or see --verbose for the build output`,
          { details: tail },
        );
      }
      await chmod(out, 0o755);
      await rename(out, target).catch(async () => {
        await cp(out, `${target}.tmp`);
        await rename(`${target}.tmp`, target);
      });
      progress(`built consul v${CONSUL_VERSION} in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Takes a lock directory holding our pid; waits while a live process holds it; breaks a dead holder's lock. */
async function acquireLock(lock: string, progress: (line: string) => void): Promise<void> {
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => ''));
    let alive = false;
    if (pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive && pid > 0) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      progress(`waiting for another consul-kv-bench process (pid ${pid || '?'}) to finish building consul…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
