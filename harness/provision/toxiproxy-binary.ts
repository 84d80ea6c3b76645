/**
 * The Toxiproxy server the fault scenarios run: `TOXIPROXY_BIN`, else `toxiproxy-server` on `PATH`, else the
 * user cache, else the release's `toxiproxy-server-<os>-<arch>` (checked against its `checksums.txt`), else built
 * once with `go install github.com/Shopify/toxiproxy/v2/cmd/server@v<version>` (no
 * replace directives, so a plain install works; the binary it makes is named `server`).
 *
 * @module
 */
import path from 'node:path';
import { execa } from 'execa';
import { BenchError } from '../errors.ts';
import { type GoBinarySpec, type ResolvedBinary, type ResolveOptions, resolveGoBinary, runGo } from './go-binary.ts';

/** The Toxiproxy version the harness pins. */
export const TOXIPROXY_VERSION = '2.12.0';

/** Reads `toxiproxy-server -version`. @throws {BenchError} `TOXIPROXY_UNAVAILABLE`. */
export async function toxiproxyBinaryVersion(bin: string): Promise<string> {
  try {
    const { stdout, stderr } = await execa(bin, ['-version'], { timeout: 15_000, reject: false });
    const m = /(\d+\.\d+\.\d+\S*)/.exec(`${stdout}\n${stderr}`);
    if (!m?.[1]) throw new Error(`unexpected output: ${stdout || stderr}`);
    return m[1].replace(/^v/, '');
  } catch (err) {
    throw new BenchError(
      'TOXIPROXY_UNAVAILABLE',
      `${bin} is not a working toxiproxy-server (${(err as Error).message.split('\n')[0]}): point TOXIPROXY_BIN at one, or unset it`,
      { cause: err },
    );
  }
}

/** How Toxiproxy is found and built. */
export const TOXIPROXY_BINARY: GoBinarySpec = {
  name: 'toxiproxy-server',
  version: TOXIPROXY_VERSION,
  envVar: 'TOXIPROXY_BIN',
  pathNames: ['toxiproxy-server'],
  versionOf: toxiproxyBinaryVersion,
  unavailableCode: 'TOXIPROXY_UNAVAILABLE',
  release: {
    baseUrl: (v) => `https://github.com/Shopify/toxiproxy/releases/download/v${v}/`,
    asset: (_v, p) => `toxiproxy-server-${p.os}-${p.arch}`,
    sums: () => 'checksums.txt',
    format: 'binary',
  },
  async build(ctx) {
    const gobin = path.join(ctx.workDir, 'bin');
    // go install leaves Version at its default ("git"); stamp the pinned one so reports can state it.
    const ldflags = `-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`;
    await runGo(
      ctx,
      [
        'install',
        '-trimpath',
        `-ldflags=${ldflags}`,
        `github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`,
      ],
      {
        cwd: ctx.workDir,
        env: { ...ctx.env, GOBIN: gobin, GOFLAGS: '' },
        code: 'TOXIPROXY_UNAVAILABLE',
        what: `building toxiproxy-server v${TOXIPROXY_VERSION} with go`,
        fix: 'set TOXIPROXY_BIN to a prebuilt toxiproxy-server',
      },
    );
    const { rename } = await import('node:fs/promises');
    await rename(path.join(gobin, 'server'), ctx.out);
  },
};

/**
 * Resolves a runnable `toxiproxy-server`, building it if needed.
 * @throws {BenchError} `TOXIPROXY_UNAVAILABLE`, `INTERRUPTED`.
 */
export function resolveToxiproxyBinary(options: ResolveOptions = {}): Promise<ResolvedBinary> {
  return resolveGoBinary(TOXIPROXY_BINARY, options);
}
