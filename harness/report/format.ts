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
