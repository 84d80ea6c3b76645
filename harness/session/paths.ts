/**
 * Where a command's paths are resolved from, and the user's client modules (`--client`, `clientModules`) checked.
 * Light: loads nothing of the runner, so analysis commands (`compare`, `gate`) can use it.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CLIENTS } from '../../clients/index.ts';
import { usageError } from '../errors.ts';
import type { CustomClient } from '../run/row-specs.ts';

/** The directory the user ran the command from (`npm run` changes to the package root and keeps it in INIT_CWD). */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/**
 * Checks client module paths (`--client`, `clientModules`): existing .ts/.js/.mjs files, named after their base
 * name, which must not clash with a registered client or another module.
 * @throws {BenchError} `USAGE` naming the fix.
 */
export function resolveCustomClients(paths: readonly string[], cwd: string): CustomClient[] {
  const out: CustomClient[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    if (!/\.(ts|js|mjs|go)$/.test(abs)) {
      throw usageError(
        `--client ${p}: give a .ts, .js or .mjs file that exports a client factory, or a .go file that registers a strategy (see clients/examples/)`,
      );
    }
    if (!existsSync(abs)) throw usageError(`--client ${p}: no such file (${abs})`);
    const name = path.basename(abs).replace(/\.(ts|js|mjs|go)$/, '');
    if (Object.hasOwn(CLIENTS, name) || out.some((c) => c.name === name)) {
      throw usageError(`--client ${p}: the name ${name} is taken; rename the file`);
    }
    out.push({ name, path: abs });
  }
  return out;
}
