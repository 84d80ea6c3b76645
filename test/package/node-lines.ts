/**
 * Node binaries of the LTS lines the published package supports, for the packed-install test: the current LTS is
 * the project's pinned Node (the one running the tests); Node 22 comes from the npm `node` package, installed once
 * into `~/.cache/consul-kv-bench/node-22` (or under `XDG_CACHE_HOME`) and reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** A Node binary and its version (no leading `v`). */
export interface NodeLine {
  readonly bin: string;
  readonly version: string;
}

/**
 * The Node of an LTS line: `current` is this process's; `22` is the npm `node@22` package, installed if missing.
 * @throws {Error} when npm cannot install it (the registry is unreachable).
 */
export async function nodeLine(line: '22' | 'current'): Promise<NodeLine> {
  if (line === 'current') return { bin: process.execPath, version: process.versions.node };
  const cache = path.join(
    process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    'consul-kv-bench',
    'node-22',
  );
  const bin = path.join(cache, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    await mkdir(cache, { recursive: true });
    // The npm `node` package downloads its binary in an install script; allow that one explicitly.
    await writeFile(
      path.join(cache, 'package.json'),
      JSON.stringify({ private: true, dependencies: { node: '^22.18.0' }, allowScripts: { node: true } }),
    );
    await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: cache, timeout: 5 * 60_000 });
  }
  const { stdout } = await execa(bin, ['--version']);
  return { bin, version: stdout.trim().replace(/^v/, '') };
}
