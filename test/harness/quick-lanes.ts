/**
 * How cli.test.ts's quick runs share the machine: the stages and lanes they run in, the CPU priority of each, and
 * the flags each adds to its scenario's quick block (the suite's time: docs/TESTS.md).
 *
 * @module
 */

/**
 * The quick runs go in stages, one after another; a stage's lanes run side by side (each run is its own harness with
 * its own Consul; most of a stall or restart row is waiting), one scenario after another within a lane. Every check
 * of leftovers is the run's own: its Consul and Toxiproxy by port, and every process it started by the mark in its
 * environment.
 *
 * - The closed-model runs whose figures are what they assert run first, one after another, alone: `articles` and
 *   `articles-tls` (500 connections each, all CPU: a CI run of `articles-tls` beside the stall lanes got no 2xx for
 *   fresh-connection, its TLS handshakes starved; one of `articles` at 1 s a row with no warm-up beside
 *   `network-stall` got none for naive-fetch), then `watch-propagation` (pooled's Consul requests per read, the
 *   prober's included, stay under 1.03 only at full throughput: at `nice` 19 beside the stall lanes it measured
 *   1.25) and `light` (at `nice` 19 there, naive-fetch answered 33 reads in its second).
 * - `network-stall-open`'s assertions are latencies in the open model (lesson 2: leaky's stall p99 at least 10×
 *   fixed's), which a machine busy with other runs' load inflates: beside the closed-model lanes a try measured
 *   1.8×, and beside both restart scenarios at `--rate 100` a full-suite run measured fixed's fault-phase p99 at
 *   1.83 s (leaky's censored 10 s: 5.5×). So every other run of its stage starts at a lower CPU priority (`nice`,
 *   inherited by its Consul, Toxiproxy and services: {@link NICE}) and yields the cores to it; the reports of that
 *   stage are rendered in Chromium once it has ended.
 * - The niced lanes: `network-stall`'s ten rows (about 200 s, one core of the two) at the lowest priority (19);
 *   both restart scenarios at a modest open-model rate (about
 *   half a core each, mostly waiting for Consul) at 10, between the two. Their assertions are counts and verdicts,
 *   not latencies, and a row's phases are wall-clock: a run that gets less CPU answers fewer reads in them rather
 *   than taking longer. But a verdict needs its samples (every 250 ms, at least 4 in a 2 s baseline): with the
 *   restarts at 19 too, `consul-restart`'s polling and naive-fetch rows got 3 and 6 baseline samples and were judged
 *   `inconclusive`.
 */
export const STAGES: readonly (readonly (readonly string[])[])[] = [
  [['articles', 'articles-tls', 'watch-propagation', 'light']],
  [['network-stall-open'], ['network-stall'], ['consul-restart-fresh'], ['consul-restart']],
];
/** The run whose latencies are asserted beside others: it alone keeps vitest's CPU priority in its stage. */
export const PROTECTED = 'network-stall-open';
/**
 * CPU priority (`nice`, 0–19; weights 1024 at 0, 110 at 10, 15 at 19 in Linux's scheduler) of the other runs of
 * {@link PROTECTED}'s stage: the restarts' samplers outrank the closed-model load, and nothing outranks the
 * protected run.
 */
const NICE: Readonly<Record<string, number>> = {
  'network-stall': 19,
  'consul-restart': 10,
  'consul-restart-fresh': 10,
};
/** The `nice` a scenario's run is started with, if any. */
export const niceOf = (scenario: string): number | undefined => NICE[scenario];
/** Resolves when a scenario's run has ended, by scenario. */
export const ended = new Map<string, { done: Promise<void>; end: () => void }>(
  STAGES.flat(2).map((n) => {
    let end = (): void => {};
    const done = new Promise<void>((r) => (end = r));
    return [n, { done, end }];
  }),
);
/** Waits for the scenario's turn (the run before it in its lane, or every run of the stage before) and returns what ends it. */
export async function enterLane(scenario: string): Promise<() => void> {
  const stage = STAGES.findIndex((st) => st.some((lane) => lane.includes(scenario)));
  const lane = STAGES[stage]!.find((l) => l.includes(scenario))!;
  const k = lane.indexOf(scenario);
  if (k > 0) await ended.get(lane[k - 1]!)!.done;
  else if (stage > 0) await Promise.all(STAGES[stage - 1]!.flat().map((n) => ended.get(n)!.done));
  return ended.get(scenario)!.end;
}

/**
 * Flags a quick run adds to the scenario's own: each measures no longer than its assertions need (the suite's time,
 * docs/TESTS.md).
 * - The restart scenarios run in the open model at a modest rate: their figures come from the freshness prober and
 *   the recovery probe, not the load. In the closed model a quick `consul-restart` cost 195 CPU-seconds in 161 s (a
 *   read-through client that fails fast while Consul is away spins at thousands of errors a second); at
 *   `--rate 100`, 76. The closed model through a fault is covered by `network-stall`, the leak corpus and
 *   testing-helper.test.ts.
 * - `light` and `articles` measure 1 s a row with no warm-up: their assertions are that every row answered and its
 *   Consul requests per read, which one second shows. `articles` runs alone in its stage: at 1 s with no warm-up
 *   beside `network-stall`, naive-fetch's 500 connections once got no 2xx; alone, its slowest row answered 558
 *   reads in that second (16 rows in 34 s, against 83 s at its quick 2 s with a 1 s warm-up).
 * - `articles-tls` measures 2 s a row with no warm-up (quick: 3 s after 1 s): fresh-connection's TLS handshakes at
 *   500 connections are the slow start. Alone, with no warm-up, its row answered 138 reads and go-nonpooled's 99
 *   in the first second; with a warm-up beside other load it once answered 46 in 2 s.
 * - `watch-propagation` measures 3 s (quick: 6): 30 writes at its 10 a second, against 5 keys, for the freshness
 *   assertions.
 */
export const QUICK_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'consul-restart-fresh': ['--rate', '100'],
  'consul-restart': ['--rate', '100'],
  light: ['--duration', '1', '--warmup', '0'],
  articles: ['--duration', '1', '--warmup', '0'],
  'articles-tls': ['--duration', '2', '--warmup', '0'],
  'watch-propagation': ['--duration', '3'],
};
