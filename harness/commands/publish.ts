/**
 * `consul-kv-bench publish` (`npm run report:all`): the comparison report to commit. Runs every scenario (or takes
 * `--from` raw results) and writes `reports/README.md` and `README.html` with the Go articles' figures beside ours,
 * and the articles reproduced on this machine (the Go rows run in `articles`, `articles-tls` and `network-stall`).
 *
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { GO_CLIENT_NAMES } from '../../clients/index.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { usageError } from '../errors.ts';
import { renderPublishedHtml, renderPublishedMarkdown } from '../report/published-report.ts';
import { readReport } from '../report/read-report.ts';
import { atomicWrite } from '../report/report-writer.ts';
import { mergeReports } from '../results/merge.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { applyOverrides } from '../scenario/scenario-overrides.ts';
import { rowName, type Scenario } from '../scenario/scenario-schema.ts';
import { userCwd } from './cli-options.ts';
import { measureScenarios } from './run.ts';

/** Scenarios whose published rows add the Go rows (the articles reproduced in their own client). */
export const GO_ROW_SCENARIOS: Readonly<Record<string, readonly string[]>> = {
  articles: GO_CLIENT_NAMES,
  'articles-tls': GO_CLIENT_NAMES,
  'network-stall': ['go-leaky', 'go-default', 'go-watch'],
};

/**
 * Every scenario as `publish` runs it: the scenario's own rows, plus the Go rows in {@link GO_ROW_SCENARIOS}.
 * @throws {BenchError} as `applyOverrides`.
 */
export function publishScenarios(quick: boolean): Scenario[] {
  return scenarioNames().map((name) => {
    const s = loadScenario(name);
    const extra = GO_ROW_SCENARIOS[name] ?? [];
    return applyOverrides(s, {
      ...(quick ? { quick: true } : {}),
      ...(extra.length ? { clients: [...s.clients.map(rowName), ...extra] } : {}),
    });
  });
}

/** Options of `publish`. */
export interface PublishFlags {
  /** report.json files to render instead of running. */
  from?: string[];
  /** Markdown file to write (`.md`); the HTML goes beside it. Default `reports/README.md`. */
  readme: string;
  /** Output directory of the run. Default `reports/all`. */
  out: string;
  quick?: boolean;
  consul: ConsulBackendChoice;
}

/**
 * Runs `publish`.
 * @returns the run's exit code (0 when rendering from `--from`); 130/143 when interrupted, without rendering.
 * @throws {BenchError} `USAGE` for a `--readme` that is not `.md` (checked before the run) or an unreadable report.
 */
export async function publishCommand(flags: PublishFlags): Promise<number> {
  const cwd = userCwd();
  const readme = path.resolve(cwd, flags.readme);
  if (!readme.endsWith('.md')) {
    throw usageError(`--readme ${flags.readme}: give a .md file (the HTML is written beside it as .html)`);
  }
  let files = flags.from ?? [];
  let code = 0;
  if (files.length === 0) {
    const runFlags = { consul: flags.consul, out: flags.out, clientModules: [], repeat: 1 };
    code = await measureScenarios(publishScenarios(flags.quick ?? false), runFlags, process.argv.slice(2));
    if (code === 130 || code === 143) return code;
    files = [path.join(flags.out, 'report.json')];
  }
  const reports = await Promise.all(files.map((f) => readReport(f, path.resolve(cwd, f))));
  const publish = {
    report: mergeReports(reports),
    sources: reports.map((r, i) => ({
      link: path.relative(path.dirname(readme), path.resolve(cwd, files[i]!)),
      path: files[i]!,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      command: r.command,
      status: r.status,
    })),
    regenerate: 'npm run report:all',
  };
  const html = readme.replace(/\.md$/, '.html');
  await atomicWrite(readme, renderPublishedMarkdown(publish, path.basename(html)));
  await atomicWrite(html, renderPublishedHtml(publish));
  process.stdout.write(
    `comparison report: ${readme}\nHTML report (charts; open in a browser): ${pathToFileURL(html).href}\n`,
  );
  return code;
}

/** Adds `publish` to the program. */
export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description(
      'the comparison report to commit: run every scenario (or take --from raw results) and write reports/README.md and README.html beside it',
    )
    .option(
      '--from <report...>',
      'render from these report.json files instead of running (several are taken together, scenario by scenario)',
    )
    .option('--readme <file>', 'markdown file to write; the HTML goes beside it with .html', 'reports/README.md')
    .option('--out <dir>', 'output directory of the run (raw results: <dir>/report.json)', 'reports/all')
    .option('--quick', "short phases from each scenario's quick block (a try-out, not a report to commit)")
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from (see run --help)')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .action(async (flags: PublishFlags) => {
      process.exitCode = await publishCommand(flags);
    });
}
