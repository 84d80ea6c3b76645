/**
 * Profiles of the config service, one per row, into the run's report folder:
 * - `cpu`: `node --cpu-prof` writes a `.cpuprofile` (open it in Chrome DevTools or speedscope);
 * - `flame`: the same profile rendered as a 0x flamegraph (`0x --visualize-cpu-profile`, an HTML file); a 0x
 *   failure is reported in the row (`profile.error`), never fatal;
 * - `doctor`: clinic doctor (`@clinic/doctor`'s collect + visualize) runs the service and writes its HTML report.
 *   clinic is no longer actively maintained and its numbers are inaccurate on recent Node
 *   (docs/MEASUREMENT-NOTES.md): best-effort, a failure is reported in the row, never fatal, never gated on.
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
import { usageError } from '../errors.ts';
import type { ProfileKind } from './profile-kinds.ts';

const require = createRequire(import.meta.url);

/** Profiles the service of each row; the profile feature (`harness/run/features/profile.ts`) drives it. */
export interface RowProfiler {
  readonly kind: ProfileKind;
  /** `node` options for the service of this row. */
  nodeOptions(scenario: string, row: string): Promise<string[]>;
  /** A launcher that runs the service under another program (clinic doctor); absent: the usual start. */
  launcher?(scenario: string, row: string): (argv: string[]) => Promise<void>;
  /** After the service stopped: turn raw output into artifacts. Never throws; failures come back in `error`. */
  finish(scenario: string, row: string): Promise<{ files: string[]; error?: string }>;
}

/** Profile kinds of `--profile`. */
export { PROFILE_KINDS, type ProfileKind } from './profile-kinds.ts';

/** The package each profile kind loads (optional peer dependencies: installed with the package only on request). */
const OPTIONAL_PACKAGES: Readonly<Record<ProfileKind, string | undefined>> = {
  flame: '0x',
  cpu: undefined,
  doctor: '@clinic/doctor',
};

/** Folder of one row's profile, relative to the output directory. */
export function profileDir(runDir: string, scenario: string, row: string): string {
  return path.join(runDir, 'profiles', `${scenario}-${row}`.replace(/[^a-z0-9._-]/gi, '_'));
}

/**
 * A profiler writing under `<outDir>/<runDir>/profiles/<scenario>-<row>/`.
 * @param outDir the output directory (absolute).
 * @param runDir the run's folder relative to `outDir`, e.g. `runs/2026-11-21T18-00-00Z`.
 * @throws {BenchError} `USAGE` when the kind's package (`0x` for flame, `@clinic/doctor` for doctor; optional peer
 *   dependencies of the installed package) is not installed.
 */
export function createServiceProfiler(kind: ProfileKind, outDir: string, runDir: string): RowProfiler {
  const needs = OPTIONAL_PACKAGES[kind];
  if (needs) {
    try {
      require.resolve(`${needs}/package.json`);
    } catch {
      throw usageError(`--profile ${kind} needs the ${needs} package: npm install --save-dev ${needs}`);
    }
  }
  if (kind === 'doctor') return createDoctorProfiler(outDir, runDir);
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
        const result = await execa(
          process.execPath,
          [cmd, '--visualize-cpu-profile', path.join(dir, profiles[0]!), '--name', 'flamegraph', '--quiet'],
          {
            cwd: dir,
            reject: false,
            timeout: 120_000,
          },
        );
        if (result.exitCode !== 0)
          return {
            files,
            error: `0x failed (exit ${result.exitCode}): ${String(result.stderr).split('\n').slice(-3).join(' ')}`,
          };
        const html = (await readdir(dir)).filter((f) => f.endsWith('.html'));
        return html.length
          ? { files: [...html.map((f) => path.join(rel, f)), ...files] }
          : { files, error: '0x wrote no flamegraph' };
      } catch (err) {
        return { files, error: `0x failed: ${(err as Error).message.split('\n')[0]}` };
      }
    },
  };
}

/** The part of `@clinic/doctor`'s API used here (its README: collect(args, cb), visualize(dataDir, html, cb)). */
interface ClinicDoctor {
  collect(args: string[], callback: (err: Error | null, dataDir: string) => void): void;
  visualize(dataDir: string, outputFile: string, callback: (err: Error | null) => void): void;
}

/** clinic doctor, best-effort (see the module comment). */
function createDoctorProfiler(outDir: string, runDir: string): RowProfiler {
  const collected = new Map<string, { dataDir?: string; error?: string }>();
  const key = (scenario: string, row: string) => `${scenario}\u0000${row}`;
  return {
    kind: 'doctor',
    async nodeOptions(scenario, row) {
      await mkdir(path.join(outDir, profileDir(runDir, scenario, row)), { recursive: true });
      return [];
    },
    launcher(scenario, row) {
      const dir = path.join(outDir, profileDir(runDir, scenario, row));
      return (argv) =>
        new Promise<void>((resolve) => {
          try {
            const Doctor = require('@clinic/doctor') as new (options: { dest: string }) => ClinicDoctor;
            const doctor = new Doctor({ dest: dir });
            // clinic has the service write node_trace.*.log into the working directory, moves it into its data
            // folder when the service exits, and refuses to start while old ones are there.
            doctor.collect(argv, (err, dataDir) => {
              collected.set(key(scenario, row), err ? { error: err.message } : { dataDir });
              resolve();
            });
          } catch (err) {
            collected.set(key(scenario, row), { error: (err as Error).message.split('\n')[0] ?? 'clinic failed' });
            resolve();
          }
        });
    },
    async finish(scenario, row) {
      const state = collected.get(key(scenario, row));
      if (!state?.dataDir)
        return { files: [], error: `clinic doctor collected nothing: ${state?.error ?? 'it did not run'}` };
      const html = `${state.dataDir}.html`;
      try {
        const Doctor = require('@clinic/doctor') as new (options: { dest: string }) => ClinicDoctor;
        const doctor = new Doctor({ dest: path.dirname(state.dataDir) });
        const dataDir = path.isAbsolute(state.dataDir)
          ? state.dataDir
          : path.join(outDir, profileDir(runDir, scenario, row), state.dataDir);
        const out = path.isAbsolute(html) ? html : `${dataDir}.html`;
        await new Promise<void>((resolve, reject) =>
          doctor.visualize(dataDir, out, (err) => (err ? reject(err) : resolve())),
        );
        return { files: [path.relative(outDir, out)] };
      } catch (err) {
        return {
          files: [],
          error: `clinic doctor could not render its report: ${(err as Error).message.split('\n')[0]}`,
        };
      }
    },
  };
}
