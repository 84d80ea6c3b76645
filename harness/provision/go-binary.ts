/**
 * Finds, downloads or builds a binary the harness runs (Consul, Toxiproxy, the Go config service), the same way for
 * each: `<ENV_VAR>` → a name on `PATH` → the user cache (`$XDG_CACHE_HOME/consul-kv-bench/<name>/v<version>/<os>-<arch>/`,
 * default `~/.cache/…`; a binary built before the cache named the architecture, in `v<version>/`, is still used) →
 * the project's official release for this OS and architecture, checked against its published SHA-256 sums
 * (`release-archive.ts`; a mirror with `CONSUL_KV_BENCH_MIRROR`; `CONSUL_KV_BENCH_DOWNLOAD=0` skips it) → built
 * once with the machine's `go` from the Go module proxy where no download is possible. A checksum that does not
 * match is refused, never built around. A lock directory keeps two harness processes from filling the cache at
 * once. Builds show progress and can be cancelled.
 *
 * @module
 */
import { access, chmod, constants, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BenchError } from '../errors.ts';
import { reapOnHarnessDeath } from '../reaper.ts';
import {
  checksumError,
  downloadRelease,
  type GoPlatform,
  goPlatform,
  ReleaseDownloadError,
  type ReleaseSpec,
} from './release-archive.ts';

/** Where a binary came from, recorded in reports. */
export type BinarySource = 'env' | 'PATH' | 'cache' | 'downloaded' | 'built';

/** A resolved binary. */
export interface ResolvedBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** Version it reports. */
  readonly version: string;
  readonly source: BinarySource;
}

/** What to build or find. */
export interface GoBinarySpec {
  /** Short name for messages and the cache folder, e.g. `consul`. */
  readonly name: string;
  /** Pinned version without `v`, e.g. `1.22.7`. */
  readonly version: string;
  /** Environment variable naming a binary to use instead, e.g. `CONSUL_BIN`. */
  readonly envVar: string;
  /** Names to look for on `PATH`. */
  readonly pathNames: readonly string[];
  /** Reads the version a binary reports. @throws {BenchError} when it is not a working binary. */
  readonly versionOf: (bin: string) => Promise<string>;
  /**
   * Builds the binary into `out` with `go`. Called with the lock held; `out` is moved into the cache afterwards.
   * @throws {BenchError} `<NAME>_BUILD_FAILED`-style errors with the build output's tail in `details`.
   */
  readonly build: (ctx: BuildContext) => Promise<void>;
  /** Error code when no binary can be had. */
  readonly unavailableCode: 'CONSUL_BINARY_UNAVAILABLE' | 'TOXIPROXY_UNAVAILABLE' | 'GO_SERVICE_UNAVAILABLE';
  /** The project's official release archives, tried before a build. Absent: built only (our own Go service). */
  readonly release?: ReleaseSpec;
}

/** What {@link GoBinarySpec.build} gets. */
export interface BuildContext {
  readonly go: string;
  /** Path the binary must be written to. */
  readonly out: string;
  /** A fresh temporary directory to build in (removed afterwards). */
  readonly workDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: (line: string) => void;
  readonly signal: AbortSignal | undefined;
}

/** Options of {@link resolveGoBinary}. */
export interface ResolveOptions {
  /** Environment to read the env var, `PATH`, `XDG_CACHE_HOME`, `HOME`, `GOROOT` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines for long builds. Default: none. */
  readonly onProgress?: (line: string) => void;
  /** Skip `PATH` (tests of the cache and build path). Default false. */
  readonly ignorePath?: boolean;
  /** Cancels a build under way (SIGINT/SIGTERM): the build is killed and nothing is cached. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Never build from source (minutes): where no binary is found or downloaded, throw `spec.unavailableCode` naming
   * `consul-kv-bench provision`. Default false. (`consul-kv-bench/testing` asks first, so a test can skip.)
   */
  readonly noBuild?: boolean;
}

/** The user cache directory of the harness: `$XDG_CACHE_HOME/consul-kv-bench`, default `~/.cache/consul-kv-bench`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'consul-kv-bench');
}

/** Cached path of a spec's binary for an OS and architecture (default this machine's). */
export function cachedBinaryPath(
  spec: Pick<GoBinarySpec, 'name' | 'version'>,
  env: NodeJS.ProcessEnv = process.env,
  platform: GoPlatform = goPlatform(),
): string {
  return path.join(cacheDir(env), spec.name, `v${spec.version}`, `${platform.os}-${platform.arch}`, spec.name);
}

/** Where a binary built before the cache named the architecture is (always this machine's own build). */
function legacyCachedPath(spec: Pick<GoBinarySpec, 'name' | 'version'>, env: NodeJS.ProcessEnv): string {
  return path.join(cacheDir(env), spec.name, `v${spec.version}`, spec.name);
}

/** True when `file` exists and is executable. */
export async function isExecutable(file: string): Promise<boolean> {
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

/** `go` on PATH, else `$GOROOT/bin/go`, else the usual install location `/usr/local/go/bin/go`. */
export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const onPath = await which('go', env);
  if (onPath) return onPath;
  for (const candidate of [env.GOROOT ? path.join(env.GOROOT, 'bin', 'go') : '', '/usr/local/go/bin/go']) {
    if (candidate && (await isExecutable(candidate))) return candidate;
  }
  return undefined;
}

/**
 * Resolves a runnable binary for `spec`, building it if needed (minutes; progress goes to `onProgress`).
 * @throws {BenchError} `spec.unavailableCode` (env var broken, or no binary and no `go`), the build's own errors,
 *   `INTERRUPTED` when `signal` aborted a build.
 */
export async function resolveGoBinary(spec: GoBinarySpec, options: ResolveOptions = {}): Promise<ResolvedBinary> {
  const env = options.env ?? process.env;
  const progress = options.onProgress ?? (() => {});
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    const bin = path.resolve(fromEnv);
    if (!(await isExecutable(bin))) {
      throw new BenchError(
        spec.unavailableCode,
        `${spec.envVar}=${fromEnv} is not an executable file: fix the path or unset ${spec.envVar}`,
      );
    }
    return { path: bin, version: await spec.versionOf(bin), source: 'env' };
  }
  if (!options.ignorePath) {
    for (const name of spec.pathNames) {
      const onPath = await which(name, env);
      if (onPath) return { path: onPath, version: await spec.versionOf(onPath), source: 'PATH' };
    }
  }
  const cached = cachedBinaryPath(spec, env);
  for (const file of [cached, legacyCachedPath(spec, env)]) {
    if (await isExecutable(file)) return { path: file, version: await spec.versionOf(file), source: 'cache' };
  }
  let downloadFailed = '';
  if (spec.release && env.CONSUL_KV_BENCH_DOWNLOAD !== '0') {
    const release = spec.release;
    try {
      await withLock(cached, spec.name, progress, async () => {
        await downloadRelease(release, spec.name, spec.version, cached, { env, progress, signal: options.signal });
      });
      progress(`${spec.name} v${spec.version}: SHA-256 matches the published sums → ${cached}`);
      return { path: cached, version: await spec.versionOf(cached), source: 'downloaded' };
    } catch (err) {
      if (!(err instanceof ReleaseDownloadError)) throw err;
      if (err.kind === 'checksum') throw checksumError(err, spec.envVar);
      downloadFailed = err.message;
      progress(`no release download (${err.message}): building ${spec.name} from source instead`);
    }
  }
  if (options.noBuild) {
    throw new BenchError(
      spec.unavailableCode,
      `no ${spec.name} ${spec.version} binary here${downloadFailed ? ` and no release download (${downloadFailed})` : ''}: run \`npx consul-kv-bench provision\` once (it builds one with Go), or set ${spec.envVar}`,
    );
  }
  const go = await findGo(env);
  if (!go) {
    throw new BenchError(
      spec.unavailableCode,
      `no ${spec.name} binary found${downloadFailed ? ` and the release download failed (${downloadFailed})` : ''}: set ${spec.envVar}=/path/to/${spec.pathNames[0]}, put ${spec.pathNames[0]} ${spec.version} on PATH, set CONSUL_KV_BENCH_MIRROR to a mirror of its release, or install Go so the harness can build it into ${cached}`,
    );
  }
  await buildIntoCache(spec, go, cached, env, progress, options.signal);
  return { path: cached, version: await spec.versionOf(cached), source: 'built' };
}

async function buildIntoCache(
  spec: GoBinarySpec,
  go: string,
  target: string,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  await withLock(target, spec.name, progress, async () => {
    if (await isExecutable(target)) return; // another process built it while we waited
    const workDir = await mkdtemp(path.join(os.tmpdir(), `consul-kv-bench-build-${spec.name}-`));
    try {
      const out = path.join(workDir, `${spec.name}.out`);
      const started = Date.now();
      progress(
        `building ${spec.name} v${spec.version} from the Go module proxy with ${go} (one time; cached at ${target})`,
      );
      const ticker = setInterval(
        () => progress(`  still building ${spec.name}… ${Math.round((Date.now() - started) / 1000)} s`),
        30_000,
      );
      ticker.unref();
      try {
        await spec.build({ go, out, workDir, env, progress, signal });
      } finally {
        clearInterval(ticker);
      }
      if (signal?.aborted)
        throw new BenchError('INTERRUPTED', `the ${spec.name} build was interrupted; it starts again next time`);
      await chmod(out, 0o755);
      await rename(out, target).catch(async () => {
        await cp(out, `${target}.tmp`);
        await rename(`${target}.tmp`, target);
      });
      progress(`built ${spec.name} v${spec.version} in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
}

/** Runs `fill` with the lock of `target` held (its folder made first); another process's fill is waited for. */
async function withLock(
  target: string,
  name: string,
  progress: (line: string) => void,
  fill: () => Promise<void>,
): Promise<void> {
  const lock = `${target}.lock`;
  await mkdir(path.dirname(target), { recursive: true });
  await acquireLock(lock, name, progress);
  try {
    if (await isExecutable(target)) return; // another process filled it while we waited
    await fill();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Takes a lock directory holding our pid; waits while a live process holds it; breaks a dead holder's lock. */
async function acquireLock(lock: string, name: string, progress: (line: string) => void): Promise<void> {
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
      progress(`waiting for another consul-kv-bench process (pid ${pid || '?'}) to finish building ${name}…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Runs a `go` command for a build, streaming progress (module downloads are summarised) and failing with the
 * tail of its output.
 * @throws {BenchError} `code` when go exits non-zero.
 */
export async function runGo(
  ctx: BuildContext,
  args: readonly string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    code: 'CONSUL_BUILD_FAILED' | 'TOXIPROXY_UNAVAILABLE' | 'GO_SERVICE_UNAVAILABLE';
    what: string;
    fix: string;
  },
): Promise<void> {
  const { execa } = await import('execa');
  const child = reapOnHarnessDeath(
    execa(ctx.go, [...args], {
      cwd: options.cwd,
      env: options.env ?? ctx.env,
      all: true,
      reject: false,
      timeout: 45 * 60_000,
      ...(ctx.signal ? { cancelSignal: ctx.signal } : {}),
    }),
  );
  let downloads = 0;
  child.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.startsWith('go: downloading')) {
        downloads++;
        if (downloads % 50 === 1) ctx.progress(`  downloading Go modules (${downloads} so far)…`);
      } else if (line.trim()) ctx.progress(`  ${line}`);
    }
  });
  const result = await child;
  if (ctx.signal?.aborted) return;
  if (result.exitCode !== 0) {
    const tail = String(result.all ?? '')
      .split('\n')
      .filter((l) => !l.startsWith('go: downloading'))
      .slice(-15)
      .join('\n');
    throw new BenchError(
      options.code,
      `${options.what} failed (exit ${result.exitCode}): ${options.fix}, or see --verbose for the build output`,
      { details: tail },
    );
  }
}
