/**
 * The shape docs/ARCHITECTURE.md promises, checked: files small enough to read, a self-contained repository,
 * analysis commands that never load the runner, one file per client strategy that imports no other strategy and
 * nothing from harness/, and a budgets example that parses. (Import cycles are an error of `npm run lint`.)
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLIENT_NAMES, ERROR_CAUSE_NAMES, ERROR_CAUSES, GO_CLIENT_NAMES } from '../clients/index.ts';
import { loadBudgets } from '../harness/gate/budgets.ts';
import { ROOT } from './helpers.ts';

/** Files under `dirs` (relative to the root) whose names match `ext`, skipping node_modules. */
async function filesUnder(dirs: readonly string[], ext: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const entries = await readdir(path.join(ROOT, dir), { recursive: true, withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !ext.test(e.name)) continue;
      const full = path.join(e.parentPath, e.name);
      if (!full.includes(`${path.sep}node_modules${path.sep}`)) out.push(path.relative(ROOT, full));
    }
  }
  return out.sort();
}

/** Relative import specifiers of a source file (static `from '…'` and dynamic `import('…')`). */
function relativeImports(source: string): string[] {
  const specs = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return [...new Set(specs)];
}

const SOURCE_DIRS = ['harness', 'clients', 'scenarios', 'test'];
/** A path into the notes folder beside the repository (spelled in parts, so this file does not point there). */
const OUTSIDE = new RegExp(['\\.\\.', 'sha' + 'red', ''].join('/'));

describe('architecture', () => {
  it('no source file is over 400 lines', async () => {
    const long: string[] = [];
    for (const f of await filesUnder(SOURCE_DIRS, /\.(ts|js)$/)) {
      const lines = (await readFile(path.join(ROOT, f), 'utf8')).split('\n').length - 1;
      if (lines > 400) long.push(`${f}: ${lines} lines`);
    }
    expect(long).toEqual([]);
  });

  it('every reference a reader meets resolves inside the repository (no path into the folder beside it)', async () => {
    const files = [
      ...(await filesUnder([...SOURCE_DIRS, 'docs', '.github'], /\.(ts|js|md|ya?ml|json|mod)$/)),
      'README.md',
      'reports/README.md',
      'reports/all/report.json',
    ];
    const outside = [];
    for (const f of files) {
      const text = await readFile(path.join(ROOT, f), 'utf8');
      if (OUTSIDE.test(text)) outside.push(f);
    }
    expect(outside).toEqual([]);
  });

  it('gate and compare load no part of the runner (harness/run/, the load generator, the service)', async () => {
    // Node's own module hooks list every module the analysis commands load.
    const probe = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
      for (const url of process.argv.slice(1)) await import(url);
      process.stdout.write(JSON.stringify([...seen]));`;
    const entries = ['harness/commands/gate.ts', 'harness/commands/compare.ts'].map(
      (f) => pathToFileURL(path.join(ROOT, f)).href,
    );
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', probe, ...entries], { cwd: ROOT });
    const loaded = (JSON.parse(stdout) as string[]).filter((u) => u.startsWith(pathToFileURL(ROOT).href));
    expect(loaded.some((u) => u.endsWith('/harness/gate/gate.ts'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/harness/compare/compare-reports.ts'))).toBe(true);
    const runner = loaded.filter((u) =>
      /\/harness\/(run\/|service\/|load\/load-runner|faults\/toxiproxy-server)/.test(u),
    );
    expect(runner).toEqual([]);
  });

  it('--help and an unknown command load no command module: no statistics, charts, schemas or measuring code', async () => {
    const probe = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
      const { buildProgram } = await import(process.argv[1]);
      await buildProgram(['node', 'consul-kv-bench', ...process.argv.slice(2)]);
      process.stdout.write(JSON.stringify([...seen]));`;
    const entry = pathToFileURL(path.join(ROOT, 'harness/cli.ts')).href;
    const heavy =
      /\/harness\/commands\/|\/node_modules\/(zod|simple-statistics|@stdlib|echarts|undici|hdr-histogram-js|yaml)\//;
    for (const args of [['--help'], ['frobnicate']]) {
      const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', probe, entry, ...args], {
        cwd: ROOT,
      });
      const loaded = JSON.parse(stdout) as string[];
      expect(loaded.some((u) => u.includes('/node_modules/commander/'))).toBe(true);
      expect(loaded.filter((u) => heavy.test(u))).toEqual([]);
    }
    // the named command is loaded in full (its options and help)
    const run = await execa(process.execPath, ['--input-type=module', '-e', probe, entry, 'run', '--help'], {
      cwd: ROOT,
    });
    expect((JSON.parse(run.stdout) as string[]).some((u) => u.endsWith('/harness/commands/run.ts'))).toBe(true);
  });

  it("the library (import 'consul-kv-bench') loads no CLI code: no commander, nothing of harness/commands/", async () => {
    const probe = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
      await import(process.argv[1]);
      process.stdout.write(JSON.stringify([...seen]));`;
    const entry = pathToFileURL(path.join(ROOT, 'harness/index.ts')).href;
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', probe, entry], { cwd: ROOT });
    const loaded = JSON.parse(stdout) as string[];
    expect(loaded.some((u) => u.endsWith('/harness/session/measure.ts'))).toBe(true);
    expect(loaded.filter((u) => /\/node_modules\/commander\/|\/harness\/(commands\/|cli\.ts|bin\.ts)/.test(u))).toEqual(
      [],
    );
  });

  it("no source branches on a load model's name outside its registry entry (harness/load/models/)", async () => {
    const branches: string[] = [];
    for (const f of await filesUnder(['harness', 'clients', 'scenarios'], /\.ts$/)) {
      if (f.startsWith('harness/load/models/')) continue;
      const text = await readFile(path.join(ROOT, f), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/[!=]==?\s*'(open|closed)'|'(open|closed)'\s*[!=]==?|case '(open|closed)'/.test(line))
          branches.push(`${f}:${i + 1}`);
      });
    }
    expect(branches).toEqual([]);
  });

  it('each registered client is one file in clients/ that imports no other strategy and nothing from harness/', async () => {
    const strategies = CLIENT_NAMES.filter((n) => n !== 'consul-direct' && !GO_CLIENT_NAMES.includes(n));
    const files = await filesUnder(['clients'], /\.ts$/);
    for (const name of strategies) expect(files).toContain(`clients/${name}.ts`);
    // the Go rows: one strategy a file in the Go service's module, each registered in its main.go
    const goFiles = await filesUnder(['clients/go'], /\.go$/);
    const main = await readFile(path.join(ROOT, 'clients/go/main.go'), 'utf8');
    for (const name of GO_CLIENT_NAMES) {
      const file = `clients/go/${name.replace(/^go-/, '')}.go`;
      expect(goFiles).toContain(file);
      expect(main).toContain(`"${name}":`);
    }
    const bad: string[] = [];
    for (const f of files) {
      const imports = relativeImports(await readFile(path.join(ROOT, f), 'utf8'));
      for (const spec of imports) {
        const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, f)), spec));
        if (!target.startsWith(`clients${path.sep}`)) bad.push(`${f} imports ${spec} (outside clients/)`);
        const strategy = strategies.some((n) => target === path.join('clients', `${n}.ts`));
        if (strategy && f !== 'clients/index.ts') bad.push(`${f} imports the strategy ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the example client documents every error code of the one table (ERROR_CAUSES)', async () => {
    const doc = await readFile(path.join(ROOT, 'clients/examples/my-client.ts'), 'utf8');
    const codes = ERROR_CAUSE_NAMES.flatMap((c) => [...ERROR_CAUSES[c].codes]);
    expect(codes.length).toBeGreaterThan(6);
    expect(codes.filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
  });

  it('the budgets example the gate help points to exists and parses', async () => {
    const file = 'docs/examples/budgets.yml';
    const budgets = await loadBudgets(file, path.join(ROOT, file));
    expect(budgets.budgets.length).toBeGreaterThan(3);
  });
});
