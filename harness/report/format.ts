/**
 * Number formatting shared by the renderers. Pure functions of raw values.
 *
 * @module
 */

/** µs → ms with 2 decimals below 100 ms, 1 decimal below 1 s, whole ms above (e.g. `0.42`, `123.4`, `2100`). */
export function msFromUs(us: number): string {
  const ms = us / 1000;
  if (ms < 100) return ms.toFixed(2);
  if (ms < 1000) return ms.toFixed(1);
  return Math.round(ms).toString();
}

/** Integer with thin grouping, e.g. `12 345`. */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US').replaceAll(',', ' ');
}

/** Bytes in B, KiB, MiB or GiB with 1 decimal (e.g. `1.2 KiB`). */
export function bytes(n: number | null): string {
  if (n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Ratio with 2 significant decimals, or `–`. */
export function ratio(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  if (n < 0.01) return n.toExponential(1);
  return n.toFixed(2);
}

/** A percentage of a reference value, e.g. `48%`, or `–`. */
export function percentOf(value: number, reference: number | undefined): string {
  if (!reference) return '–';
  return `${Math.round((value / reference) * 100)}%`;
}

/** A CPU time per request, whole µs; `–` when unknown (e.g. no service, or a Consul the harness does not run). */
export function usPerRequest(us: number | null | undefined): string {
  return us === undefined || us === null ? '–' : us.toFixed(0);
}

/** The latency percentiles a row's tables show, with the share of requests above each. */
const ABOVE: Readonly<Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number>> = {
  p50: 0.5,
  p90: 0.1,
  p99: 0.01,
  p999: 0.001,
  max: 0,
};

/**
 * A row's latency percentile, ms (see {@link msFromUs}), marked `≥` where it is a lower bound: in the open model more
 * of the row's requests were censored (given up at the generator's timeout and recorded at it) than lie above that
 * percentile, so the percentile is one of them and the real one is at least that (any censored request makes the
 * max one). Closed-model rows have no censored requests and are never marked.
 * @param latency the row's `latencyUs` (µs; `count` requests).
 * @param censored the row's `open.censored`, or undefined in the closed model.
 */
export function latencyCell(
  latency: { readonly count: number } & Readonly<Record<keyof typeof ABOVE, number>>,
  censored: number | undefined,
  k: keyof typeof ABOVE,
): string {
  const bound = (censored ?? 0) > ABOVE[k] * latency.count;
  return `${bound ? '≥ ' : ''}${msFromUs(latency[k])}`;
}
