/**
 * The load generators' own ceiling (`consul-kv-bench ceiling`): how fast the harness's generators drive the
 * `no-consul` service (which answers from a constant, so the generator and the machine set the pace) beside wrk,
 * a C generator, on the same service, connections and path. Closed model: autocannon and wrk take turns, round by
 * round, their order swapped each round so drift on a shared machine falls on both; the figure is each round's
 * ratio (same service, minutes apart), never one tool's absolute RPS. Open model: the open generator is ramped ×1.5
 * from `openStartRate` until it misses its schedule twice in a row; the highest rate it kept is its ceiling here.
 *
 * Measures and emits; prints nothing. Every load is bounded in time, and loopback only.
 *
 * @module
 */
import { execa } from 'execa';
import { BenchError } from '../errors.ts';
import type { LatencyHistogram } from '../load/latency-histogram.ts';
import { runLoad } from '../load/load-runner.ts';
import { runOpenLoad } from '../load/open-load.ts';
import { assertLoopback } from '../loopback.ts';
import { reapOnHarnessDeath } from '../reaper.ts';

/** One closed-model run of one generator. */
export interface ClosedRun {
  readonly tool: 'autocannon' | 'wrk';
  /** Answers per second. */
  readonly rps: number;
  /** p99 latency, µs (wrk: from its `--latency` distribution, 2 significant digits as wrk prints it). */
  readonly p99Us: number;
  /** The harness's CPU while it ran autocannon, % of one core; null for wrk (another process). */
  readonly generatorCpuPercent: number | null;
}

/** One round: both tools, in the order they ran. */
export interface CeilingRound {
  readonly runs: readonly ClosedRun[];
  /** autocannon RPS / wrk RPS in this round; null without wrk. */
  readonly ratio: number | null;
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

/** What {@link measureCeiling} measured. */
export interface CeilingResult {
  readonly connections: number;
  readonly durationS: number;
  /** wrk's version line, or null when wrk was not found. */
  readonly wrk: string | null;
  readonly wrkThreads: number;
  readonly rounds: readonly CeilingRound[];
  readonly open: readonly OpenStep[];
  /** Highest rate the open generator kept, req/s; null when it kept none. */
  readonly openCeilingRps: number | null;
}

/** Options of {@link measureCeiling}. */
export interface CeilingOptions {
  /** The target's origin (loopback), e.g. the no-consul service's. */
  readonly url: string;
  /** The one path every generator requests. */
  readonly path: string;
  /** Closed-model connections of both tools. */
  readonly connections: number;
  /** Seconds per run. */
  readonly durationS: number;
  /** Closed-model rounds. */
  readonly rounds: number;
  /** wrk's executable; null to leave wrk out. */
  readonly wrk: string | null;
  /** wrk's threads (`-t`). autocannon runs on one event loop, so 1 compares like with like. */
  readonly wrkThreads: number;
  /** First rate of the open ramp, req/s. */
  readonly openStartRate: number;
  /** Highest rate of the open ramp, req/s. */
  readonly openMaxRate: number;
  /** The open generator's in-flight cap. */
  readonly maxInFlight: number;
  readonly signal?: AbortSignal;
  /** Called after every run, for progress. */
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
 * Reads wrk's summary: `Requests/sec:` and the 99% line of `--latency`.
 * @throws {Error} when either is missing (wrk failed).
 */
export function parseWrk(stdout: string): { rps: number; p99Us: number } {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rps || !p99) throw new Error(`wrk printed no summary: ${stdout.slice(0, 200)}`);
  return { rps: Number(rps[1]), p99Us: wrkDurationUs(p99[1]!) };
}

async function runWrk(o: CeilingOptions, wrk: string): Promise<ClosedRun> {
  const url = o.url + o.path;
  const args = [`-t${o.wrkThreads}`, `-c${o.connections}`, `-d${o.durationS}s`, '--latency', url];
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
}

async function runAutocannon(o: CeilingOptions): Promise<ClosedRun> {
  const r = await runLoad({
    url: o.url,
    paths: [o.path],
    connections: o.connections,
    durationS: o.durationS,
    timeoutS: 10,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const h: LatencyHistogram = r.histogram;
  return {
    tool: 'autocannon',
    rps: r.responses / (r.durationMs / 1000),
    p99Us: h.getValueAtPercentile(99),
    generatorCpuPercent: r.loadGenerator.cpuPercent,
  };
}

/**
 * Runs the closed-model rounds, then the open-model ramp.
 * @throws {BenchError} `NOT_LOOPBACK` for a target off loopback; `LOAD_FAILED` when wrk fails.
 */
export async function measureCeiling(o: CeilingOptions): Promise<CeilingResult> {
  await assertLoopback(o.url, 'ceiling target');
  const say = o.onRun ?? (() => {});
  const rounds: CeilingRound[] = [];
  const version = o.wrk ? await wrkVersion(o.wrk) : null;
  for (let i = 0; i < o.rounds && !o.signal?.aborted; i++) {
    const order: Array<'autocannon' | 'wrk'> = !version
      ? ['autocannon']
      : i % 2 === 0
        ? ['autocannon', 'wrk']
        : ['wrk', 'autocannon'];
    const runs: ClosedRun[] = [];
    for (const tool of order) {
      if (o.signal?.aborted) break;
      const run = tool === 'wrk' ? await runWrk(o, o.wrk!) : await runAutocannon(o);
      runs.push(run);
      say(`round ${i + 1}/${o.rounds}: ${tool} ${Math.round(run.rps)} req/s, p99 ${(run.p99Us / 1000).toFixed(2)} ms`);
    }
    const a = runs.find((r) => r.tool === 'autocannon');
    const w = runs.find((r) => r.tool === 'wrk');
    rounds.push({ runs, ratio: a && w && w.rps > 0 ? a.rps / w.rps : null });
  }
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
  return {
    connections: o.connections,
    durationS: o.durationS,
    wrk: version,
    wrkThreads: o.wrkThreads,
    rounds,
    open,
    openCeilingRps: kept.length ? Math.max(...kept) : null,
  };
}
