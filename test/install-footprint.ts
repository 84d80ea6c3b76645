/**
 * What a user's `npm install` of the package costs: `npm pack`, then a production install of the tarball into an
 * empty project (`npm install --omit=dev --omit=optional --omit=peer`), and the installed `node_modules` measured:
 * its size on disk (`du -sk`, KiB) and its package count (`npm ls --all --parseable`). Written to
 * `reports/install/install.json` with the date, the Node and npm versions and the command, the committed source of
 * the README's figures (`npm run docs` renders them). Run it with `npm run footprint` after `npm run build` (or
 * with `-- --build`, which lets `npm pack` run `prepare`). A benchmark, not a test.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../harness/package-paths.ts';

/** The measured footprint. */
export interface InstallFootprint {
  readonly createdAt: string;
  readonly command: string;
  readonly version: string;
  readonly node: string;
  readonly npm: string;
  /** Size of the installed `node_modules`, KiB (`du -sk`). */
  readonly kib: number;
  /** The same in MiB. */
  readonly mib: number;
  /** Packages installed, the package itself included. */
  readonly packages: number;
  /** Size of the tarball, bytes. */
  readonly tarballBytes: number;
}

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Measures the footprint (see the module comment). */
export function measureInstallFootprint(build: boolean): InstallFootprint {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'ckb-footprint-'));
  try {
    const packArgs = ['pack', '--pack-destination', dest, '--silent', ...(build ? [] : ['--ignore-scripts'])];
    const tarball = path.join(dest, run('npm', packArgs, PACKAGE_ROOT).trim().split('\n').pop()!);
    const project = path.join(dest, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'footprint', private: true }));
    run(
      'npm',
      [
        'install',
        '--omit=dev',
        '--omit=optional',
        '--omit=peer',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        tarball,
      ],
      project,
    );
    const kib = Number(run('du', ['-sk', 'node_modules'], project).split(/\s/)[0]);
    const packages = run('npm', ['ls', '--all', '--parseable'], project).trim().split('\n').length - 1;
    const tarballBytes = statSync(tarball).size;
    return {
      createdAt: new Date().toISOString(),
      command: 'npm run footprint',
      version: PACKAGE_VERSION,
      node: process.version,
      npm: run('npm', ['--version'], dest).trim(),
      kib,
      mib: kib / 1024,
      packages,
      tarballBytes,
    };
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

const footprint = measureInstallFootprint(process.argv.includes('--build'));
const out = path.join(PACKAGE_ROOT, 'reports', 'install', 'install.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(footprint, null, 2)}\n`);
process.stdout.write(
  `${footprint.packages} packages, ${(footprint.kib / 1024).toFixed(1)} MiB installed (tarball ${(footprint.tarballBytes / 1024).toFixed(0)} KiB) → ${out}\n`,
);
