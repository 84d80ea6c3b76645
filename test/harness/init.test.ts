/**
 * `init` in a repository: the JavaScript flavour writes `.js` files whose client module loads as a factory, the
 * workflow names that module, existing files are kept, `--force` rewrites them, and a missing `--dir` is one line,
 * exit 2. (The TypeScript flavour runs end to end from an installed package: test/package/packed-install.test.ts.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers.ts';

describe('init', () => {
  it('--language js: .js files, a loadable factory, kept without --force, rewritten with it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ckb-init-'));
    const r = await cli(['init', '--dir', dir, '--language', 'js']);
    expect(r.exitCode, r.stderr).toBe(0);
    const client = path.join(dir, 'consul-kv-bench/consul-kv-client.js');
    expect(existsSync(client)).toBe(true);
    expect(existsSync(path.join(dir, 'consul-kv-bench/client-leaks.test.js'))).toBe(true);
    expect(await readFile(path.join(dir, '.github/workflows/consul-kv-bench.yml'), 'utf8')).toContain(
      'client: consul-kv-bench/consul-kv-client.js',
    );
    const mod = (await import(pathToFileURL(client).href)) as { default: (o: unknown) => { get: unknown } };
    expect(typeof mod.default({ consulUrl: 'http://127.0.0.1:1' }).get).toBe('function');

    await writeFile(client, '// mine\n');
    const again = await cli(['init', '--dir', dir, '--language', 'js']);
    expect(again.stdout).toContain('kept  consul-kv-bench/consul-kv-client.js');
    expect(await readFile(client, 'utf8')).toBe('// mine\n');
    const forced = await cli(['init', '--dir', dir, '--language', 'js', '--force']);
    expect(forced.stdout).toContain('wrote consul-kv-bench/consul-kv-client.js');
    expect(await readFile(client, 'utf8')).toMatch(/export default function createClient/);

    const missing = await cli(['init', '--dir', path.join(dir, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no such directory/);
  });
});
