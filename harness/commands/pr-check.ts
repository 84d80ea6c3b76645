/**
 * `consul-kv-bench pr-check --base <dir> --head <dir>`: the GitHub Action's steps as one command (see
 * `harness/pr-check/pr-check.ts`): base and head measured in alternating rounds, compared, the head gated on the
 * budgets. Exit 0 every budget holds, 1 a budget failed, 2 bad input.
 *
 * @module
 */
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CONSUL_BACKENDS, type ConsulBackendChoice } from '../consul/consul-types.ts';
import { gateTable } from '../gate/gate-output.ts';
import { prCheck } from '../pr-check/pr-check.ts';
import { seconds } from '../session/option-values.ts';
import { clientList, outputErrorsAs, positiveInt, userCwd } from './cli-options.ts';

/** A scenario list: names of `list`. */
const scenarioList = (value: string): string[] => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('give a comma-separated list of scenarios (see list)');
  return names;
};

/**
 * Runs `body` with an AbortSignal the first SIGINT/SIGTERM aborts (the run stops after its phase and stops what it
 * started); a second signal exits at once (the reaper stops the children).
 * @returns `body`'s code, or 130/143 when a signal stopped it.
 */
async function withSignals(body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const abort = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalled = sig;
    process.stderr.write(`\n${sig}: finishing the current phase and stopping… (again to force)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await body(abort.signal);
    return signalled ? (signalled === 'SIGINT' ? 130 : 143) : code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Options of `pr-check`, as commander parses them. */
export interface PrCheckFlags {
  base?: string;
  head: string;
  client: string;
  budgets: string;
  scenarios: string[];
  reference: string[];
  rounds: number;
  repeat: number;
  duration?: number;
  warmup?: number;
  consul: ConsulBackendChoice;
  out: string;
  summary?: string;
  comment?: string;
  junit?: string;
  history?: string;
  record?: boolean;
  historyFail?: boolean;
}

/** Runs `pr-check`. @returns 0 pass, 1 a budget failed, 130/143 interrupted. */
export async function prCheckCommand(flags: PrCheckFlags): Promise<number> {
  const cwd = userCwd();
  const out = path.resolve(cwd, flags.out);
  return withSignals(async (signal) => {
    const result = await prCheck({
      baseDir: flags.base === undefined ? undefined : path.resolve(cwd, flags.base),
      historyFile: flags.history === undefined ? undefined : path.resolve(cwd, flags.history),
      record: flags.record,
      historyFail: flags.historyFail,
      headDir: path.resolve(cwd, flags.head),
      client: flags.client,
      budgets: flags.budgets,
      scenarios: flags.scenarios,
      referenceRows: flags.reference,
      rounds: flags.rounds,
      repeat: flags.repeat,
      durationS: flags.duration,
      warmupS: flags.warmup,
      consul: flags.consul,
      out,
      summaryFile: flags.summary ?? (process.env.GITHUB_STEP_SUMMARY || undefined),
      commentFile: path.resolve(cwd, flags.comment ?? path.join(flags.out, 'comment.md')),
      junitFile: path.resolve(cwd, flags.junit ?? path.join(flags.out, 'junit.xml')),
      onProgress: (line) => void process.stderr.write(`${line}\n`),
      signal,
    });
    process.stdout.write(`${gateTable(result.results)}\n`);
    process.stdout.write(
      `${result.pass ? 'pass' : 'FAIL'}: reports in ${out} (head/, base/), JUnit ${path.join(flags.out, 'junit.xml')}, comment body ${flags.comment ?? path.join(flags.out, 'comment.md')}; ${(result.wallMs / 1000).toFixed(0)} s\n`,
    );
    return result.pass ? 0 : 1;
  });
}

/** Adds `pr-check` to the program. */
export function registerPrCheck(program: Command): void {
  program
    .command('pr-check')
    .configureOutput(outputErrorsAs('pr-check'))
    .description(
      "the GitHub Action's steps: measure your client on the base and head checkouts in alternating rounds, compare, gate the head (exit 1 when a budget fails)",
    )
    .option(
      '--base <dir>',
      'checkout of the base branch (absent: the head alone is measured, e.g. on the default branch)',
    )
    .requiredOption('--head <dir>', 'checkout of the pull request')
    .option('--client <path>', 'your client module, relative to each checkout', 'consul-kv-bench/consul-kv-client.ts')
    .option('--budgets <path>', 'budgets file, relative to the head checkout', 'consul-kv-bench/budgets.yml')
    .option('--scenarios <list>', 'scenarios to measure (fault and restart ones once a side)', scenarioList, [
      'light',
      'network-stall',
    ])
    .option('--reference <list>', 'registered clients measured beside yours', clientList, ['pooled'])
    .option('--rounds <n>', 'alternating rounds of base and head (1–10)', positiveInt('--rounds'), 3)
    .option('--repeat <n>', 'interleaved runs per row in each round (1–20)', positiveInt('--repeat'), 2)
    .option(
      '--duration <duration>',
      "measured time per row (2, 2s, 1m) of the steady scenarios (default: each scenario's quick block; light: 2)",
      seconds('--duration', 1),
    )
    .option(
      '--warmup <duration>',
      "warm-up time per row (1, 1s, 500ms) of the steady scenarios, discarded (default: the scenario's quick block; light: 1)",
      seconds('--warmup', 0),
    )
    .addOption(
      new Option('--consul <backend>', 'where Consul comes from, as run takes it (the action passes local)')
        .choices(CONSUL_BACKENDS)
        .default('auto'),
    )
    .option('--out <dir>', 'output directory', 'consul-kv-bench-out')
    .option('--summary <file>', 'markdown summary to append to (default: $GITHUB_STEP_SUMMARY when set)')
    .option(
      '--comment <file>',
      'where the pull-request comment body goes, its status first, pass or fail (default: <out>/comment.md)',
    )
    .option('--junit <file>', 'JUnit XML (default: <out>/junit.xml)')
    .option(
      '--history <file.jsonl>',
      'judge the head against the rolling median of the runs recorded here (see gate --history)',
    )
    .option('--record', 'append this run to --history (on the default branch)')
    .option(
      '--history-fail',
      "a regression against --history fails the check when the history checks' false-alarm rate is within alpha (default: reported only)",
    )
    .action(async (flags: PrCheckFlags) => {
      process.exitCode = await prCheckCommand(flags);
    });
}
