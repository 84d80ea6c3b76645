/**
 * Consul as users run it, with ACLs enforced (default deny): the harness starts its own Consul with ACLs on
 * (`run --acl`), creates a token per scenario limited to reading its key prefix, and every client reads with it.
 * Tokens never appear in any process's argv, in the run's output, or in its reports (JSON, markdown, HTML).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createScopedToken, deleteScopedToken } from '../../harness/consul/consul-acl.ts';
import { startConsul } from '../../harness/consul/consul-server.ts';
import { ROOT } from '../helpers.ts';

const status = async (url: string, token?: string, method = 'GET'): Promise<number> => {
  const res = await fetch(url, {
    method,
    headers: token ? { 'x-consul-token': token } : {},
    ...(method === 'PUT' ? { body: 'x' } : {}),
  });
  await res.body?.cancel();
  return res.status;
};

/** Every file under `dir`, recursively. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

/** The command lines of every process now (NUL-separated argv joined with spaces). */
function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // gone
    }
  }
  return out;
}

describe('Consul with ACLs enforced', () => {
  it('the management token writes; a scoped token reads its prefix only; no token reads nothing', async () => {
    const consul = await startConsul({ backend: 'local', acl: true, httpMaxConnsPerClient: 200 });
    try {
      expect(consul.acl).toBe(true);
      expect(consul.token).toMatch(/^[0-9a-f-]{36}$/);
      const kv = (k: string) => `${consul.httpUrl}/v1/kv/${k}`;
      expect(await status(kv('mine/a'), consul.token, 'PUT')).toBe(200);
      expect(await status(kv('other/b'), consul.token, 'PUT')).toBe(200);
      expect(await status(kv('mine/a'))).toBe(403); // default deny
      const scoped = await createScopedToken(consul, 'mine/', 'test');
      expect(await status(kv('mine/a'), scoped.secretId)).toBe(200);
      expect(await status(`${kv('mine/')}?recurse`, scoped.secretId)).toBe(200);
      expect(await status(kv('other/b'), scoped.secretId)).toBe(403);
      expect(await status(kv('mine/a'), scoped.secretId, 'PUT')).toBe(403);
      await deleteScopedToken(consul, scoped);
      expect(await status(kv('mine/a'), scoped.secretId)).toBe(403);
      // The management token is in no process's argv (it is in a 0600 file).
      expect(commandLines().filter((c) => c.includes(consul.token!))).toEqual([]);
    } finally {
      await consul.stop();
    }
  });

  it('run --acl: every client reads with its scoped token, and no token shows in argv, output or reports', {
    timeout: 5 * 60_000,
  }, async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'ckb-acl-'));
    const startedAt = Date.now();
    const child = execa(
      process.execPath,
      [
        path.join(ROOT, 'harness/bin.ts'),
        'run',
        'light',
        '--quick',
        // 1 s a row at a modest open-model rate: what is asserted is who read with which token, not how fast. In
        // the closed model beside the other `waiting` files, naive-fetch once answered no read in its second
        '--duration',
        '1',
        '--rate',
        '200',
        '--acl',
        '--consul',
        'local',
        '--clients',
        'pooled,watch-cached,consul-npm,naive-fetch,consul-direct',
        '--client',
        path.join(ROOT, 'test/fixtures/clients/fetch-abort-timeout.ts'),
        '--out',
        out,
      ],
      { cwd: ROOT, reject: false, all: true },
    );
    // While it runs: find the ACL file it made (0600, for the agent) for the management token, list the tokens it
    // creates, and watch every process's argv.
    const secrets = new Set<string>();
    const argvSeen = new Set<string>();
    const aclDirs = new Set<string>();
    let output = '';
    child.all?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    let done = false;
    void child.finally(() => {
      done = true;
    });
    while (!done) {
      for (const c of commandLines()) argvSeen.add(c);
      let management: string | undefined;
      for (const d of readdirSync(os.tmpdir()).filter((e) => e.startsWith('consul-kv-bench-acl-'))) {
        const dir = path.join(os.tmpdir(), d);
        try {
          if ((await stat(dir)).mtimeMs < startedAt - 1000) continue;
          const file = path.join(dir, 'acl.hcl');
          expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
          management = /initial_management = "([^"]+)"/.exec(await readFile(file, 'utf8'))?.[1];
          if (management) secrets.add(management);
          aclDirs.add(dir);
        } catch {
          // not there yet, or gone
        }
      }
      const consulUrl = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (management && consulUrl) {
        try {
          const list = (await (
            await fetch(`${consulUrl}/v1/acl/tokens`, { headers: { 'x-consul-token': management } })
          ).json()) as Array<{ AccessorID: string; Description: string }>;
          for (const t of list.filter((x) => x.Description.startsWith('consul-kv-bench'))) {
            const token = (await (
              await fetch(`${consulUrl}/v1/acl/token/${t.AccessorID}`, { headers: { 'x-consul-token': management } })
            ).json()) as { SecretID: string };
            secrets.add(token.SecretID);
          }
        } catch {
          // Consul is stopping
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await child;
    expect(r.exitCode, r.all).toBe(0);
    // The management token and at least the scenario's scoped token were seen, so the grep below is not vacuous.
    expect(secrets.size, 'the run made its ACL file and a scoped token').toBeGreaterThanOrEqual(2);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
      scenarios: Array<{ results: Array<{ client: string; ok: number; errors: { total: number } }> }>;
    };
    const rows = report.scenarios[0]!.results;
    expect(rows.map((x) => x.client).sort()).toEqual(
      ['consul-direct', 'consul-npm', 'fetch-abort-timeout', 'naive-fetch', 'pooled', 'watch-cached'].sort(),
    );
    for (const row of rows) {
      expect(row.ok, row.client).toBeGreaterThan(0);
      expect(row.errors.total, row.client).toBe(0);
    }
    const texts = [r.all ?? '', ...argvSeen];
    for (const f of await files(out)) texts.push(await readFile(f, 'latin1'));
    for (const secret of secrets) expect(texts.filter((t) => t.includes(secret)).length, 'a token leaked').toBe(0);
    // The ACL folder is gone with Consul.
    for (const dir of aclDirs) await expect(stat(dir)).rejects.toThrow();
  });
});
