/**
 * The command line's side of option values: the shared parsers (`harness/session/option-values.ts`) wrapped for
 * commander, so a bad value exits 2 before anything starts with one line naming the option, the allowed range and
 * what it got; and the run options' table (`harness/session/run-options.ts`) turned into flags.
 *
 * @module
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXPORT_FORMATS } from '../report/export-formats.ts';
import * as values from '../session/option-values.ts';
import { RUN_OPTIONS, type RunOptionDef, type RunOptionName } from '../session/run-options.ts';

export { resolveCustomClients, userCwd } from '../session/paths.ts';

/** A shared parser as commander takes it: its `USAGE` error becomes commander's invalid-argument error. */
export function cliParser<T>(parse: values.ValueParser<T>): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** A parser of a whole number ≥ 1 for `flag`. */
export const positiveInt = (flag: string) => cliParser(values.positiveInt(flag));
/** A parser of a number of seconds ≥ `min` for `flag`. */
export const seconds = (flag: string, min: number) => cliParser(values.seconds(flag, min));
/** A parser of a round-trip time in whole ms for `flag`. */
export const rttMs = (flag: string) => cliParser(values.rttMs(flag));
/** A parser of an arrival rate, req/s, for `flag`. */
export const arrivalRate = (flag: string) => cliParser(values.arrivalRate(flag));
/** A parser of a share (`5%`, `0.05`) for `flag`. */
export const share = (flag: string) => cliParser(values.share(flag));
/** Parses `--clients a,b,c`. */
export const clientList = cliParser(values.clientList);
/** Parses `--rate-limit <qps>[:<burst>]`. */
export const parseRateLimit = cliParser(values.parseRateLimit);
/** Parses `--repeat <n>`. */
export const repeatCount = cliParser(values.repeatCount);

/**
 * Adds run options to a command, as the table declares them (flags, help, parser, choices, default).
 * @param names which options; default all of them.
 */
export function addRunOptions(command: Command, names?: readonly RunOptionName[]): Command {
  for (const name of names ?? (Object.keys(RUN_OPTIONS) as RunOptionName[])) {
    const d = RUN_OPTIONS[name] as RunOptionDef<unknown>;
    const option = new Option(d.flags, d.description);
    // commander derives the attribute from the flag (`--client` → client); the table's name is the library's
    option.attributeName = () => name;
    if (d.choices) option.choices(d.choices);
    else if (d.parse) {
      const parse = cliParser(d.parse);
      option.argParser(
        d.repeatable
          ? (v: string, prev: unknown) => [...((prev as unknown[] | undefined) ?? []), ...(parse(v) as unknown[])]
          : parse,
      );
    }
    if (d.cliDefault !== undefined) option.default(d.cliDefault);
    command.addOption(option);
  }
  return command;
}

/**
 * The options that put a machine-readable form on stdout (`run`, `compare`); with either, the human tables and
 * lines go to stderr, so `… --json > summary.json` and `… --export bmf > results.json` work.
 */
export const machineOptions = {
  /** `--json`: a summary on stdout. */
  json: (): Option =>
    new Option('--json', 'print a JSON summary on stdout (the tables go to stderr)').conflicts('export'),
  /** `--export <format>`: the figures in another tool's format on stdout. */
  export: (): Option =>
    new Option(
      '--export <format>',
      "print the figures on stdout for other tools: csv, bmf (Bencher Metric Format) or gab (github-action-benchmark's customSmallerIsBetter); the tables go to stderr",
    ).choices(EXPORT_FORMATS),
};

/** Reports a subcommand's parse errors as `consul-kv-bench: <message> (see <command> --help)`. */
export function outputErrorsAs(command: string) {
  return {
    outputError: (str: string, write: (s: string) => void) =>
      write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see ${command} --help)\n`),
  };
}
