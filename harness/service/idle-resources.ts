/**
 * The service's active resources (`process.getActiveResourcesInfo()`: ref'd handles and timers) by type, now and as
 * an idle baseline taken over a span.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Counts of `process.getActiveResourcesInfo()` by type (ref'd handles and timers only). */
export function activeResourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** How often {@link idleResourceCounts} looks over its span, ms. */
export const IDLE_SNAPSHOT_EVERY_MS = 100;

/**
 * The idle baseline of active resources: the most of each type seen in snapshots every
 * {@link IDLE_SNAPSHOT_EVERY_MS} over `spanMs` (0: one snapshot). A healthy client's periodic idle work is in it
 * whichever moment the baseline is taken: a poll's ref'd next-poll timer is absent while the poll is in flight, and
 * a single snapshot taken then made the quiesce's steady state look one `Timeout` over idle (a fresh-clone CI run
 * judged the `polling-cache` fixture `inconclusive` so).
 * @param spanMs how long to look, ms; 0 or less takes one snapshot.
 */
export async function idleResourceCounts(spanMs: number): Promise<Record<string, number>> {
  const most = activeResourceCounts();
  for (let waited = 0; waited < spanMs; waited += IDLE_SNAPSHOT_EVERY_MS) {
    await sleep(IDLE_SNAPSHOT_EVERY_MS);
    for (const [type, n] of Object.entries(activeResourceCounts())) most[type] = Math.max(most[type] ?? 0, n);
  }
  return most;
}
