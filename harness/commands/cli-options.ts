/**
 * Parsers and checks of command-line values that several commands share. Each throws commander's
 * `InvalidArgumentError` (or a `USAGE` `BenchError`) with one line naming the option, the allowed range and what
 * it got, so the CLI exits 2 before anything starts.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { CLIENT_NAMES, CLIENTS } from '../../clients/index.ts';
import { usageError } from '../errors.ts';
import type { CustomClient } from '../run/row-specs.ts';

/** The directory the user ran the command from (`npm run` changes to the package root and keeps it in INIT_CWD). */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/**
 * Checks `--client` paths: existing .ts/.js/.mjs files, named after their base name, which must not clash with a
 * registered client or another module.
 * @throws {BenchError} `USAGE` naming the fix.
 */
export function resolveCustomClients(paths: readonly string[], cwd: string): CustomClient[] {
  const out: CustomClient[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    if (!/\.(ts|js|mjs)$/.test(abs)) {
      throw usageError(
        `--client ${p}: give a .ts, .js or .mjs file that exports a client factory (see clients/examples/)`,
      );
    }
    if (!existsSync(abs)) throw usageError(`--client ${p}: no such file (${abs})`);
    const name = path.basename(abs).replace(/\.(ts|js|mjs)$/, '');
    if (Object.hasOwn(CLIENTS, name) || out.some((c) => c.name === name)) {
      throw usageError(`--client ${p}: the name ${name} is taken; rename the file`);
    }
    out.push({ name, path: abs });
  }
  return out;
}

/** A parser of a whole number ≥ 1 for `flag`. */
export const positiveInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1 (got ${JSON.stringify(value)})`);
    }
    return n;
  };

/** A parser of a number of seconds ≥ `min` for `flag`. */
export const seconds =
  (flag: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new InvalidArgumentError(`${flag} takes a number of seconds ≥ ${min} (got ${JSON.stringify(value)})`);
    }
    return n;
  };

/** A parser of a round-trip time for `flag` (`--rtt`): whole ms, 0–10 000 (Toxiproxy's latency is whole ms). */
export const rttMs =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n > 10_000) {
      throw new InvalidArgumentError(
        `${flag} takes a round-trip time in whole ms, 0–10000 (got ${JSON.stringify(value)})`,
      );
    }
    return n;
  };

/** A parser of an arrival rate for `flag` (`--rate`, `--start-rate`, …): req/s, 0.1–1 000 000. */
export const arrivalRate =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0.1 || n > 1_000_000) {
      throw new InvalidArgumentError(
        `${flag} takes an arrival rate in requests per second, 0.1–1000000 (got ${JSON.stringify(value)})`,
      );
    }
    return n;
  };

/** Parses `--clients a,b,c`: row names (lowercase letters, digits, dashes). */
export const clientList = (value: string): string[] => {
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

/** Parses `--repeat <n>`: a whole number from 1 to 100. */
export const repeatCount = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) {
    throw new InvalidArgumentError(`--repeat takes a whole number from 1 to 100 (got ${JSON.stringify(value)})`);
  }
  return n;
};

/** Reports a subcommand's parse errors as `consul-kv-bench: <message> (see <command> --help)`. */
export function outputErrorsAs(command: string) {
  return {
    outputError: (str: string, write: (s: string) => void) =>
      write(`consul-kv-bench: ${str.replace(/^error: /, '').trimEnd()} (see ${command} --help)\n`),
  };
}
