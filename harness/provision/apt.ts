/**
 * Debian packages the harness installs where a tool is missing (`provision --browser`, `provision --wrk`):
 * `apt-get update` then `apt-get install -y <package>`, as root or through passwordless sudo. Never for a benchmark
 * run itself; the package is the only source (nothing is downloaded around it).
 *
 * @module
 */
import { execa } from 'execa';
import { BenchError, type BenchErrorCode } from '../errors.ts';
import { which } from './go-binary.ts';

/** Whether this process ran `apt-get update` (one a process: `provision --browser --wrk` installs two packages). */
let updated = false;

/** Options of {@link aptInstall}. */
export interface AptInstallOptions {
  /** The error code thrown when the install is impossible or fails (the tool's own: `CHROMIUM_UNAVAILABLE` …). */
  readonly code: BenchErrorCode;
  /** What the user can do instead, ending every error message. */
  readonly fix: string;
  /** Progress lines (an install takes a minute or two). */
  readonly onProgress?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Installs a Debian package with apt-get.
 * @throws {BenchError} `options.code`, naming `options.fix`: no apt-get, not root and no sudo, or apt-get failed
 *   (its last line of stderr in the message, all of it in `details`).
 */
export async function aptInstall(pkg: string, options: AptInstallOptions): Promise<void> {
  const env = options.env ?? process.env;
  const aptGet = await which('apt-get', env);
  if (!aptGet) throw new BenchError(options.code, `no apt-get to install ${pkg}: ${options.fix}`);
  const root = process.getuid?.() === 0;
  const sudo = root ? undefined : await which('sudo', env);
  if (!root && !sudo) throw new BenchError(options.code, `installing ${pkg} needs root: ${options.fix}`);
  const run = async (args: string[]): Promise<void> => {
    const [cmd, argv] = root ? [aptGet, args] : [sudo!, ['-n', aptGet, ...args]];
    options.onProgress?.(`${pkg}: ${root ? '' : 'sudo '}apt-get ${args.join(' ')}`);
    try {
      await execa(cmd, argv, {
        env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 15 * 60_000,
        stdin: 'ignore',
      });
    } catch (err) {
      const e = err as { stderr?: string; shortMessage?: string };
      const last = (e.stderr ?? '').trim().split('\n').pop() || e.shortMessage || String(err);
      throw new BenchError(options.code, `apt-get ${args.join(' ')} failed (${last}): ${options.fix}`, {
        cause: err,
        details: e.stderr,
      });
    }
  };
  if (!updated) await run(['update', '-qq']);
  updated = true;
  await run(['install', '-y', '-qq', pkg]);
}
