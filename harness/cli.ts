#!/usr/bin/env node
/**
 * `consul-kv-bench`: the command line. Parsing is commander's; every value is validated before anything
 * starts. Bad input prints one line naming the fix and exits 2; a failed run exits 1; SIGINT exits 130 and
 * SIGTERM 143 after stopping everything the run started and writing what it measured.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { Command, InvalidArgumentError, Option } from 'commander';
import { markdownTable } from 'markdown-table';
import { CLIENT_NAMES, CLIENTS } from '../clients/index.ts';
import { DEFAULT_SCENARIO } from '../scenarios/index.ts';
import { BenchRun } from './bench-run.ts';
import { compareReports, fmtChange, fmtMedian } from './compare/compare-reports.ts';
import { CONSUL_BACKENDS, type ConsulBackendChoice, startConsul } from './consul/consul-server.ts';
import { BenchError, usageError } from './errors.ts';
import { startToxiproxy } from './faults/toxiproxy-server.ts';
import { loadBudgets } from './gate/budgets.ts';
import { evaluateBudgets, mergeReports } from './gate/gate.ts';
import { gateHeadline, gateJunit, gateMarkdown, gateTable } from './gate/gate-output.ts';
import { Teardown } from './lifecycle.ts';
import { createServiceProfiler, PROFILE_KINDS, type ProfileKind } from './profile/service-profiler.ts';
import { attachProgress } from './progress.ts';
import { resolveChromium } from './provision/chromium.ts';
import { CONSUL_VERSION, resolveConsulBinary } from './provision/consul-binary.ts';
import { resolveToxiproxyBinary, TOXIPROXY_VERSION } from './provision/toxiproxy-binary.ts';
import { renderPublishedHtml, renderPublishedMarkdown } from './report/published-report.ts';
import { readReport } from './report/read-report.ts';
import { atomicWrite, rewriteRenderings, runDirName, writeReport } from './report/report-writer.ts';
import { renderTerminalTable } from './report/terminal-table.ts';
import { loadScenario, scenarioNames } from './scenario/load-scenario.ts';
import { applyOverrides, measuredSeconds, rowName, type Scenario } from './scenario/scenario-schema.ts';

/** Options of `run`, as commander parses them. */
interface RunFlags {
  clients?: string[];
  connections?: number;
  duration?: number;
  warmup?: number;
  quick?: boolean;
  consul: ConsulBackendChoice;
  out: string;
  client: string[];
  profile?: ProfileKind;
  consistency?: 'default' | 'stale' | 'consistent';
  rateLimit?: { qps: number; burst: number };
  repeat: number;
  verbose?: boolean;
}

/** The directory the user ran the command from (`npm run` changes to the package root and keeps it in INIT_CWD). */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/**
 * Checks `--client` paths: existing .ts/.js/.mjs files, named after their base name, which must not clash with a
 * registered client or another module.
 * @throws {BenchError} `USAGE` naming the fix.
 */
export function resolveCustomClients(paths: readonly string[], cwd: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    if (!/\.(ts|js|mjs)$/.test(abs))
      throw usageError(
        `--client ${p}: give a .ts, .js or .mjs file that exports a client factory (see clients/examples/)`,
      );
    if (!existsSync(abs)) throw usageError(`--client ${p}: no such file (${abs})`);
    const name = path.basename(abs).replace(/\.(ts|js|mjs)$/, '');
    if (Object.hasOwn(CLIENTS, name) || out.some((c) => c.name === name))
      throw usageError(`--client ${p}: the name ${name} is taken; rename the file`);
    out.push({ name, path: abs });
  }
  return out;
}

const positiveInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1 (got ${JSON.stringify(value)})`);
    return n;
  };
const seconds =
  (flag: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`${flag} takes a number of seconds ≥ ${min} (got ${JSON.stringify(value)})`);
    return n;
  };
const clientList = (value: string): string[] => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !/^[a-z0-9][a-z0-9-]*$/.test(n));
  if (names.length === 0 || bad !== undefined) {
    throw new InvalidArgumentError(
      `bad row name ${JSON.stringify(bad ?? value)}: use a comma-separated list of row names (a scenario's rows, or ${CLIENT_NAMES.join(', ')})`,
    );
  }
  return names;
};

/**
 * Parses `--rate-limit <qps>[:<burst>]` (client-go's QPS and Burst). Burst defaults to max(1, ceil(qps)).
 * @throws {InvalidArgumentError} naming the expected form.
 */
export const parseRateLimit = (value: string): { qps: number; burst: number } => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+)\s*)?$/.exec(value);
  const qps = m ? Number(m[1]) : NaN;
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(qps));
  if (!m || !(qps >= 0.1) || !(burst >= 1)) {
    throw new InvalidArgumentError(
      `--rate-limit takes <qps>[:<burst>] with qps ≥ 0.1 requests/s and burst ≥ 1, e.g. 500:50 (got ${JSON.stringify(value)})`,
    );
  }
  return { qps, burst };
};

const repeatCount = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100)
    throw new InvalidArgumentError(`--repeat takes a whole number from 1 to 100 (got ${JSON.stringify(value)})`);
  return n;
};

/** Runs the `run` command. @returns the exit code. */
async function runCommand(scenarioArgs: string[], flags: RunFlags, argv: string[]): Promise<number> {
  const names = scenarioArgs.length > 0 ? scenarioArgs : [DEFAULT_SCENARIO];
  const scenarios: Scenario[] = names.map((name) =>
    applyOverrides(loadScenario(name), {
      ...(flags.quick ? { quick: true } : {}),
      ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
      ...(flags.duration !== undefined ? { durationS: flags.duration } : {}),
      ...(flags.warmup !== undefined ? { warmupS: flags.warmup } : {}),
      ...(flags.clients ? { clients: flags.clients } : {}),
      ...(flags.consistency || flags.rateLimit
        ? {
            clientOptions: {
              ...(flags.consistency ? { consistency: flags.consistency } : {}),
              ...(flags.rateLimit ? { rateLimit: flags.rateLimit } : {}),
            },
          }
        : {}),
    }),
  );
  const restarts = scenarios.filter((s) => s.restart).map((s) => s.name);
  if (restarts.length > 0 && flags.consul === 'external') {
    throw usageError(
      `${restarts.join(', ')} stops and starts Consul, which the harness cannot do to an external one: drop --consul external (it then runs a Consul server of its own for that scenario)`,
    );
  }
  const cwd = userCwd();
  const outDir = path.resolve(cwd, flags.out);
  const customClients = resolveCustomClients(flags.client, cwd);
  const teardown = new Teardown();
  const abort = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`\n${sig} again: stopping now\n`);
      void teardown.runAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
      return;
    }
    signalled = sig;
    process.stderr.write(
      `\n${sig}: finishing the current phase, stopping everything and writing the report… (again to force)\n`,
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = (line: string): void => void process.stderr.write(line + '\n');
  let run: BenchRun | undefined;
  let written: Awaited<ReturnType<typeof writeReport>> | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const save = (): Promise<unknown> => {
    if (!run) return writing;
    const report = run.report;
    writing = writing.then(async () => (written = await writeReport(report, outDir)));
    return writing;
  };
  try {
    const createdAt = new Date().toISOString();
    // The first scenario's limit; a later scenario with another limit gets a Consul of its own (startScenarioConsul).
    const httpMaxConnsPerClient = scenarios[0]!.consul.httpMaxConnsPerClient;
    progress(`starting Consul (--consul ${flags.consul})…`);
    const consul = await startConsul({
      backend: flags.consul,
      httpMaxConnsPerClient,
      onProgress: progress,
      signal: abort.signal,
    });
    teardown.defer('consul', () => consul.stop());
    progress(`Consul ${consul.version} ready at ${consul.httpUrl} (${consul.backend})`);
    if (abort.signal.aborted) throw new BenchError('INTERRUPTED', `stopped by ${signalled}`);
    const runDirRelative = path.join('runs', runDirName(createdAt));
    run = new BenchRun({
      createdAt,
      consul,
      scenarios,
      command: ['consul-kv-bench', ...argv].join(' '),
      teardown,
      signal: abort.signal,
      customClients,
      repeat: flags.repeat,
      startToxiproxy: () => startToxiproxy({ onProgress: progress, signal: abort.signal }),
      startScenarioConsul: (s) =>
        startConsul({
          backend: consul.backend === 'container' ? 'container' : 'local',
          httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
          onProgress: progress,
          signal: abort.signal,
        }),
      startRestartableConsul: (s) =>
        startConsul({
          backend: 'local',
          persistent: true,
          httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
          onProgress: progress,
          signal: abort.signal,
        }),
      ...(flags.profile ? { profiler: createServiceProfiler(flags.profile, outDir, runDirRelative) } : {}),
    });
    attachProgress(run);
    run.on('report', () => void save());
    await run.run();
    await save();
    for (const s of run.report.scenarios) process.stdout.write(renderTerminalTable(s) + '\n');
    if (written) process.stdout.write(reportPaths(written));
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    return run.report.failures.length > 0 ? 1 : 0;
  } catch (err) {
    if (run) {
      run.report.status = signalled ? 'interrupted' : 'failed';
      run.report.finishedAt = new Date().toISOString();
      await save().catch(() => {});
      if (written) process.stderr.write(`results measured so far: ${written.json}\n`);
    }
    if (signalled && !(err instanceof BenchError && err.isUsage)) return signalled === 'SIGINT' ? 130 : 143;
    throw err;
  } finally {
    const errors = await teardown.runAll();
    for (const e of errors) process.stderr.write(`warning: ${e.message}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The closing lines of a run: where the reports are, the HTML one as a file:// URL to open in a browser. */
function reportPaths(written: { json: string; markdown: string; html: string }): string {
  return [
    `report: ${written.markdown}`,
    `        ${written.json}`,
    `HTML report (charts; open in a browser): ${pathToFileURL(path.resolve(written.html)).href}`,
    '',
  ].join('\n');
}

/** Builds the command tree. Exported for tests of parsing. */
export function buildProgram(): Command {
  const program = new Command('consul-kv-bench')
    .description('Benchmark and diagnose Consul KV clients on Node.js against a real Consul')
    .option('--verbose', "print stack traces and logs (e.g. the tail of Consul's log) with errors")
    .configureOutput({
      outputError: (str, write) => write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see --help)\n`),
    });
  program.exitOverride();

  program
    .command('run')
    .configureOutput({
      outputError: (str, write) =>
        write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see run --help)\n`),
    })
    .description(
      `measure every client in the given scenarios (default: ${DEFAULT_SCENARIO}) and write report.json, report.md and report.html (charts)`,
    )
    .argument('[scenario...]', `scenarios to run: ${scenarioNames().join(', ')}`)
    .option(
      '--clients <list>',
      `comma-separated rows to run (default: the scenario's): its row names (see list), or any of ${CLIENT_NAMES.join(', ')}`,
      clientList,
    )
    .option('--connections <n>', "load generator connections (default: the scenario's)", positiveInt('--connections'))
    .option('--duration <s>', "measured seconds per row (default: the scenario's)", seconds('--duration', 1))
    .option('--warmup <s>', "warm-up seconds per row, discarded (default: the scenario's)", seconds('--warmup', 0))
    .option('--quick', "short phases from the scenario's quick block (for tests and pull requests)")
    .option(
      '--repeat <n>',
      'runs per row, interleaved (A B C A B C …); every run is kept in report.json for compare and gate (≥ 6 for a significance test)',
      repeatCount,
      1,
    )
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from: auto = container if a runtime answers, else local')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .option(
      '--client <path>',
      'also run your own client: a .ts/.js module exporting a factory (repeatable; see clients/examples/)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--out <dir>', 'output directory (a timestamped copy goes to <dir>/runs/)', 'reports/latest')
    .addOption(
      new Option(
        '--consistency <mode>',
        'read consistency of every row that reads Consul: default, stale (any server answers) or consistent (leader checks with a quorum first)',
      ).choices(['default', 'stale', 'consistent']),
    )
    .option(
      '--rate-limit <qps[:burst]>',
      "client-side token bucket on the direct-read clients, as client-go's QPS/Burst (e.g. 500:50; burst defaults to the qps)",
      parseRateLimit,
    )
    .addOption(
      new Option(
        '--profile <kind>',
        "profile the service of every row: flame = 0x flamegraph, cpu = .cpuprofile (artifacts in the run's folder, linked from report.md)",
      ).choices(PROFILE_KINDS),
    )
    .action(async (scenarios: string[], flags: RunFlags) => {
      process.exitCode = await runCommand(scenarios, flags, process.argv.slice(2));
    });

  program
    .command('report')
    .description(
      'render report.md and report.html again from raw results, without re-running (written beside each report.json)',
    )
    .argument('<report...>', 'report.json files')
    .action(async (files: string[]) => {
      const cwd = userCwd();
      for (const f of files) {
        const abs = path.resolve(cwd, f);
        const report = await readReport(f, abs);
        const out = await rewriteRenderings(report, abs);
        process.stdout.write(`report: ${out.markdown}\n        ${out.html}\n`);
      }
    });

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
    .action(
      async (flags: { from?: string[]; readme: string; out: string; quick?: boolean; consul: ConsulBackendChoice }) => {
        const cwd = userCwd();
        const readme = path.resolve(cwd, flags.readme);
        if (!readme.endsWith('.md'))
          throw usageError(`--readme ${flags.readme}: give a .md file (the HTML is written beside it as .html)`);
        let files = flags.from ?? [];
        if (files.length === 0) {
          const code = await runCommand(
            scenarioNames(),
            { consul: flags.consul, out: flags.out, client: [], repeat: 1, ...(flags.quick ? { quick: true } : {}) },
            process.argv.slice(2),
          );
          if (code === 130 || code === 143) {
            process.exitCode = code;
            return;
          }
          process.exitCode = code;
          files = [path.join(flags.out, 'report.json')];
        }
        const reports = await Promise.all(files.map((f) => readReport(f, path.resolve(cwd, f))));
        const publish = {
          report: mergeReports(reports),
          sources: reports.map((r, i) => ({
            link: path.relative(path.dirname(readme), path.resolve(cwd, files[i]!)),
            path: files[i]!,
            createdAt: r.createdAt,
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
      },
    );

  program
    .command('compare')
    .description(
      'compare two report.json files: medians with confidence intervals, change, and significance (Mann–Whitney U; ~ when not significant)',
    )
    .argument(
      '<base>',
      'report.json of the baseline (e.g. the main branch); several, comma-separated, are taken together run by run',
    )
    .argument('<head>', 'report.json of the change; several, comma-separated, are taken together')
    .option('--markdown', 'print a markdown table (for a pull-request comment) instead of the terminal table')
    .action(async (baseFile: string, headFile: string, flags: { markdown?: boolean }) => {
      const cwd = userCwd();
      const read = async (list: string) =>
        mergeReports(
          await Promise.all(
            list
              .split(',')
              .filter(Boolean)
              .map((f) => readReport(f, path.resolve(cwd, f))),
          ),
        );
      const base = await read(baseFile);
      const head = await read(headFile);
      const rows = compareReports(base, head);
      if (rows.length === 0)
        throw usageError(
          `${baseFile} and ${headFile} share no scenario and row: compare reports of the same scenarios`,
        );
      const cells = rows.map((c) => [
        c.scenario,
        c.row,
        `${c.metric} (${c.unit})`,
        fmtMedian(c.base),
        fmtMedian(c.head),
        fmtChange(c),
      ]);
      const headRow = ['scenario', 'row', 'metric', 'base median', 'head median', 'change'];
      if (flags.markdown) process.stdout.write(markdownTable([headRow, ...cells]) + '\n');
      else {
        const table = new Table({ head: headRow, style: { head: [], border: [] } });
        for (const c of cells) table.push(c);
        process.stdout.write(table.toString() + '\n');
      }
      process.stdout.write(
        `medians ± the larger half-width of their 95% confidence interval; change: two-sided Mann–Whitney U at α = 0.05, ~ = no significant difference\n`,
      );
    });

  program
    .command('gate')
    .description(
      'check a report against latency budgets (k6-style thresholds, relative budgets); exit 0 all hold, 1 a budget failed, 2 bad input',
    )
    .requiredOption('--budgets <file>', 'budgets file, YAML or JSON (see examples/budgets.yml)')
    .argument('<report...>', 'report.json files of the run to gate (their scenarios are taken together)')
    .option(
      '--baseline <report>',
      'report.json of the baseline measured on the same runner (repeatable): a violated budget then fails only on a significant regression larger than minEffect',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--junit <file>', 'also write JUnit XML, one test case per budget')
    .action(async (reportFiles: string[], flags: { budgets: string; baseline: string[]; junit?: string }) => {
      const cwd = userCwd();
      const budgets = await loadBudgets(flags.budgets, path.resolve(cwd, flags.budgets));
      const head = mergeReports(await Promise.all(reportFiles.map((f) => readReport(f, path.resolve(cwd, f)))));
      const baseline = flags.baseline.length
        ? mergeReports(await Promise.all(flags.baseline.map((f) => readReport(f, path.resolve(cwd, f)))))
        : undefined;
      const results = evaluateBudgets(budgets, head, baseline);
      const context = `Budgets ${flags.budgets} on ${reportFiles.join(', ')}${baseline ? ` against the baseline ${flags.baseline.join(', ')} (alpha ${budgets.alpha}, minEffect ${(budgets.minEffect * 100).toFixed(0)}%)` : ''}; measured ${head.createdAt} on ${head.environment.cpuModel} (${head.environment.cpuCount} CPUs), Node ${head.environment.node}, Consul ${head.environment.consul.version}.`;
      process.stdout.write(`${gateTable(results)}\n${gateHeadline(results)}\n`);
      if (process.env.GITHUB_STEP_SUMMARY)
        await appendFile(process.env.GITHUB_STEP_SUMMARY, gateMarkdown(results, context) + '\n');
      if (flags.junit) {
        const out = path.resolve(cwd, flags.junit);
        await mkdir(path.dirname(out), { recursive: true });
        await writeFile(out, gateJunit(results));
        process.stdout.write(`JUnit XML: ${out}\n`);
      }
      process.exitCode = results.every((r) => r.pass) ? 0 : 1;
    });

  program
    .command('list')
    .description('list scenarios and clients')
    .action(() => {
      const out: string[] = ['scenarios:'];
      for (const name of scenarioNames()) {
        const s = loadScenario(name);
        out.push(
          `  ${name.padEnd(20)} ${s.description} (${s.load.connections} connections, ${measuredSeconds(s)} s per row)${name === DEFAULT_SCENARIO ? ' [default]' : ''}`,
        );
        const variants = s.clients.filter((r) => typeof r !== 'string');
        if (variants.length > 0)
          out.push(`  ${''.padEnd(20)} variant rows: ${variants.map((r) => rowName(r)).join(', ')}`);
      }
      out.push('clients:');
      for (const name of CLIENT_NAMES)
        out.push(
          `  ${name.padEnd(20)} ${CLIENTS[name].kind === 'baseline' ? '(baseline) ' : ''}${CLIENTS[name].description}`,
        );
      process.stdout.write(out.join('\n') + '\n');
    });

  program
    .command('provision')
    .description(
      `find or build the consul (v${CONSUL_VERSION}) and toxiproxy-server (v${TOXIPROXY_VERSION}) binaries, and print where they are`,
    )
    .option(
      '--browser',
      "also find Chromium for the test suite's browser check of report.html, installing Debian's chromium package with apt-get where it is missing (root or passwordless sudo)",
    )
    .action(async (flags: { browser?: boolean }) => {
      const onProgress = (l: string): void => void process.stderr.write(l + '\n');
      const consul = await resolveConsulBinary({ onProgress });
      process.stdout.write(`consul ${consul.version} (${consul.source}): ${consul.path}\n`);
      const toxiproxy = await resolveToxiproxyBinary({ onProgress });
      process.stdout.write(`toxiproxy-server ${toxiproxy.version} (${toxiproxy.source}): ${toxiproxy.path}\n`);
      if (flags.browser) {
        const chromium = await resolveChromium({ install: true, onProgress });
        process.stdout.write(`${chromium.version} (${chromium.source}): ${chromium.path}\n`);
      }
    });
  return program;
}

/** Entry point: parses argv, maps errors to one line and an exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const verbose = argv.includes('--verbose');
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander already printed its message (help, version, or a parse error).
      process.exitCode =
        e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
      return;
    }
    if (err instanceof BenchError) {
      process.stderr.write(`consul-kv-bench: ${err.message}\n`);
      if (verbose) {
        if (err.details) process.stderr.write(err.details + '\n');
        process.stderr.write((err.stack ?? '') + '\n');
      }
      process.exitCode = err.isUsage ? 2 : 1;
      return;
    }
    process.stderr.write(
      `consul-kv-bench: ${(err as Error)?.message ?? String(err)} (run again with --verbose for details)\n`,
    );
    if (verbose) process.stderr.write(((err as Error)?.stack ?? '') + '\n');
    process.exitCode = 1;
  }
}

if (import.meta.main) await main();
