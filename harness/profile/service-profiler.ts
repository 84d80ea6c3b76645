/**
 * Profiles of the config service, one per row, into the run's report folder:
 * - `cpu`: `node --cpu-prof` writes a `.cpuprofile` (open it in Chrome DevTools or speedscope);
 * - `flame`: the same profile rendered as a 0x flamegraph (`0x --visualize-cpu-profile`, an HTML file); a 0x
 *   failure is reported in the row (`profile.error`), never fatal.
 *
 * The service writes its profile when it exits (it exits cleanly on SIGTERM), so `finish()` runs after the
 * service stopped. Paths in results are relative to the output directory.
 *
 * @module
 */
import { mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import type { RowProfiler } from '../bench-run.ts';

const require = createRequire(import.meta.url);

/** Profile kinds of `--profile`. */
export const PROFILE_KINDS = ['flame', 'cpu'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Folder of one row's profile, relative to the output directory. */
export function profileDir(runDir: string, scenario: string, row: string): string {
  return path.join(runDir, 'profiles', `${scenario}-${row}`.replace(/[^a-z0-9._-]/gi, '_'));
}

/**
 * A profiler writing under `<outDir>/<runDir>/profiles/<scenario>-<row>/`.
 * @param outDir the output directory (absolute).
 * @param runDir the run's folder relative to `outDir`, e.g. `runs/2026-11-21T18-00-00Z`.
 */
export function createServiceProfiler(kind: ProfileKind, outDir: string, runDir: string): RowProfiler {
  return {
    kind,
    async nodeOptions(scenario, row) {
      const dir = path.join(outDir, profileDir(runDir, scenario, row));
      await mkdir(dir, { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    },
    async finish(scenario, row) {
      const rel = profileDir(runDir, scenario, row);
      const dir = path.join(outDir, rel);
      const profiles = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
      if (profiles.length === 0) return { files: [], error: 'the service wrote no .cpuprofile (did it exit cleanly?)' };
      const files = profiles.map((f) => path.join(rel, f));
      if (kind === 'cpu') return { files };
      try {
        const cmd = path.join(path.dirname(require.resolve('0x/package.json')), 'cmd.js');
        const result = await execa(process.execPath, [cmd, '--visualize-cpu-profile', path.join(dir, profiles[0]!), '--name', 'flamegraph', '--quiet'], {
          cwd: dir,
          reject: false,
          timeout: 120_000,
        });
        if (result.exitCode !== 0) return { files, error: `0x failed (exit ${result.exitCode}): ${String(result.stderr).split('\n').slice(-3).join(' ')}` };
        const html = (await readdir(dir)).filter((f) => f.endsWith('.html'));
        return html.length ? { files: [...html.map((f) => path.join(rel, f)), ...files] } : { files, error: '0x wrote no flamegraph' };
      } catch (err) {
        return { files, error: `0x failed: ${(err as Error).message.split('\n')[0]}` };
      }
    },
  };
}

