/**
 * The Chromium that checks `report.html` in a real browser (test/harness/html-report.browser.test.ts):
 * `CHROMIUM_BIN`, else `chromium` (Debian's package), `chromium-browser`, `google-chrome-stable` or
 * `google-chrome` on `PATH`, else, with `install: true`, Debian's `chromium` package installed with apt-get
 * (as root, or through passwordless sudo). No browser build is downloaded: Debian's package is the only source.
 * Running a benchmark never needs it.
 *
 * @module
 */
import { execa } from 'execa';
import { BenchError } from '../errors.ts';
import { aptInstall } from './apt.ts';
import { isExecutable, which } from './go-binary.ts';

/** Names looked up on `PATH`, in order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'] as const;

/**
 * Flags for headless Chromium on a machine without a display, sandbox user namespaces or outside network:
 * no GPU, no sandbox (root in CI), and none of the background connections (updates, sync, metrics) that a
 * closed network refuses by the dozen. From the machine's notes on running Debian's chromium headless.
 */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
] as const;

/** A runnable Chromium. */
export interface ResolvedChromium {
  /** Absolute path of the binary. */
  path: string;
  /** What `--version` printed, e.g. `Chromium 156.0.8078.73 built on Debian …`. */
  version: string;
  source: 'env' | 'PATH' | 'installed';
}

/** Options of {@link resolveChromium}. */
export interface ResolveChromiumOptions {
  /** Install Debian's `chromium` with apt-get when none is found. Default false. */
  install?: boolean;
  /** Progress lines (the install takes a minute or two). */
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const FIX =
  "install Debian's chromium package (apt-get install chromium), or set CHROMIUM_BIN to a Chromium or Chrome binary";

/**
 * `<bin> --version`.
 * @throws {BenchError} `CHROMIUM_UNAVAILABLE` when it does not run.
 */
export async function chromiumVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execa(bin, ['--version'], { timeout: 30_000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch (err) {
    throw new BenchError(
      'CHROMIUM_UNAVAILABLE',
      `${bin} does not run (${(err as Error).message.split('\n')[0]}): ${FIX}`,
      { cause: err },
    );
  }
}

async function find(env: NodeJS.ProcessEnv): Promise<{ path: string; source: 'env' | 'PATH' } | undefined> {
  const fromEnv = env.CHROMIUM_BIN;
  if (fromEnv) {
    if (!(await isExecutable(fromEnv)))
      throw new BenchError(
        'CHROMIUM_UNAVAILABLE',
        `CHROMIUM_BIN=${fromEnv} is not an executable file: point it at a Chromium binary, or unset it`,
      );
    return { path: fromEnv, source: 'env' };
  }
  for (const name of CHROMIUM_NAMES) {
    const found = await which(name, env);
    if (found) return { path: found, source: 'PATH' };
  }
  return undefined;
}

/**
 * Finds Chromium, installing Debian's package when asked and none is found.
 * @throws {BenchError} `CHROMIUM_UNAVAILABLE` with the fix when none is found and it cannot be installed (not
 *   root and no passwordless sudo, no apt-get, or apt-get failed).
 */
export async function resolveChromium(options: ResolveChromiumOptions = {}): Promise<ResolvedChromium> {
  const env = options.env ?? process.env;
  const found = await find(env);
  if (found) return { ...found, version: await chromiumVersion(found.path) };
  if (!options.install)
    throw new BenchError(
      'CHROMIUM_UNAVAILABLE',
      `no Chromium found (CHROMIUM_BIN, ${CHROMIUM_NAMES.join(', ')} on PATH): ${FIX}, or run consul-kv-bench provision --browser`,
    );
  await aptInstall('chromium', {
    code: 'CHROMIUM_UNAVAILABLE',
    fix: FIX,
    env,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const installed = await find(env);
  if (!installed)
    throw new BenchError('CHROMIUM_UNAVAILABLE', `apt-get installed chromium but no binary was found on PATH: ${FIX}`);
  return { path: installed.path, source: 'installed', version: await chromiumVersion(installed.path) };
}
