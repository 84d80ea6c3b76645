/**
 * The load generators' own ceiling (`consul-kv-bench ceiling`): how fast the harness's closed-model generator
 * drives a row's target beside wrk, a C generator, on the same target, connections and paths. Per row, the two
 * take turns, round by round, their order swapped each round so drift on a shared machine falls on both;
 * the figure is each round's ratio (same target, seconds apart), never one tool's absolute RPS. Where the ratio is
 * well under 1 the row's RPS is the generator's, not the client's. Open model: the open generator is ramped ×1.5
 * on the `no-consul` service from `openStartRate` until it misses its schedule twice in a row; the highest rate it
 * kept is its ceiling here.
 *
 * Measures and emits; prints nothing. Every load is bounded in time, and loopback only.
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { median } from 'simple-statistics';
import { BenchError } from '../errors.ts';
import type { LatencyHistogram } from '../load/latency-histogram.ts';
import { runLoad } from '../load/load-runner.ts';
import { runOpenLoad } from '../load/open-load.ts';
import { assertLoopback } from '../loopback.ts';
import { reapOnHarnessDeath } from '../reaper.ts';

/** One closed-model run of one generator. */
export interface ClosedRun {
  readonly tool: 'harness' | 'wrk';
  /** 2xx answers per second (what the row's RPS counts). */
  readonly rps: number;
  /** Answers of another status per second (the target's errors; 0 on a healthy row). */
  readonly otherRps: number;
  /** p99 latency, µs (wrk: from its `--latency` distribution, 2 significant digits as wrk prints it). */
  readonly p99Us: number;
  /** The harness's CPU while its generator ran, % of one core; null for wrk (another process). */
  readonly generatorCpuPercent: number | null;
}

/** One round: both tools, in the order they ran. */
export interface CeilingRound {
  readonly runs: readonly ClosedRun[];
  /** The harness's RPS / wrk's in this round; null without wrk. */
  readonly ratio: number | null;
}

/** What the closed generator is measured against: one row's target, as the row's load sees it. */
export interface CeilingTarget {
  /** The row's name (`no-consul`, `watch-cached`, `consul-direct` …). */
  readonly row: string;
  /** The target's origin (loopback). */
  readonly url: string;
  /** Request paths, cycled per connection in order by both tools (wrk through a Lua script). At least one. */
  readonly paths: readonly string[];
  /** Headers of every request (consul-direct: the ACL token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Closed-model connections of both tools (the row's own). */
  readonly connections: number;
}

/** One row's closed-model rounds. */
export interface RowCeiling {
  readonly row: string;
  readonly connections: number;
  readonly paths: number;
  readonly rounds: readonly CeilingRound[];
  /** Median of the rounds' ratios; null without wrk. */
  readonly medianRatio: number | null;
}

/** One step of the open-model ramp. */
export interface OpenStep {
  /** Target arrival rate, req/s. */
  readonly rate: number;
  readonly achievedRps: number;
  /** The generator's send lag p99 for requests that had a free slot, µs. */
  readonly lagP99Us: number;
  readonly dropped: number;
  /** Corrected p99 latency, µs (the service's behaviour at this rate, as well as the generator's). */
  readonly p99Us: number;
  /** The generator worker's CPU, % of one core. */
  readonly generatorCpuPercent: number;
  /** Kept its schedule: achieved ≥ 98% of the rate, none dropped, lag p99 below 10 ms. */
  readonly kept: boolean;
}

/** What the open ramp measured. */
export interface OpenCeiling {
  readonly open: readonly OpenStep[];
  /** Highest rate the open generator kept, req/s; null when it kept none. */
  readonly openCeilingRps: number | null;
}

/** Options of {@link measureClosedRounds}. */
export interface ClosedRoundsOptions {
  /** Seconds per run. */
  readonly durationS: number;
  /** Rounds (each tool once a round, the order swapped every round). */
  readonly rounds: number;
  /** wrk's executable; null to leave wrk out. */
  readonly wrk: string | null;
  /** wrk's threads (`-t`). The harness's generator runs on one event loop, so 1 compares like with like. */
  readonly wrkThreads: number;
  readonly signal?: AbortSignal;
  /** Called after every run, for progress. */
  readonly onRun?: (line: string) => void;
}

/** Options of {@link measureOpenRamp}. */
export interface OpenRampOptions {
  /** The target's origin (loopback): the no-consul service's. */
  readonly url: string;
  readonly path: string;
  /** Seconds per step. */
  readonly durationS: number;
  /** First rate of the ramp, req/s (×1.5 a step). */
  readonly openStartRate: number;
  /** Highest rate of the ramp, req/s. */
  readonly openMaxRate: number;
  /** The open generator's in-flight cap. */
  readonly maxInFlight: number;
  readonly signal?: AbortSignal;
  readonly onRun?: (line: string) => void;
}

/** Achieved rate at or above this share of the target, with none dropped and lag p99 below 10 ms: schedule kept. */
export const OPEN_KEPT_SHARE = 0.98;

/** wrk's version line (`wrk 4.1.0 …`), or null when it does not run. */
export async function wrkVersion(wrk: string): Promise<string | null> {
  const r = await execa(wrk, ['--version'], { reject: false, timeout: 5000 });
  const line = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => /^wrk /.test(l));
  return line ? line.replace(/\s+Copyright.*$/, '').trim() : null;
}

/** A wrk duration (`571.00us`, `5.12ms`, `1.02s`) in µs. */
export function wrkDurationUs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  const scale = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/**
 * Reads wrk's summary: `Requests/sec:`, the `Non-2xx or 3xx responses:` line (absent when none) and the 99% line
 * of `--latency`. `rps` counts the 2xx and 3xx answers (wrk's rate less its share of other statuses), as the harness's
 * side counts 2xx: the row's RPS.
 * @throws {Error} when the rate or the p99 is missing (wrk failed).
 */
export function parseWrk(stdout: string): { rps: number; otherRps: number; p99Us: number } {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rate || !p99) throw new Error(`wrk printed no summary: ${stdout.slice(0, 200)}`);
  const total = Number(/^\s+(\d+) requests in/m.exec(stdout)?.[1] ?? 0);
  const other = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const share = total > 0 ? other / total : 0;
  return { rps: Number(rate[1]) * (1 - share), otherRps: Number(rate[1]) * share, p99Us: wrkDurationUs(p99[1]!) };
}

/**
 * wrk's Lua script for a target: the same paths as the harness's, cycled in order, with the target's headers; each
 * request is formatted once, up front, so the script costs wrk a table look-up a request.
 */
export function wrkScript(target: Pick<CeilingTarget, 'paths' | 'headers'>): string {
  const lua = (x: string) => JSON.stringify(x); // a JSON string is a valid Lua string for these characters
  const headers = Object.entries(target.headers ?? {}).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`);
  return [
    ...headers,
    `local paths = { ${target.paths.map(lua).join(', ')} }`,
    'local requests = {}',
    '-- in init: wrk.init has set the Host header by then',
    'init = function(args)',
    '  for i, p in ipairs(paths) do requests[i] = wrk.format("GET", p) end',
    'end',
    'local n = 0',
    'request = function()',
    '  n = n % #requests + 1',
    '  return requests[n]',
    'end',
    '',
  ].join('\n');
}

async function runWrk(t: CeilingTarget, o: ClosedRoundsOptions, wrk: string): Promise<ClosedRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvb-wrk-'));
  try {
    const script = path.join(dir, 'paths.lua');
    await writeFile(script, wrkScript(t));
    const args = [`-t${o.wrkThreads}`, `-c${t.connections}`, `-d${o.durationS}s`, '--latency', '-s', script, t.url];
    const r = await reapOnHarnessDeath(
      execa(wrk, args, {
        reject: false,
        timeout: (o.durationS + 15) * 1000,
        cancelSignal: o.signal,
        cleanup: true,
      }),
    );
    if (r.exitCode !== 0 && !o.signal?.aborted) {
      throw new BenchError('LOAD_FAILED', `wrk ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.slice(0, 200)}`);
    }
    return { tool: 'wrk', ...parseWrk(r.stdout), generatorCpuPercent: null };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runHarness(t: CeilingTarget, o: ClosedRoundsOptions): Promise<ClosedRun> {
  const r = await runLoad({
    url: t.url,
    paths: t.paths,
    ...(t.headers ? { headers: t.headers } : {}),
    connections: t.connections,
    durationS: o.durationS,
    timeoutS: 10,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const s = r.durationMs / 1000;
  const ok = Object.entries(r.byStatus).reduce((n, [code, c]) => (code.startsWith('2') ? n + c : n), 0);
  const h: LatencyHistogram = r.histogram;
  return {
    tool: 'harness',
    rps: ok / s,
    otherRps: (r.responses - ok) / s,
    p99Us: h.getValueAtPercentile(99),
    generatorCpuPercent: r.loadGenerator.cpuPercent,
  };
}

/**
 * One row's closed-model rounds: the harness's generator and wrk take turns on the row's target (same connections, same paths),
 * the order swapped each round so drift on a shared machine falls on both; a round's figure is its ratio.
 * @throws {BenchError} `NOT_LOOPBACK` for a target off loopback; `LOAD_FAILED` when wrk fails.
 */
export async function measureClosedRounds(t: CeilingTarget, o: ClosedRoundsOptions): Promise<RowCeiling> {
  await assertLoopback(t.url, 'ceiling target');
  const say = o.onRun ?? (() => {});
  const rounds: CeilingRound[] = [];
  for (let i = 0; i < o.rounds && !o.signal?.aborted; i++) {
    const order: Array<'harness' | 'wrk'> = !o.wrk
      ? ['harness']
      : i % 2 === 0
        ? ['harness', 'wrk']
        : ['wrk', 'harness'];
    const runs: ClosedRun[] = [];
    for (const tool of order) {
      if (o.signal?.aborted) break;
      const run = tool === 'wrk' ? await runWrk(t, o, o.wrk!) : await runHarness(t, o);
      runs.push(run);
      say(
        `${t.row}, round ${i + 1}/${o.rounds}: ${tool} ${Math.round(run.rps)} req/s, p99 ${(run.p99Us / 1000).toFixed(2)} ms`,
      );
    }
    const a = runs.find((r) => r.tool === 'harness');
    const w = runs.find((r) => r.tool === 'wrk');
    rounds.push({ runs, ratio: a && w && w.rps > 0 ? a.rps / w.rps : null });
  }
  const ratios = rounds.map((r) => r.ratio).filter((x): x is number => x !== null);
  return {
    row: t.row,
    connections: t.connections,
    paths: t.paths.length,
    rounds,
    medianRatio: ratios.length > 0 ? median(ratios) : null,
  };
}

/**
 * Ramps the open generator ×1.5 from `openStartRate` until it misses its schedule twice in a row.
 * @throws {BenchError} `NOT_LOOPBACK` for a target off loopback.
 */
export async function measureOpenRamp(o: OpenRampOptions): Promise<OpenCeiling> {
  await assertLoopback(o.url, 'ceiling target');
  const say = o.onRun ?? (() => {});
  const open: OpenStep[] = [];
  for (let rate = o.openStartRate; rate <= o.openMaxRate && !o.signal?.aborted; rate = Math.round(rate * 1.5)) {
    const r = await runOpenLoad({
      url: o.url,
      paths: [o.path],
      rate,
      durationS: o.durationS,
      timeoutS: 10,
      maxInFlight: o.maxInFlight,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const lag = r.open.sendLag;
    const achievedRps = r.responses / (r.durationMs / 1000);
    const step: OpenStep = {
      rate,
      achievedRps,
      lagP99Us: lag.getValueAtPercentile(99),
      dropped: r.open.dropped,
      p99Us: r.histogram.getValueAtPercentile(99),
      generatorCpuPercent: r.loadGenerator.cpuPercent,
      kept: achievedRps >= OPEN_KEPT_SHARE * rate && r.open.dropped === 0 && !r.open.behind,
    };
    open.push(step);
    say(
      `open ${rate} req/s: achieved ${Math.round(achievedRps)}, lag p99 ${(step.lagP99Us / 1000).toFixed(1)} ms, ${step.kept ? 'kept' : 'not kept'}`,
    );
    // One miss can be the machine (a GC pause, a neighbour): the ramp ends at the second in a row.
    if (!step.kept && open.at(-2)?.kept === false) break;
  }
  const kept = open.filter((s) => s.kept).map((s) => s.rate);
  return { open, openCeilingRps: kept.length ? Math.max(...kept) : null };
}
