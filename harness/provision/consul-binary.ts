/**
 * The `consul` binary the `local` backend runs: `CONSUL_BIN`, else `consul` on `PATH`, else the user cache, else
 * HashiCorp's release archive for this OS and architecture (checked against its SHA-256 sums), else built once from
 * the Go module proxy through the wrapper module in `./consul-module/` (why a wrapper: see the comment at the top of
 * its go.mod, and docs/CONSUL-NOTES.md). Resolution is shared with Toxiproxy (`go-binary.ts`).
 *
 * @module
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BenchError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-paths.ts';
import {
  cachedBinaryPath,
  type GoBinarySpec,
  type ResolvedBinary,
  type ResolveOptions,
  resolveGoBinary,
  runGo,
} from './go-binary.ts';

/** The Consul version the harness pins, builds and records. Matches `consul-module/go.mod`. */
export const CONSUL_VERSION = '1.22.7';

/** Directory of the wrapper Go module (go.mod + go.sum) committed beside this file. */
const MODULE_DIR = path.join(PACKAGE_ROOT, 'harness', 'provision', 'consul-module');

/**
 * Runs `<bin> version` and returns the version, e.g. `1.22.7`.
 * @throws {BenchError} `CONSUL_BINARY_UNAVAILABLE` when the file does not run or prints no version.
 */
export async function consulBinaryVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execa(bin, ['version'], { timeout: 15_000 });
    const m = /Consul v(\d+\.\d+\.\d+\S*)/.exec(stdout);
    if (!m?.[1]) throw new Error(`unexpected output: ${stdout.split('\n')[0]}`);
    return m[1];
  } catch (err) {
    throw new BenchError(
      'CONSUL_BINARY_UNAVAILABLE',
      `${bin} is not a working consul binary (${(err as Error).message.split('\n')[0]}): point CONSUL_BIN at one, or unset it`,
      { cause: err },
    );
  }
}

/** How Consul is found and built. */
export const CONSUL_BINARY: GoBinarySpec = {
  name: 'consul',
  version: CONSUL_VERSION,
  envVar: 'CONSUL_BIN',
  pathNames: ['consul'],
  versionOf: consulBinaryVersion,
  unavailableCode: 'CONSUL_BINARY_UNAVAILABLE',
  release: {
    baseUrl: (v) => `https://releases.hashicorp.com/consul/${v}/`,
    asset: (v, p) => `consul_${v}_${p.os}_${p.arch}.zip`,
    sums: (v) => `consul_${v}_SHA256SUMS`,
    format: 'zip',
    member: 'consul',
  },
  async build(ctx) {
    await cp(MODULE_DIR, ctx.workDir, { recursive: true });
    await runGo(ctx, ['build', '-trimpath', '-o', ctx.out, 'github.com/hashicorp/consul'], {
      cwd: ctx.workDir,
      env: { ...ctx.env, GOFLAGS: [ctx.env.GOFLAGS ?? '', '-mod=mod'].join(' ').trim() },
      code: 'CONSUL_BUILD_FAILED',
      what: `building consul v${CONSUL_VERSION} with go`,
      fix: 'set CONSUL_BIN to a prebuilt consul',
    });
  },
};

/** Cached binary path for {@link CONSUL_VERSION}. */
export function cachedConsulPath(env: NodeJS.ProcessEnv = process.env): string {
  return cachedBinaryPath(CONSUL_BINARY, env);
}

/**
 * Resolves a runnable `consul`, building it if needed (minutes; progress goes to `onProgress`).
 * @throws {BenchError} `CONSUL_BINARY_UNAVAILABLE`, `CONSUL_BUILD_FAILED`, `INTERRUPTED`.
 */
export function resolveConsulBinary(options: ResolveOptions = {}): Promise<ResolvedBinary> {
  return resolveGoBinary(CONSUL_BINARY, options);
}
