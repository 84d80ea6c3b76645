/**
 * `consul-kv-bench init`: scaffolds a user's repository: a client module to adapt, a budgets file, a leak test
 * for `node --test` and a GitHub workflow that runs the package's action (see `harness/init/templates.ts`). A file
 * that exists is kept unless `--force`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { usageError } from '../errors.ts';
import { budgetsTemplate, clientTemplate, INIT_FILES, leakTestTemplate, workflowTemplate } from '../init/templates.ts';
import { outputErrorsAs, userCwd } from './cli-options.ts';

/** Options of `init`. */
export interface InitFlags {
  /** The repository's root, relative to the current directory. Default `.`. */
  dir: string;
  /** Overwrite files that exist. Default `false`. */
  force?: boolean;
  /** Language of the client module and the leak test. Default `ts`. */
  language: 'ts' | 'js';
}

/** What {@link initRepository} did with each file. */
export interface InitOutcome {
  readonly written: string[];
  readonly kept: string[];
}

/**
 * Writes the scaffold into `root`.
 * @throws {BenchError} `USAGE` when `root` is not a directory.
 */
export async function initRepository(root: string, flags: Omit<InitFlags, 'dir'>): Promise<InitOutcome> {
  if (!existsSync(root)) throw usageError(`init --dir ${root}: no such directory; create it or pick another`);
  const typed = flags.language === 'ts';
  const client = typed ? INIT_FILES.client : INIT_FILES.clientJs;
  const files: Array<[string, string]> = [
    [client, clientTemplate(typed)],
    [INIT_FILES.budgets, budgetsTemplate()],
    [typed ? INIT_FILES.leakTest : INIT_FILES.leakTestJs, leakTestTemplate(typed)],
    [INIT_FILES.workflow, workflowTemplate(client)],
  ];
  const outcome: InitOutcome = { written: [], kept: [] };
  for (const [rel, content] of files) {
    const abs = path.join(root, rel);
    if (existsSync(abs) && !flags.force) {
      outcome.kept.push(rel);
      continue;
    }
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
    outcome.written.push(rel);
  }
  return outcome;
}

/** Runs `init`. @returns 0. */
export async function initCommand(flags: InitFlags): Promise<number> {
  const root = path.resolve(userCwd(), flags.dir);
  const { written, kept } = await initRepository(root, flags);
  const out: string[] = [];
  for (const f of written) out.push(`wrote ${f}`);
  for (const f of kept) out.push(`kept  ${f} (it exists; init --force overwrites it)`);
  const client = flags.language === 'ts' ? INIT_FILES.client : INIT_FILES.clientJs;
  out.push(
    '',
    'next:',
    `  1. adapt ${client} to call your client (it works as it is: fetch with keep-alive and a timeout)`,
    `  2. npx consul-kv-bench run light network-stall --quick --clients pooled --client ${client}`,
    `  3. npx consul-kv-bench gate --budgets ${INIT_FILES.budgets} reports/latest/report.json`,
    `  4. node --test ${flags.language === 'ts' ? INIT_FILES.leakTest : INIT_FILES.leakTestJs}   (the leak check)`,
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
      'scaffold your repository: a client module, a budgets file, a leak test and a GitHub workflow (existing files are kept)',
    )
    .option('--dir <path>', "your repository's root", '.')
    .option('--force', 'overwrite files that exist')
    .addOption(
      new Option('--language <lang>', 'language of the client module and the leak test')
        .choices(['ts', 'js'])
        .default('ts'),
    )
    .action(async (flags: InitFlags) => {
      process.exitCode = await initCommand(flags);
    });
}
