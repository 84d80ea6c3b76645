/**
 * Parsers of option values that the command line and the library share: each takes the value as text and returns
 * it typed, or throws a `USAGE` {@link BenchError} with one line naming the option, the allowed range and what it
 * got. The command line wraps them for commander (`harness/commands/cli-options.ts`); the library checks a typed
 * value by parsing its text form, so a range is declared once. Loads no CLI code.
 *
 * @module
 */
import ms from 'ms';
import { CLIENT_NAMES } from '../../clients/index.ts';
import { usageError } from '../errors.ts';
import { RATE_RANGE, RTT_RANGE_MS } from '../scenario/scenario-schema.ts';

/** A parser of one option's text. @throws {BenchError} `USAGE`. */
export type ValueParser<T> = (text: string) => T;

/** A whole number ≥ 1 for `flag`. */
export const positiveInt =
  (flag: string): ValueParser<number> =>
  (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw usageError(`${flag} takes a whole number ≥ 1 (got ${JSON.stringify(value)})`);
    }
    return n;
  };

/**
 * A duration for `flag`, returned in seconds ≥ `min`: a bare number is seconds (`10`, `2.5`); with a unit it is
 * read by the `ms` package (`500ms`, `10s`, `2m`, `1h`), as budgets and k6 write durations.
 */
export const seconds =
  (flag: string, min: number): ValueParser<number> =>
  (value) => {
    const text = value.trim();
    const bare = /^\d+(?:\.\d+)?$/.test(text);
    const s = bare ? Number(text) : /^\d+(?:\.\d+)?\s*[a-zµ]+$/i.test(text) ? ms(text as ms.StringValue) / 1000 : NaN;
    if (text === '' || !Number.isFinite(s) || s < min) {
      throw usageError(
        `${flag} takes a duration ≥ ${min} s, in seconds or with a unit: 30, 30s, 500ms, 2m (got ${JSON.stringify(value)})`,
      );
    }
    return s;
  };

/** A round-trip time for `flag` (`--rtt`): whole ms in {@link RTT_RANGE_MS} (Toxiproxy's latency is whole ms). */
export const rttMs =
  (flag: string): ValueParser<number> =>
  (value) => {
    const n = Number(value);
    const [lo, hi] = RTT_RANGE_MS;
    if (!/^\d+$/.test(value.trim()) || n < lo || n > hi) {
      throw usageError(`${flag} takes a round-trip time in whole ms, ${lo}–${hi} (got ${JSON.stringify(value)})`);
    }
    return n;
  };

/** An arrival rate for `flag` (`--rate`, `--start-rate`, …): req/s in {@link RATE_RANGE}. */
export const arrivalRate =
  (flag: string): ValueParser<number> =>
  (value) => {
    const n = Number(value);
    const [lo, hi] = RATE_RANGE;
    if (value.trim() === '' || !Number.isFinite(n) || n < lo || n > hi) {
      throw usageError(
        `${flag} takes an arrival rate in requests per second, ${lo}–${hi} (got ${JSON.stringify(value)})`,
      );
    }
    return n;
  };

/** `--clients a,b,c`: row names (lowercase letters, digits, dashes). */
export const clientList: ValueParser<string[]> = (value) => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !/^[a-z0-9][a-z0-9-]*$/.test(n));
  if (names.length === 0 || bad !== undefined) {
    throw usageError(
      `bad row name ${JSON.stringify(bad ?? value)}: use a comma-separated list of row names (a scenario's rows, or ${CLIENT_NAMES.join(', ')})`,
    );
  }
  return names;
};

/** A client-side token bucket (client-go's QPS and Burst). */
export interface RateLimit {
  /** Requests per second, ≥ 0.1. */
  readonly qps: number;
  /** Bucket size, ≥ 1. */
  readonly burst: number;
}

/** `--rate-limit <qps>[:<burst>]`. Burst defaults to max(1, ceil(qps)). */
export const parseRateLimit: ValueParser<RateLimit> = (value) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+)\s*)?$/.exec(value);
  const qps = m ? Number(m[1]) : NaN;
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(qps));
  if (!m || !(qps >= 0.1) || !(burst >= 1)) {
    throw usageError(
      `--rate-limit takes <qps>[:<burst>] with qps ≥ 0.1 requests/s and burst ≥ 1, e.g. 500:50 (got ${JSON.stringify(value)})`,
    );
  }
  return { qps, burst };
};

/** `--repeat <n>`: a whole number from 1 to 100. */
export const repeatCount: ValueParser<number> = (value) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) {
    throw usageError(`--repeat takes a whole number from 1 to 100 (got ${JSON.stringify(value)})`);
  }
  return n;
};

/** A share for `flag`: `5%` or `0.05`, from 0 to 10 (1000%). */
export const share =
  (flag: string): ValueParser<number> =>
  (value) => {
    const text = value.trim();
    const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(text);
    const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!(n >= 0 && n <= 10)) {
      throw usageError(`${flag} takes a share, as 5% or 0.05 (got ${JSON.stringify(value)})`);
    }
    return n;
  };

/** One of `choices` for `flag`. */
export const oneOf =
  <T extends string>(flag: string, choices: readonly T[]): ValueParser<T> =>
  (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw usageError(`${flag} takes one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
    }
    return value as T;
  };
