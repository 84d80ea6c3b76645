/**
 * The kinds of service profile `--profile` takes (the profiler itself is `service-profiler.ts`, loaded only when a
 * run profiles).
 *
 * @module
 */

/** flame = 0x flamegraph, cpu = a V8 .cpuprofile, doctor = Clinic.js Doctor. */
export const PROFILE_KINDS = ['flame', 'cpu', 'doctor'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];
