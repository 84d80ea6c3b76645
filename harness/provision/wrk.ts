/**
 * wrk, the C load generator `ceiling` compares the closed-model generator with: `WRK_BIN`, else `wrk` on `PATH`,
 * else, with `install: true`, Debian's `wrk` package (4.1.0 on Debian 12) installed with apt-get. Only the `ceiling`
 * benchmark uses it; runs and tests never need it.
 *
 * @module
 */
import { BenchError } from '../errors.ts';
import { aptInstall } from './apt.ts';
import { isExecutable, which } from './go-binary.ts';

/** A runnable wrk. */
export interface ResolvedWrk {
  /** Absolute path of the binary. */
  path: string;
  source: 'env' | 'PATH' | 'installed';
}

const FIX = "install Debian's wrk package (apt-get install wrk), or set WRK_BIN to a wrk binary";

/**
 * Finds wrk, installing Debian's package when asked and none is found.
 * @throws {BenchError} `WRK_UNAVAILABLE` with the fix: `WRK_BIN` is not executable, or none is found and it cannot
 *   be installed (not root and no passwordless sudo, no apt-get, or apt-get failed).
 */
export async function resolveWrk(
  options: { install?: boolean; onProgress?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedWrk> {
  const env = options.env ?? process.env;
  if (env.WRK_BIN) {
    if (!(await isExecutable(env.WRK_BIN)))
      throw new BenchError('WRK_UNAVAILABLE', `WRK_BIN=${env.WRK_BIN} is not an executable file: ${FIX}, or unset it`);
    return { path: env.WRK_BIN, source: 'env' };
  }
  const found = await which('wrk', env);
  if (found) return { path: found, source: 'PATH' };
  if (!options.install)
    throw new BenchError(
      'WRK_UNAVAILABLE',
      `no wrk found (WRK_BIN, wrk on PATH): ${FIX}, or run consul-kv-bench provision --wrk`,
    );
  await aptInstall('wrk', {
    code: 'WRK_UNAVAILABLE',
    fix: FIX,
    env,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const installed = await which('wrk', env);
  if (!installed)
    throw new BenchError('WRK_UNAVAILABLE', `apt-get installed wrk but no binary was found on PATH: ${FIX}`);
  return { path: installed, source: 'installed' };
}
