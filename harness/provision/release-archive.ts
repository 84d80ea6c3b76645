/**
 * Official release archives: the binary a project publishes for this machine's OS and architecture, checked
 * against the project's published SHA-256 sums before anything is written to the cache. Consul's are
 * `releases.hashicorp.com/consul/<v>/consul_<v>_<os>_<arch>.zip` with `consul_<v>_SHA256SUMS` (HashiCorp's layout;
 * its GPG signature over the sums is not checked here); Toxiproxy's are the bare binaries
 * `toxiproxy-server-<os>-<arch>` of its GitHub release with `checksums.txt` (its goreleaser layout).
 *
 * A mirror (`CONSUL_KV_BENCH_MIRROR`, for air-gapped machines) serves the same files as
 * `<mirror>/<name>/<version>/<file>`, e.g. `https://mirror.internal/ckb/consul/1.22.7/consul_1.22.7_linux_amd64.zip`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { BenchError } from '../errors.ts';

/** Where a release's files are and what they are. */
export interface ReleaseSpec {
  /** The official base URL of one version's files, ending in `/`. */
  readonly baseUrl: (version: string) => string;
  /** The file for an OS and architecture (Go's names: `linux`, `darwin`; `amd64`, `arm64`). */
  readonly asset: (version: string, platform: GoPlatform) => string;
  /** The file of SHA-256 sums (`<hex>  <file>` lines). */
  readonly sums: (version: string) => string;
  /** `zip`: the binary is the archive's member `member`; `binary`: the asset is the binary. */
  readonly format: 'zip' | 'binary';
  readonly member?: string;
}

/** An OS and architecture in Go's names. */
export interface GoPlatform {
  readonly os: string;
  readonly arch: string;
}

const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };

/** This machine's OS and architecture in Go's names (`process.platform` is Go's GOOS but for `win32`). */
export function goPlatform(platform: string = process.platform, arch: string = process.arch): GoPlatform {
  return { os: platform === 'win32' ? 'windows' : platform, arch: GO_ARCH[arch] ?? arch };
}

/** The mirror's base URL from `CONSUL_KV_BENCH_MIRROR`, without a trailing `/`; undefined when unset. */
export function mirrorOf(env: NodeJS.ProcessEnv): string | undefined {
  const m = env.CONSUL_KV_BENCH_MIRROR?.trim();
  return m ? m.replace(/\/+$/, '') : undefined;
}

/** Where a download failed: `unreachable` (network, HTTP status, timeout) may fall back to a build; `checksum` never. */
export class ReleaseDownloadError extends Error {
  readonly kind: 'unreachable' | 'checksum';
  constructor(kind: 'unreachable' | 'checksum', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReleaseDownloadError';
    this.kind = kind;
  }
}

async function get(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Buffer> {
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (err) {
    throw new ReleaseDownloadError('unreachable', `${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ReleaseDownloadError('unreachable', `${url}: HTTP ${res.status}`);
  }
  return Buffer.from(await res.arrayBuffer());
}

/** The SHA-256 of `file` in a sums file, lowercase hex; undefined when it is not listed. */
export function sumOf(sums: string, file: string): string | undefined {
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line);
    if (m && m[2] === file) return m[1]!.toLowerCase();
  }
  return undefined;
}

/**
 * Downloads `name` `version` for `platform` into `target` (written beside it, then renamed, mode 755), after its
 * SHA-256 matched the published sums.
 * @param timeoutMs per request. Default 60 000 (the sums) and 10 min (the archive).
 * @throws {ReleaseDownloadError} `unreachable` (fetch failed, a non-2xx status, no entry in the sums, an archive
 *   without the member) or `checksum` (the file's SHA-256 is not the published one: nothing is written).
 */
export async function downloadRelease(
  spec: ReleaseSpec,
  name: string,
  version: string,
  target: string,
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly platform?: GoPlatform;
    readonly progress?: (line: string) => void;
    readonly signal?: AbortSignal | undefined;
    readonly timeoutMs?: number;
  } = {},
): Promise<{ url: string; sha256: string }> {
  const platform = options.platform ?? goPlatform();
  const mirror = mirrorOf(options.env ?? process.env);
  const base = mirror ? `${mirror}/${name}/${version}/` : spec.baseUrl(version);
  const asset = spec.asset(version, platform);
  const url = `${base}${asset}`;
  options.progress?.(`downloading ${name} v${version} for ${platform.os}/${platform.arch}: ${url}`);
  const sums = (await get(`${base}${spec.sums(version)}`, options.timeoutMs ?? 60_000, options.signal)).toString();
  const want = sumOf(sums, asset);
  if (!want) throw new ReleaseDownloadError('unreachable', `${base}${spec.sums(version)} lists no ${asset}`);
  const body = await get(url, options.timeoutMs ?? 10 * 60_000, options.signal);
  const got = createHash('sha256').update(body).digest('hex');
  if (got !== want) {
    throw new ReleaseDownloadError(
      'checksum',
      `${url}: SHA-256 ${got} is not the published ${want}: the file was altered or cut short; nothing was installed`,
    );
  }
  let binary: Uint8Array = body;
  if (spec.format === 'zip') {
    const files = unzipSync(body, { filter: (f) => f.name === spec.member });
    const member = files[spec.member ?? ''];
    if (!member) throw new ReleaseDownloadError('unreachable', `${url} holds no ${spec.member}`);
    binary = member;
  }
  const tmp = `${target}.download`;
  await writeFile(tmp, binary);
  await chmod(tmp, 0o755);
  await rename(tmp, target);
  return { url, sha256: got };
}

/**
 * A checksum failure as the harness reports it: `CHECKSUM_MISMATCH` (exit 1: the download, not the user's input,
 * is at fault), never built around.
 */
export function checksumError(err: ReleaseDownloadError, envVar: string): BenchError {
  return new BenchError(
    'CHECKSUM_MISMATCH',
    `${err.message}: check the mirror (CONSUL_KV_BENCH_MIRROR) or the network, or set ${envVar} to a binary you trust`,
    { cause: err },
  );
}
