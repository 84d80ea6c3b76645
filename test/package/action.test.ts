/**
 * The GitHub Action's measuring step (harness/action/run-action.sh, what action.yml runs) end to end on local
 * checkouts of a user's repository made by `init`'s templates: on the default branch the head alone is recorded in
 * the history; a pull request that swaps in a client without connection reuse (node:http with `agent: false`: a TCP
 * connection, and TIME_WAIT, per read) fails its `connectionsPerRequest` budget against the base, and the comment
 * body is written with the marker the action finds its comment by and a FAIL status.
 */

import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { budgetsTemplate, clientTemplate, INIT_FILES } from '../../harness/init/templates.ts';
import { COMMENT_MARKER } from '../../harness/pr-check/pr-check.ts';
import { ensureBuilt, ROOT } from '../helpers.ts';

/** A client that opens a connection per read: lesson 1 undone. */
const NO_REUSE_CLIENT = `import http from 'node:http';
export default function createClient(options: { consulUrl: string; requestTimeoutMs?: number }) {
  const base = new URL(options.consulUrl);
  return {
    get(key: string): Promise<Uint8Array | undefined> {
      return new Promise((resolve, reject) => {
        const req = http.get(
          { host: base.hostname, port: base.port, path: '/v1/kv/' + key.split('/').map(encodeURIComponent).join('/') + '?raw', agent: false, timeout: options.requestTimeoutMs ?? 1000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => (res.statusCode === 404 ? resolve(undefined) : resolve(new Uint8Array(Buffer.concat(chunks)))));
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })));
        req.on('error', reject);
      });
    },
    async close() {},
  };
}
`;

/** The template's budgets without the fault scenario (this test measures `light` only, to stay short). */
const lightBudgets = (): string => budgetsTemplate().replace(/\n {2}network-stall:[\s\S]*$/, '\n');

async function git(dir: string, ...args: string[]): Promise<void> {
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
}

async function checkout(root: string, name: string, client: string): Promise<string> {
  const dir = path.join(root, name);
  await cp(path.join(root, 'template'), dir, { recursive: true });
  await writeFile(path.join(dir, INIT_FILES.client), client);
  await git(dir, 'init', '-q');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', name);
  return dir;
}

let root: string;

beforeAll(async () => {
  await ensureBuilt();
  root = await mkdtemp(path.join(os.tmpdir(), 'ckb-action-'));
  const template = path.join(root, 'template');
  await mkdir(path.join(template, 'consul-kv-bench'), { recursive: true });
  await writeFile(path.join(template, INIT_FILES.budgets), lightBudgets());
}, 120_000);

function runAction(base: string | undefined, head: string, out: string, extra: Record<string, string> = {}) {
  return execa('bash', [path.join(ROOT, 'harness/action/run-action.sh')], {
    cwd: head,
    reject: false,
    all: true,
    timeout: 15 * 60_000,
    env: {
      ...(base ? { CKB_BASE_DIR: base } : {}),
      CKB_HEAD_DIR: head,
      CKB_SCENARIOS: 'light',
      CKB_ROUNDS: '2',
      CKB_REPEAT: '1',
      // 1 s a row instead of light's quick 2 s (the action's `duration` input): the budgets judged hold either way
      CKB_DURATION: '1',
      CKB_OUT: out,
      GITHUB_STEP_SUMMARY: path.join(out, 'summary.md'),
      GITHUB_OUTPUT: path.join(out, 'github-output'),
      ...extra,
    },
    extendEnv: true,
  });
}

describe('the action script on two local checkouts', () => {
  it('on the default branch: the head alone, gated and appended to the history', { timeout: 15 * 60_000 }, async () => {
    // (a pull request that changes nothing, measured on both sides, is test/package/action-yml.test.ts's, through
    // action.yml itself)
    const base = await checkout(root, 'base', clientTemplate(true));
    const history = path.join(root, 'history.jsonl');
    const out = path.join(root, 'out-main');
    const recorded = await runAction(undefined, base, out, { CKB_RECORD: '1', CKB_HISTORY: history, CKB_ROUNDS: '1' });
    expect(recorded.exitCode, recorded.all).toBe(0);
    expect((await readFile(history, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(out, 'base', 'report.json'))).toBe(false);
    const outputs = await readFile(path.join(out, 'github-output'), 'utf8');
    expect(outputs).toContain(`out=${out}`);
    expect(outputs).toContain('passed=true');
    expect(await readFile(path.join(out, 'comment.md'), 'utf8')).toMatch(/✅ pass/);
    expect(await readFile(path.join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuite[^>]*failures="0"/);
  });

  it('a head without connection reuse fails connectionsPerRequest, with the comment body written', {
    timeout: 15 * 60_000,
  }, async () => {
    const base = path.join(root, 'base');
    const head = await checkout(root, 'head-no-reuse', NO_REUSE_CLIENT);
    const out = path.join(root, 'out-no-reuse');
    const r = await runAction(base, head, out, { CKB_HISTORY: path.join(root, 'history.jsonl') });
    expect(r.exitCode, r.all).toBe(1);
    expect(await readFile(path.join(out, 'github-output'), 'utf8')).toContain('passed=false');
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toMatch(/the head against the last 10 recorded runs/);
    expect(existsSync(path.join(out, 'history.html'))).toBe(true);
    const comment = await readFile(path.join(out, 'comment.md'), 'utf8');
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
    expect(comment).toMatch(/❌ FAIL/);
    expect(comment).toMatch(/✗ \| light consul-kv-client: connectionsPerRequest < 0\.05/);
    expect(comment).toMatch(/the head breaks it|regression vs baseline/);
    expect(await readFile(path.join(out, 'junit.xml'), 'utf8')).toMatch(/<failure/);
  });
});
