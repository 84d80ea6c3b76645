/**
 * `consul-kv-bench init`: scaffolds a user's repository: a client module to adapt, a budgets file, a leak test in
 * the idiom of the repository's test runner under an npm script of its own (`npm run test:consul`, so `npm test` is
 * untouched; see `harness/init/runners.ts`) and a GitHub workflow that runs the package's action (see
 * `harness/init/templates.ts`). A file or script that exists is kept unless `--force`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { usageError } from '../errors.ts';
import {
  detectRunner,
  LEAK_SCRIPT,
  leakFiles,
  leakScript,
  leakTestSource,
  RUNNERS,
  type Runner,
  vitestConfigSource,
} from '../init/runners.ts';
import { budgetsTemplate, clientTemplate, INIT_FILES, workflowTemplate } from '../init/templates.ts';
import { outputErrorsAs, userCwd } from './cli-options.ts';

/** Options of `init`. */
export interface InitFlags {
  /** The repository's root, relative to the current directory. Default `.`. */
  dir: string;
  /** Overwrite files (and the `test:consul` script) that exist. Default `false`. */
  force?: boolean;
  /** Language of the client module and the leak test. Default `ts`. */
  language: 'ts' | 'js';
  /** The test runner whose idiom the leak test follows. Default: detected from package.json (`detectRunner`). */
  runner?: Runner;
}

/** What {@link initRepository} did with each file. */
export interface InitOutcome {
  readonly written: string[];
  readonly kept: string[];
  readonly runner: Runner;
  /** The `test:consul` script: added to package.json, kept (it existed), or absent (no package.json). */
  readonly script: 'added' | 'kept' | 'no-package-json';
}

/**
 * Writes the scaffold into `root`.
 * @throws {BenchError} `USAGE` when `root` is not a directory or its package.json is not JSON.
 */
export async function initRepository(root: string, flags: Omit<InitFlags, 'dir'>): Promise<InitOutcome> {
  if (!existsSync(root)) throw usageError(`init --dir ${root}: no such directory; create it or pick another`);
  const pkgFile = path.join(root, 'package.json');
  let pkgText: string | undefined;
  let pkg: { scripts?: Record<string, string> } | undefined;
  if (existsSync(pkgFile)) {
    pkgText = await readFile(pkgFile, 'utf8');
    try {
      pkg = JSON.parse(pkgText) as typeof pkg;
    } catch (err) {
      throw usageError(`init: ${pkgFile} is not JSON (${(err as Error).message}); fix it and run init again`);
    }
  }
  const runner = flags.runner ?? detectRunner(pkg);
  const typed = flags.language === 'ts';
  const client = typed ? INIT_FILES.client : INIT_FILES.clientJs;
  const leak = leakFiles(runner, typed);
  const files: Array<[string, string]> = [
    [client, clientTemplate(typed)],
    [INIT_FILES.budgets, budgetsTemplate()],
    [leak.test, leakTestSource(runner, typed, client)],
    ...(leak.config ? [[leak.config, vitestConfigSource()] as [string, string]] : []),
    [INIT_FILES.workflow, workflowTemplate(client)],
  ];
  const written: string[] = [];
  const kept: string[] = [];
  for (const [rel, content] of files) {
    const abs = path.join(root, rel);
    if (existsSync(abs) && !flags.force) {
      kept.push(rel);
      continue;
    }
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
    written.push(rel);
  }
  let script: InitOutcome['script'] = 'no-package-json';
  if (pkg && pkgText !== undefined) {
    if (pkg.scripts?.[LEAK_SCRIPT] !== undefined && !flags.force) script = 'kept';
    else {
      pkg.scripts = { ...pkg.scripts, [LEAK_SCRIPT]: leakScript(runner, typed) };
      const indent = /^[ \t]+/m.exec(pkgText)?.[0] ?? '  ';
      await writeFile(pkgFile, `${JSON.stringify(pkg, null, indent)}\n`);
      script = 'added';
    }
  }
  return { written, kept, runner, script };
}

/** Runs `init`. @returns 0. */
export async function initCommand(flags: InitFlags): Promise<number> {
  const root = path.resolve(userCwd(), flags.dir);
  const outcome = await initRepository(root, flags);
  const typed = flags.language === 'ts';
  const out: string[] = [];
  for (const f of outcome.written) out.push(`wrote ${f}`);
  for (const f of outcome.kept) out.push(`kept  ${f} (it exists; init --force overwrites it)`);
  const script = leakScript(outcome.runner, typed);
  if (outcome.script === 'added') out.push(`added the npm script ${LEAK_SCRIPT}: ${script}`);
  if (outcome.script === 'kept')
    out.push(`kept  the npm script ${LEAK_SCRIPT} (it exists; init --force overwrites it)`);
  const client = typed ? INIT_FILES.client : INIT_FILES.clientJs;
  out.push(
    '',
    `leak test for ${outcome.runner === 'vitest' ? 'vitest' : `node:test${outcome.runner === 'jest' ? ' (beside jest: see the file)' : ''}`}; npm test is unchanged (the file is not a *.test.* name)`,
    'next:',
    `  1. adapt ${client} to call your client (it works as it is: fetch with keep-alive and a timeout)`,
    `  2. npx consul-kv-bench run light network-stall --quick --clients pooled --client ${client}`,
    `  3. npx consul-kv-bench gate --budgets ${INIT_FILES.budgets} reports/latest/report.json`,
    `  4. ${outcome.script === 'no-package-json' ? script : `npm run ${LEAK_SCRIPT}`}   (the leak check; add it to npm test when you want it there)`,
    `  5. commit; ${INIT_FILES.workflow} gates every pull request`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** Adds `init` to the program. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .configureOutput(outputErrorsAs('init'))
    .description(
      'scaffold your repository: a client module, a budgets file, a leak test for your test runner under npm run test:consul (npm test is untouched) and a GitHub workflow (existing files are kept)',
    )
    .option('--dir <path>', "your repository's root", '.')
    .option('--force', 'overwrite files (and the test:consul script) that exist')
    .addOption(
      new Option('--language <lang>', 'language of the client module and the leak test')
        .choices(['ts', 'js'])
        .default('ts'),
    )
    .addOption(
      new Option(
        '--runner <runner>',
        "the test runner whose idiom the leak test follows (default: package.json's)",
      ).choices(RUNNERS),
    )
    .action(async (flags: InitFlags) => {
      process.exitCode = await initCommand(flags);
    });
}
