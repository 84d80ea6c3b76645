/**
 * The service's meters behind one interface: a window of figures read, then the next window started. The service's
 * statistics (`ServiceStats`) are a record of these, one field a meter.
 *
 * @module
 */

/**
 * One window of a meter: `read()` gives the figure of the window so far, `reset()` starts the next window. The
 * service's statistics are a record of these ({@link takeWindows}), so a new meter is one entry there and one
 * field of `ServiceStats`.
 */
export interface WindowMeter<T> {
  read(): T;
  reset(): void;
}

/** A window meter from a reader and a resetter (the resetter may be a no-op: a figure that is not windowed). */
export function windowMeter<T>(read: () => T, reset: () => void = () => {}): WindowMeter<T> {
  return { read, reset };
}

/** Reads every meter, then starts every meter's next window (so no figure's window leaks into another's). */
export function takeWindows<M extends Record<string, WindowMeter<unknown>>>(
  meters: M,
): { [K in keyof M]: M[K] extends WindowMeter<infer T> ? T : never } {
  const out = Object.fromEntries(Object.entries(meters).map(([k, m]) => [k, m.read()]));
  for (const m of Object.values(meters)) m.reset();
  return out as { [K in keyof M]: M[K] extends WindowMeter<infer T> ? T : never };
}
