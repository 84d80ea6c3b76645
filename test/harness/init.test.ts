/**
 * `init` in a repository: the JavaScript flavour writes `.js` files whose client module loads as a factory, the
 * workflow names that module, existing files are kept, `--force` rewrites them, and a missing `--dir` is one line,
 * exit 2. Per test runner: a vitest project keeps its `npm test` green and runs the vitest leak test under
 * `npm run test:consul` (for real, against a real Consul), skipping it with the reason where no Consul binary can
 * be had; a jest project gets the node:test leak test and its `test` script untouched. (The TypeScript flavour on
 * node:test runs end to end from an installed package: test/package/packed-install.test.ts.)
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, ensureBuilt, ROOT } from '../helpers.ts';

/** A scratch project with a package.json and a test suite of its own. */
async function project(pkg: object, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ckb-init-runner-'));
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** npm in a scratch project, on the project's pinned Node. */
const npm = (dir: string, args: string[], env: Record<string, string> = {}) =>
  execa('npm', args, {
    cwd: dir,
    reject: false,
    all: true,
    timeout: 4 * 60_000,
    // plain text to match on: no colours, whatever the parent run set
    env: {
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      ...env,
    },
    extendEnv: true,
  });

describe('init', () => {
  it('--language js: .js files, a loadable factory, kept without --force, rewritten with it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ckb-init-'));
    const r = await cli(['init', '--dir', dir, '--language', 'js']);
    expect(r.exitCode, r.stderr).toBe(0);
    const client = path.join(dir, 'consul-kv-bench/consul-kv-client.js');
    expect(existsSync(client)).toBe(true);
    expect(existsSync(path.join(dir, 'consul-kv-bench/client-leaks.consul.mjs'))).toBe(true);
    expect(r.stdout).toContain('node --test consul-kv-bench/client-leaks.consul.mjs'); // no package.json: the command
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

  it('a vitest project: npm test untouched and green, the vitest leak test under npm run test:consul', {
    timeout: 6 * 60_000,
  }, async () => {
    await ensureBuilt();
    const dir = await project(
      { name: 'svc', private: true, type: 'module', devDependencies: { vitest: '*' }, scripts: { test: 'vitest run' } },
      { 'sum.test.ts': "import { expect, it } from 'vitest';\nit('sums', () => expect(1 + 1).toBe(2));\n" },
    );
    // the project's vitest and this package, as npm would have installed them
    await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules/vitest'), path.join(dir, 'node_modules/vitest'));
    await symlink(path.join(ROOT, 'node_modules/.bin/vitest'), path.join(dir, 'node_modules/.bin/vitest'));
    await symlink(ROOT, path.join(dir, 'node_modules/consul-kv-bench'));
    const before = await npm(dir, ['test']);
    expect(before.exitCode, before.all).toBe(0);
    const r = await cli(['init', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/leak test for vitest; npm test is unchanged/);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts).toEqual({
      test: 'vitest run',
      'test:consul': 'vitest run --config consul-kv-bench/vitest.consul.config.mts',
    });
    const after = await npm(dir, ['test']);
    expect(after.exitCode, after.all).toBe(0);
    expect(after.stdout).toMatch(/Tests +1 passed \(1\)/); // the leak test is not in the user's run
    // no Consul binary to be had: skipped, saying why
    const skipped = await npm(dir, ['run', 'test:consul'], { CONSUL_BIN: path.join(dir, 'no-consul') });
    expect(skipped.exitCode, skipped.all).toBe(0);
    expect(skipped.all).toMatch(/leak test skipped: CONSUL_BIN=.*no-consul is not an executable file/);
    expect(skipped.stdout).toMatch(/1 skipped/);
    // and for real, against a real Consul behind Toxiproxy
    const real = await npm(dir, ['run', 'test:consul']);
    expect(real.exitCode, real.all).toBe(0);
    expect(real.stdout).toMatch(/Tests +1 passed \(1\)/);
    // a second init keeps the script the user may have changed
    const again = await cli(['init', '--dir', dir]);
    expect(again.stdout).toMatch(/kept {2}the npm script test:consul/);
  });

  it('a jest project: the node:test leak test beside jest, the test script untouched', async () => {
    const dir = await project({
      name: 'svc',
      private: true,
      devDependencies: { jest: '*' },
      scripts: { test: 'jest' },
    });
    const r = await cli(['init', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts).toEqual({ test: 'jest', 'test:consul': 'node --test consul-kv-bench/client-leaks.consul.mts' });
    const leak = await readFile(path.join(dir, 'consul-kv-bench/client-leaks.consul.mts'), 'utf8');
    expect(leak).toMatch(/import \{ test \} from 'node:test'/);
    expect(leak).toMatch(/On node:test, not jest/);
    // jest's default testMatch (**/__tests__/**, *.test.*, *.spec.*) and vitest's do not take it
    expect(path.basename('consul-kv-bench/client-leaks.consul.mts')).not.toMatch(/\.(test|spec)\./);
  });
});
