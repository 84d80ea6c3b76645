/**
 * Official release archives first, Go as the fallback (harness/provision/go-binary.ts, release-archive.ts), against
 * a mirror this test serves on loopback (`CONSUL_KV_BENCH_MIRROR`) in the releases' own layouts: Consul's zip of
 * the real `consul` binary (the one provisioning cached) with its `SHA256SUMS`, Toxiproxy's bare binary with its
 * `checksums.txt`. A download is checked and cached by version, OS and architecture; a wrong sum is refused with
 * nothing cached and no build; a mirror without the file falls back to the build.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../harness/errors.ts';
import { CONSUL_BINARY, CONSUL_VERSION, resolveConsulBinary } from '../../harness/provision/consul-binary.ts';
import { type GoBinarySpec, resolveGoBinary } from '../../harness/provision/go-binary.ts';
import { goPlatform, sumOf } from '../../harness/provision/release-archive.ts';
import { resolveToxiproxyBinary, TOXIPROXY_VERSION } from '../../harness/provision/toxiproxy-binary.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: Server;
let mirror: string;
/** Path → body the mirror serves; anything else is a 404. */
const files = new Map<string, Uint8Array>();
const served: string[] = [];

beforeAll(async () => {
  const p = goPlatform();
  const consul = await readFile((await resolveConsulBinary()).path);
  const toxiproxy = await readFile((await resolveToxiproxyBinary()).path);
  // stored, not deflated: the real binary, zipped as HashiCorp ships it, in a second
  const zip = zipSync({ consul: [consul, { level: 0 }], 'LICENSE.txt': new TextEncoder().encode('MPL-2.0\n') });
  const zipName = `consul_${CONSUL_VERSION}_${p.os}_${p.arch}.zip`;
  files.set(`/consul/${CONSUL_VERSION}/${zipName}`, zip);
  files.set(`/consul/${CONSUL_VERSION}/consul_${CONSUL_VERSION}_SHA256SUMS`, Buffer.from(`${sha(zip)}  ${zipName}\n`));
  const toxName = `toxiproxy-server-${p.os}-${p.arch}`;
  files.set(`/toxiproxy-server/${TOXIPROXY_VERSION}/${toxName}`, toxiproxy);
  files.set(
    `/toxiproxy-server/${TOXIPROXY_VERSION}/checksums.txt`,
    Buffer.from(`${'0'.repeat(64)}  toxiproxy-cli-${p.os}-${p.arch}\n${sha(toxiproxy)}  ${toxName}\n`),
  );
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 120_000);

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** An environment with an empty cache and no binaries on PATH: only the download (or a build) can provide one. */
async function freshEnv(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    HOME: process.env.HOME,
    PATH: '/usr/bin:/bin',
    XDG_CACHE_HOME: await mkdtemp(path.join(os.tmpdir(), 'ckb-cache-')),
    CONSUL_KV_BENCH_MIRROR: mirror,
    ...extra,
  };
}

describe('provisioning from release archives', () => {
  it('downloads Consul and Toxiproxy from the mirror, checks their SHA-256 and caches them by version, OS and arch', async () => {
    const env = await freshEnv();
    const lines: string[] = [];
    const consul = await resolveConsulBinary({ env, ignorePath: true, onProgress: (l) => lines.push(l) });
    expect(consul.source).toBe('downloaded');
    expect(consul.version).toBe(CONSUL_VERSION);
    const p = goPlatform();
    expect(consul.path).toBe(
      path.join(env.XDG_CACHE_HOME!, 'consul-kv-bench', 'consul', `v${CONSUL_VERSION}`, `${p.os}-${p.arch}`, 'consul'),
    );
    expect(lines.join('\n')).toMatch(/SHA-256 matches the published sums/);
    const toxiproxy = await resolveToxiproxyBinary({ env, ignorePath: true });
    expect(toxiproxy.source).toBe('downloaded');
    expect(toxiproxy.version).toBe(TOXIPROXY_VERSION);
    // a second resolve is the cache, with no request
    const before = served.length;
    expect((await resolveConsulBinary({ env, ignorePath: true })).source).toBe('cache');
    expect(served.length).toBe(before);
  });

  it('refuses a file whose SHA-256 is not the published one: nothing cached, no build', async () => {
    const env = await freshEnv({ GOROOT: '/nonexistent' });
    const p = goPlatform();
    const sumsPath = `/consul/${CONSUL_VERSION}/consul_${CONSUL_VERSION}_SHA256SUMS`;
    const good = files.get(sumsPath)!;
    const zipName = `consul_${CONSUL_VERSION}_${p.os}_${p.arch}.zip`;
    expect(sumOf(Buffer.from(good).toString(), zipName)).toMatch(/^[0-9a-f]{64}$/);
    files.set(sumsPath, Buffer.from(`${'ab'.repeat(32)}  ${zipName}\n`));
    try {
      const err = await resolveConsulBinary({ env, ignorePath: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe('CHECKSUM_MISMATCH');
      expect((err as BenchError).message).toMatch(/is not the published abab/);
      expect(
        existsSync(
          path.join(
            env.XDG_CACHE_HOME!,
            'consul-kv-bench',
            'consul',
            `v${CONSUL_VERSION}`,
            `${p.os}-${p.arch}`,
            'consul',
          ),
        ),
      ).toBe(false);
    } finally {
      files.set(sumsPath, good);
    }
  });

  it('falls back to the Go build where the mirror has no such release', async () => {
    const env = await freshEnv();
    let built = 0;
    // a spec with a release the mirror does not hold, and a build that writes a working binary (no Go needed)
    const spec: GoBinarySpec = {
      ...CONSUL_BINARY,
      name: 'consul',
      version: '9.9.9',
      versionOf: async () => '9.9.9',
      async build(ctx) {
        built++;
        await writeFile(ctx.out, '#!/bin/sh\necho "Consul v9.9.9"\n');
      },
    };
    const lines: string[] = [];
    // the build needs a `go` to be found (this project's machines have one: the Go rows need it)
    const r = await resolveGoBinary(spec, { env, ignorePath: true, onProgress: (l) => lines.push(l) });
    expect(r.source).toBe('built');
    expect(built).toBe(1);
    expect(lines.join('\n')).toMatch(/no release download \(.*HTTP 404\): building consul from source instead/);
    expect(served.some((u) => u.startsWith('/consul/9.9.9/'))).toBe(true);
  });
});
