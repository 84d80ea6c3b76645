/**
 * The harness's error tree: every error has a stable `code` tests assert on, and user-facing errors carry the
 * one-line fix the CLI prints. Modelled on undici's `lib/core/errors.js` (docs/STYLE.md).
 *
 * @module
 */

/** Stable codes of {@link BenchError}. */
export type BenchErrorCode =
  /** Bad CLI input or scenario values; exit code 2. */
  | 'USAGE'
  | 'UNKNOWN_SCENARIO'
  | 'UNKNOWN_CLIENT'
  | 'INVALID_SCENARIO'
  /** No consul binary and no way to build one. */
  | 'CONSUL_BINARY_UNAVAILABLE'
  | 'CONSUL_BUILD_FAILED'
  /** Consul did not report a known leader in time. */
  | 'CONSUL_NOT_READY'
  /** The consul process exited while we waited for it. */
  | 'CONSUL_EXITED'
  /** An external Consul (CONSUL_HTTP_ADDR) did not answer. */
  | 'CONSUL_UNREACHABLE'
  /** A load target outside loopback was refused. */
  | 'NOT_LOOPBACK'
  | 'CONTAINER_RUNTIME_UNAVAILABLE'
  /** No toxiproxy-server and no way to build one, or it did not start. */
  | 'TOXIPROXY_UNAVAILABLE'
  /** The Go config service (go-* rows) could not be built (no Go) or found. */
  | 'GO_SERVICE_UNAVAILABLE'
  /** A downloaded release's SHA-256 is not the published one (nothing was installed). */
  | 'CHECKSUM_MISMATCH'
  /** No Chromium for the browser check of report.html, and no way to install it. */
  | 'CHROMIUM_UNAVAILABLE'
  /** No wrk for `ceiling` to compare the closed generator with (`provision --wrk`), and no way to install it. */
  | 'WRK_UNAVAILABLE'
  | 'SERVICE_FAILED'
  | 'SEED_FAILED'
  /** The load generator failed (e.g. an open-model worker thread died). */
  | 'LOAD_FAILED'
  | 'INTERRUPTED';

/** Codes that mean the user must change their input: the CLI exits 2 for these. */
const USAGE_CODES: ReadonlySet<BenchErrorCode> = new Set([
  'USAGE',
  'UNKNOWN_SCENARIO',
  'UNKNOWN_CLIENT',
  'INVALID_SCENARIO',
  'CONSUL_UNREACHABLE',
  'NOT_LOOPBACK',
  'CONSUL_BINARY_UNAVAILABLE',
  'CONTAINER_RUNTIME_UNAVAILABLE',
  'TOXIPROXY_UNAVAILABLE',
  'GO_SERVICE_UNAVAILABLE',
  'CHROMIUM_UNAVAILABLE',
  'WRK_UNAVAILABLE',
]);

/** An error of the harness with a stable {@link BenchErrorCode}. `message` is one line that names the fix. */
export class BenchError extends Error {
  readonly code: BenchErrorCode;
  /** Extra lines for `--verbose` (e.g. the tail of Consul's log). */
  readonly details: string | undefined;
  constructor(code: BenchErrorCode, message: string, options?: { cause?: unknown; details?: string }) {
    super(message, { cause: options?.cause });
    this.name = 'BenchError';
    this.code = code;
    this.details = options?.details;
  }

  /** True when the user's input (not the machine) is at fault: exit code 2. */
  get isUsage(): boolean {
    return USAGE_CODES.has(this.code);
  }
}

/** Shorthand for a usage error (exit code 2) with a one-line message naming the fix. */
export function usageError(message: string, code: BenchErrorCode = 'USAGE'): BenchError {
  return new BenchError(code, message);
}
