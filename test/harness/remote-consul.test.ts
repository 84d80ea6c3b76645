/**
 * A Consul off loopback, as a team's cluster is: the test creates a network namespace of its own with a veth pair
 * (10.231.N.1 here, 10.231.N.2 there), runs a Consul agent in it, and points `--consul external` at it. Without
 * `--allow-remote-consul` the harness refuses (exit 2, naming the flag); with it the rows run (the load still goes
 * only to the local service, whose client reads the remote Consul); `consul-direct`, which would aim load at
 * Consul itself, is refused. Skipped, with the reason, where network namespaces cannot be made (not root, no `ip`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForLeader } from '../../harness/consul/consul-admin.ts';
import { resolveConsulBinary } from '../../harness/provision/consul-binary.ts';
import { cli } from '../helpers.ts';

const NS = `ckb-remote-${process.pid}`;
const OCTET = 1 + (process.pid % 250);
const HOST_IF = `ckbh${process.pid % 100000}`;
const NS_IF = `ckbn${process.pid % 100000}`;
const REMOTE = `10.231.${OCTET}.2`;

/** Why network namespaces cannot be made here, or undefined when they can. */
function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace';
  const probe = execaSync('ip', ['netns', 'add', `${NS}-probe`], { reject: false });
  if (probe.exitCode !== 0) return `ip netns add failed: ${probe.stderr || probe.message}`;
  execaSync('ip', ['netns', 'del', `${NS}-probe`], { reject: false });
  return undefined;
}

const skipReason = netnsUnavailable();
if (skipReason) process.stdout.write(`remote-consul tests skipped: ${skipReason}\n`);

describe.skipIf(skipReason !== undefined)('a remote Consul, in a network namespace the test made', () => {
  let consul: ReturnType<typeof execa> | undefined;
  let dataDir: string;
  const env = { CONSUL_HTTP_ADDR: `http://${REMOTE}:8500` };

  beforeAll(async () => {
    const ip = (...args: string[]) => execa('ip', args);
    await ip('netns', 'add', NS);
    await ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    await ip('link', 'set', NS_IF, 'netns', NS);
    await ip('addr', 'add', `10.231.${OCTET}.1/30`, 'dev', HOST_IF);
    await ip('link', 'set', HOST_IF, 'up');
    await ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${REMOTE}/30`, 'dev', NS_IF);
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    const bin = await resolveConsulBinary({ env: process.env });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ckb-remote-consul-'));
    consul = execa(
      'ip',
      [
        'netns',
        'exec',
        NS,
        bin.path,
        'agent',
        '-dev',
        '-bind',
        REMOTE,
        '-client',
        REMOTE,
        '-http-port',
        '8500',
        '-grpc-port',
        '-1',
        '-dns-port',
        '-1',
        '-data-dir',
        dataDir,
      ],
      { reject: false, stdin: 'ignore', buffer: false, cleanup: true },
    );
    await waitForLeader({ httpUrl: env.CONSUL_HTTP_ADDR }, { timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    consul?.kill('SIGTERM');
    await consul;
    await execa('ip', ['netns', 'del', NS], { reject: false });
    await execa('ip', ['link', 'del', HOST_IF], { reject: false });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refused without --allow-remote-consul: exit 2, one line naming the flag', async () => {
    const r = await cli(['run', 'light', '--quick', '--consul', 'external', '--clients', 'pooled'], env);
    expect(r.exitCode).toBe(2);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('consul-kv-bench:')),
    ).toHaveLength(1);
    expect(r.stderr).toMatch(/not a loopback address: add --allow-remote-consul/);
  });

  it('with --allow-remote-consul: the rows read the remote Consul; consul-direct is refused', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'ckb-remote-out-'));
    const r = await cli(
      [
        'run',
        'light',
        '--quick',
        '--consul',
        'external',
        '--allow-remote-consul',
        '--clients',
        'pooled,watch-cached',
        '--out',
        out,
      ],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
      environment: { consul: { provenance: string } };
      scenarios: Array<{ results: Array<{ client: string; ok: number; consulRequests: number | null }> }>;
    };
    expect(report.environment.consul.provenance).toContain(`${REMOTE}:8500 (remote, --allow-remote-consul)`);
    for (const row of report.scenarios[0]!.results) expect(row.ok, row.client).toBeGreaterThan(0);
    const direct = await cli(
      ['run', 'light', '--quick', '--consul', 'external', '--allow-remote-consul', '--clients', 'consul-direct'],
      env,
    );
    expect(direct.exitCode).toBe(2);
    expect(direct.stderr).toMatch(/consul-direct aims the load at Consul itself, which is remote/);
  });
});
