/**
 * The Go config service of the `go-*` rows (`clients/go/`: the Go articles' own client,
 * `github.com/hashicorp/consul/api` pinned in its go.mod): `CONSUL_KV_BENCH_GO_SERVICE_BIN`, else the user cache,
 * else built once with the machine's `go` from the Go module proxy (`go build` in a copy of `clients/go/`). Its
 * version is the first 12 hex digits of the SHA-256 of the module's files, so an edit to the Go sources builds anew
 * and a stale binary is never used.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BenchError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-paths.ts';
import { type GoBinarySpec, type ResolvedBinary, type ResolveOptions, resolveGoBinary, runGo } from './go-binary.ts';

/** The Go module of the service (go.mod, go.sum, *.go). */
export const GO_SERVICE_DIR = path.join(PACKAGE_ROOT, 'clients', 'go');

/**
 * The version of the sources: SHA-256 over go.mod, go.sum and every .go file (sorted), then any `extraSources` (a
 * user's Go files, in the order given), first 12 hex digits.
 */
export async function goServiceSourceVersion(
  dir: string = GO_SERVICE_DIR,
  extraSources: readonly string[] = [],
): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go')).sort();
  const hash = createHash('sha256');
  const add = async (name: string, file: string) =>
    hash
      .update(name)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  for (const n of names) await add(n, path.join(dir, n));
  for (const file of extraSources) await add(`extra/${path.basename(file)}`, file);
  return hash.digest('hex').slice(0, 12);
}

/** The name a user's Go file is copied in under, apart from the service's own files. */
const extraName = (file: string) => `zz_user_${path.basename(file)}`;

/** Reads `<bin> -version` (the source version stamped at build). @throws {BenchError} `GO_SERVICE_UNAVAILABLE`. */
export async function goServiceBinaryVersion(bin: string): Promise<string> {
  const r = await execa(bin, ['-version'], { timeout: 15_000, reject: false });
  const v = String(r.stdout ?? '').trim();
  if (r.exitCode !== 0 || !/^[0-9a-f]{12}$/.test(v)) {
    throw new BenchError(
      'GO_SERVICE_UNAVAILABLE',
      `${bin} is not a working go config service: unset CONSUL_KV_BENCH_GO_SERVICE_BIN, or point it at one built from clients/go`,
    );
  }
  return v;
}

/**
 * How the service is found and built, for the sources' version `version`; `extraSources` are copied in beside
 * `clients/go/` (and never found through `CONSUL_KV_BENCH_GO_SERVICE_BIN`, which holds the plain service).
 */
export function goServiceSpec(version: string, extraSources: readonly string[] = []): GoBinarySpec {
  return {
    name: extraSources.length > 0 ? 'go-config-service-user' : 'go-config-service',
    version,
    // a prebuilt plain service cannot hold a user's files
    envVar: extraSources.length > 0 ? 'CONSUL_KV_BENCH_GO_USER_SERVICE_BIN' : 'CONSUL_KV_BENCH_GO_SERVICE_BIN',
    pathNames: [],
    versionOf: goServiceBinaryVersion,
    unavailableCode: 'GO_SERVICE_UNAVAILABLE',
    async build(ctx) {
      await cp(GO_SERVICE_DIR, ctx.workDir, { recursive: true });
      for (const file of extraSources) await cp(file, path.join(ctx.workDir, extraName(file)));
      await runGo(ctx, ['build', '-trimpath', `-ldflags=-X main.version=${version}`, '-o', ctx.out, '.'], {
        cwd: ctx.workDir,
        env: { ...ctx.env, GOFLAGS: [ctx.env.GOFLAGS ?? '', '-mod=mod'].join(' ').trim() },
        code: 'GO_SERVICE_UNAVAILABLE',
        what: 'building the Go config service (clients/go) with go',
        fix: 'check that go reaches the module proxy (GOPROXY), or set CONSUL_KV_BENCH_GO_SERVICE_BIN to a prebuilt one',
      });
    },
  };
}

/**
 * Resolves a runnable Go config service for the current sources (and a user's Go files, `extraSources`), building
 * it if needed (about a minute the first time: the consul/api module and its dependencies come from the module
 * proxy; seconds after, from Go's build cache).
 * @throws {BenchError} `GO_SERVICE_UNAVAILABLE` (no Go, a broken env var, a failed build), `INTERRUPTED`.
 */
export async function resolveGoServiceBinary(
  options: ResolveOptions & { readonly extraSources?: readonly string[] } = {},
): Promise<ResolvedBinary> {
  const { extraSources = [], ...rest } = options;
  const spec = goServiceSpec(await goServiceSourceVersion(GO_SERVICE_DIR, extraSources), extraSources);
  return resolveGoBinary(spec, { ...rest, ignorePath: true });
}
