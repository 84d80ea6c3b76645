/**
 * How cli.test.ts's quick runs share the machine: the stages and lanes they run in, and the flags each adds to its scenario's quick block (the suite's time: docs/TESTS.md).
 *
 * @module
 */

/**
 * The quick runs go in stages, one after another; a stage's lanes run side by side (each run is its own harness with
 * its own Consul; most of a stall or restart row is waiting), one scenario after another within a lane. Every check
 * of leftovers is the run's own: its Consul and Toxiproxy by port, and every process it started by the mark in its
 * environment.
 *
 * - `network-stall-open`'s assertions are latencies in the open model (lesson 2: leaky's stall p99 at least 10×
 *   fixed's), which a machine busy with other runs' load inflates: beside the closed-model lanes a try measured
 *   1.8×; beside both restart scenarios at `--rate 100`, before the socket reads moved off the service's loop and
 *   were held to their CPU share, fixed's fault-phase p99 was 1.83 s. Its only company is its own other part;
 *   `consul-restart-fresh` (at a modest rate) follows in the same lanes; both run in two parts of three rows
 *   ({@link PARTS}). Starting the other runs at a lower CPU
 *   priority did not protect it
 *   on CI: beside `network-stall` at `nice` 19 and both restarts at 10, a fresh-clone CI run measured fixed's
 *   fault p99 at 1.21 s (8.2×), though it held alone here (628 ms). Once each row had its idle windows (Consul's
 *   read rate, the warm idle baseline), fixed's fault phase met the restart runs between their rows (service
 *   start, warm-up): beside the three other runs its fault p99 measured 1 660 ms, beside the two restart parts
 *   alone 1 678 ms, beside `network-stall-open:others` alone 520 ms (alone: 520 ms; before those windows, beside
 *   all three, 554 ms). So the restart parts follow the stall parts in the same two lanes.
 * - `articles` and `articles-tls` are 500 closed-model connections each, all CPU and no waiting: they run alone. A
 *   CI run of `articles-tls` beside the stall lanes got no 2xx for fresh-connection (its TLS handshakes starved);
 *   one of `articles` at 1 s a row with no warm-up beside `network-stall` got none for naive-fetch.
 * - The rest share the two cores in three lanes: `network-stall`'s seven Node rows (about 150 s, one core of the two)
 *   beside `consul-restart` at a modest open-model rate (about half a core), and the two short closed-model runs
 *   followed by `network-stall`'s three Go rows in a run of their own (its ten rows in one run were this stage's
 *   longest lane, about 210 s; split, `consul-restart` is, and the file took 449 s here instead of 478). A fourth
 *   lane (`consul-restart-fresh` moved here, `network-stall-open` alone in the first stage) made the stage longer
 *   (network-stall 224 s) and `consul-restart`'s watch-cached answered errors for 15 ms while Consul was away, where
 *   none are asserted. Tried at `nice` 19 beside the open-model stall, `watch-propagation`'s pooled Consul requests per read
 *   measured 1.25 (under 1.03 is asserted: the prober's reads weigh more at low throughput), and the restarts at 19
 *   judged polling `inconclusive` (3 baseline samples, 4 needed).
 */
export const STAGES: readonly (readonly (readonly string[])[])[] = [
  [
    ['network-stall-open:controls', 'consul-restart-fresh:read-through'],
    ['network-stall-open:others', 'consul-restart-fresh:caches'],
  ],
  [['articles', 'articles-tls']],
  [['network-stall'], ['consul-restart'], ['watch-propagation', 'light', 'network-stall:go']],
];

/**
 * Lane entries that run a part of a scenario's own rows, each part a run of its own (its own Consul): the rows by
 * entry. `consul-restart-fresh`'s six rows (about 165 s at 27 s a row: warm-up, 18 s measured, 6 s quiesce) were
 * the first stage's longest lane beside `network-stall-open`'s 135 s; in two runs of three rows side by side,
 * `network-stall-open` held its latencies (fixed's stall p99 550 ms, baseline 11 ms) and the stage took 135 s. Once
 * undone: on CI the part with `polling` first had `polling` stale to the end, a client bug this layout exposed (its
 * snapshot de-duplicated by `ModifyIndex` alone, and the fresh Consul of a three-row run rewrote the probed key at
 * the index the old value had; fixed in clients/support/snapshot-cache.ts, tested in test/clients/freshness.test.ts).
 * `network-stall-open`'s six rows (about 136 s) were then the first stage's longest lane; in two parts, the two
 * controls (whose fault-phase p99s lesson 2 compares) and `fresh-connection` in one, the stage took 93 s here with
 * fixed's fault p99 at 540, 582 and 717 ms in three tries (under 1 s is asserted; 521–678 ms in one run on CI).
 */
export const PARTS: Readonly<Record<string, readonly string[]>> = {
  // fresh-connection first: the first row's baseline meets the four runs' start-up, and the controls' baselines are
  // asserted (a CI run had leaky first: its baseline p99 796 ms, over the 400 asserted)
  'network-stall-open:controls': ['fresh-connection', 'fixed', 'leaky-without-abort'],
  'network-stall-open:others': ['pooled', 'watch-cached', 'naive-fetch'],
  'consul-restart-fresh:read-through': ['naive-fetch', 'pooled', 'consul-npm'],
  'consul-restart-fresh:caches': ['polling', 'watch-cached', 'consul-npm-watch'],
};

/**
 * A lane entry's scenario: an entry is a scenario's name, `<scenario>:go` for the Go rows `publish` adds to that
 * scenario, run on their own, or a part of its own rows ({@link PARTS}). `network-stall`'s ten rows were the third
 * stage's longest lane (about 210 s beside `consul-restart`'s 176); its three Go rows (about 63 s) go after the two
 * short closed-model runs instead.
 */
export const scenarioOf = (entry: string): string => entry.replace(/:[a-z-]+$/, '');

/** The rows of a lane entry's run: the scenario's own and its Go rows, or only the part it names where split. */
export function rowsOf(entry: string, own: readonly string[], go: readonly string[]): string[] {
  if (entry.endsWith(':go')) return [...go];
  const part = PARTS[entry];
  if (part) return [...part];
  const split = STAGES.flat(2).includes(`${entry}:go`);
  return split ? [...own] : [...own, ...go];
}
/** Resolves when a scenario's run has ended, by scenario. */
const ended = new Map<string, { done: Promise<void>; end: () => void }>(
  STAGES.flat(2).map((n) => {
    let end = (): void => {};
    const done = new Promise<void>((r) => (end = r));
    return [n, { done, end }];
  }),
);
/** The stage a lane entry runs in (its index in {@link STAGES}). */
const stageOf = (scenario: string): number => STAGES.findIndex((st) => st.some((lane) => lane.includes(scenario)));
/** Resolves when every run of the stage has ended. */
const stageEnded = (stage: number): Promise<unknown> =>
  Promise.all(STAGES[stage]!.flat().map((n) => ended.get(n)!.done));
/** Work queued by {@link afterStage}, by stage: the next stage starts once it has settled. */
const betweenStages = new Map<number, Promise<unknown>[]>();

/**
 * Waits for the scenario's turn (the run before it in its lane, or every run of the stage before and the work queued
 * after it) and returns what ends it.
 */
export async function enterLane(scenario: string): Promise<() => void> {
  const stage = stageOf(scenario);
  const lane = STAGES[stage]!.find((l) => l.includes(scenario))!;
  const k = lane.indexOf(scenario);
  if (k > 0) await ended.get(lane[k - 1]!)!.done;
  else if (stage > 0) {
    await stageEnded(stage - 1);
    await Promise.allSettled(betweenStages.get(stage - 1) ?? []);
  }
  return ended.get(scenario)!.end;
}

/**
 * Runs `job` between stages: once every run of the scenario's stage has ended, and before the next stage starts, so
 * nothing measured runs beside it. Call it before the scenario's run ends (before the function {@link enterLane}
 * returned is called). The Chromium renders of the reports go here: started as each run ended, they ran beside the
 * other lanes' measurements, and a CI run measured `network-stall-open`'s fixed at a fault-phase p99 of 1.76 s
 * (500 ms alone and 530 ms beside its stage's three other runs here, with no browser).
 */
export function afterStage<T>(scenario: string, job: () => Promise<T>): Promise<T> {
  const stage = stageOf(scenario);
  const done = stageEnded(stage).then(job);
  betweenStages.set(stage, [...(betweenStages.get(stage) ?? []), done]);
  return done;
}

/**
 * Flags a quick run adds to the scenario's own: each measures no longer than its assertions need (the suite's time,
 * docs/TESTS.md).
 * - The restart scenarios run in the open model at a modest rate: their figures come from the freshness prober and
 *   the recovery probe, not the load. In the closed model a quick `consul-restart` cost 195 CPU-seconds in 161 s (a
 *   read-through client that fails fast while Consul is away spins at thousands of errors a second); at
 *   `--rate 100`, 76. The closed model through a fault is covered by `network-stall`. `consul-restart`, the third
 *   stage's longest lane, has no warm-up (its six rows 6 s shorter): at 100 req/s the figures asserted are the
 *   prober's, and its baseline only needs the verdict's samples.
 * - `light` and `articles` measure 1 s a row: their assertions are that every row answered and its Consul requests
 *   per read, which one second shows. `light` keeps its quick 1 s warm-up: with none, beside `network-stall` and
 *   `consul-restart` on CI, `consul-direct` (the generator straight at Consul) got no 2xx in its second. `articles`
 *   has no warm-up and runs alone in its stage: at 1 s with no warm-up
 *   beside `network-stall`, naive-fetch's 500 connections once got no 2xx; alone, its slowest row answered 558
 *   reads in that second (16 rows in 34 s, against 83 s at its quick 2 s with a 1 s warm-up).
 * - `articles-tls` measures 1 s a row with no warm-up (quick: 3 s after 1 s), as `articles`, at 100 connections:
 *   500 TLS handshakes begun at once finish together, late. Alone, with no warm-up, fresh-connection's row answered
 *   138 reads in the first second once, and on a fresh-clone CI run none; here, twice each, it answered 1 and 1 at
 *   500 connections and 243 and 214 at 100 (go-nonpooled: 252 and 260 with 39 and 47 errors, against 592 and 579
 *   with none).
 * - `watch-propagation` measures 3 s (quick: 6): 30 writes at its 10 a second, against 5 keys, for the freshness
 *   assertions.
 */
export const QUICK_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'consul-restart-fresh': ['--rate', '100'],
  'consul-restart': ['--rate', '100', '--warmup', '0'],
  light: ['--duration', '1'],
  articles: ['--duration', '1', '--warmup', '0'],
  'articles-tls': ['--duration', '1', '--warmup', '0', '--connections', '100'],
  'watch-propagation': ['--duration', '3'],
};
