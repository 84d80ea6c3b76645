/**
 * action.yml itself, executed as a GitHub runner would (test/package/action-runner.ts: GitHub's expression library
 * for `if:` and `${{ }}`, bash for `run:` steps, `uses:` steps recorded with what they would be given), on a
 * repository laid out as users have it: a shallow clone (`fetch-depth: 1`, as actions/checkout makes), the project
 * in a folder of it (the `working-directory` input), `GITHUB_BASE_REF` naming the base branch. `gh` is a script
 * that records its calls and plays GitHub's comments API (a list, a create, an update, or a 403).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { budgetsTemplate, clientTemplate, INIT_FILES } from '../../harness/init/templates.ts';
import { COMMENT_MARKER } from '../../harness/pr-check/pr-check.ts';
import type { Report } from '../../harness/report/report-schema.ts';
import { runsOf } from '../../harness/results/merge.ts';
import { ensureBuilt, ROOT } from '../helpers.ts';
import { type ActionRun, type RunContext, runAction } from './action-runner.ts';

/** The template's budgets without the fault scenario (light only, to stay short). */
const lightBudgets = (): string => budgetsTemplate().replace(/\n {2}network-stall:[\s\S]*$/, '\n');

/** A `gh` that logs its arguments and answers the comments API from a folder of state. */
const FAKE_GH = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$GH_STATE/calls"
if [ -f "$GH_STATE/deny" ]; then echo "HTTP 403: Resource not accessible by integration" >&2; exit 1; fi
case "$*" in
  *"--method POST"*) echo 101 > "$GH_STATE/comment-id"; echo '{"id":101}' ;;
  *"--method PATCH"*) echo '{}' ;;
  *) [ -f "$GH_STATE/comment-id" ] && cat "$GH_STATE/comment-id"; true ;;
esac
`;

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  return r.stdout;
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const abs = path.join(dir, name);
    const rel = path.join(prefix, name);
    return statSync(abs).isDirectory() ? filesUnder(abs, rel) : [rel];
  });
}

let root: string;
let workspace: string;
let ghState: string;
let env: Record<string, string>;
const PROJECT = 'services/config-reader';

function context(inputs: Record<string, string>, pr: { headRepo?: string } = {}): RunContext {
  return {
    github: {
      event_name: 'pull_request',
      repository: 'acme/app',
      base_ref: 'main',
      ref_name: '7/merge',
      run_id: '1',
      token: 'token',
      event: {
        pull_request: { number: 7, head: { repo: { full_name: pr.headRepo ?? 'acme/app' } } },
        repository: { default_branch: 'main' },
      },
    },
    runner: { os: 'Linux', arch: 'X64', temp: path.join(root, 'runner-temp') },
    inputs,
  };
}

const INPUTS = {
  'working-directory': PROJECT,
  scenarios: 'light',
  rounds: '1',
  repeat: '1',
  duration: '1s',
  history: 'false',
};

beforeAll(async () => {
  await ensureBuilt();
  root = await mkdtemp(path.join(os.tmpdir(), 'ckb-action-yml-'));
  // the user's repository: main, and a pull request branch that changes a README only
  const origin = path.join(root, 'origin');
  await mkdir(path.join(origin, PROJECT, 'consul-kv-bench'), { recursive: true });
  await writeFile(path.join(origin, PROJECT, INIT_FILES.client), clientTemplate(true));
  await writeFile(path.join(origin, PROJECT, INIT_FILES.budgets), lightBudgets());
  await git(origin, 'init', '-q', '-b', 'main');
  await git(origin, 'add', '-A');
  await git(origin, 'commit', '-q', '-m', 'main');
  await git(origin, 'checkout', '-q', '-b', 'pr');
  await writeFile(path.join(origin, 'README.md'), 'a change\n');
  await git(origin, 'add', '-A');
  await git(origin, 'commit', '-q', '-m', 'pr');
  // actions/checkout with fetch-depth 1: one commit, the base branch not fetched
  workspace = path.join(root, 'workspace');
  await git(root, 'clone', '-q', '--depth', '1', '--branch', 'pr', `file://${origin}`, workspace);
  ghState = path.join(root, 'gh');
  const bin = path.join(root, 'bin');
  await mkdir(ghState, { recursive: true });
  await mkdir(bin, { recursive: true });
  await writeFile(path.join(bin, 'gh'), FAKE_GH);
  await chmod(path.join(bin, 'gh'), 0o755);
  await mkdir(path.join(root, 'runner-temp'), { recursive: true });
  env = {
    PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`,
    HOME: process.env.HOME ?? os.homedir(),
    GH_STATE: ghState,
    GITHUB_BASE_REF: 'main',
    GITHUB_STEP_SUMMARY: path.join(root, 'summary.md'),
    RUNNER_TEMP: path.join(root, 'runner-temp'),
    CI: 'true',
  };
}, 120_000);

describe('action.yml executed as a runner would', () => {
  let run: ActionRun;

  it('a pull request from a shallow clone, in a folder of the repository: measured, passed, outputs, one comment', {
    timeout: 15 * 60_000,
  }, async () => {
    run = await runAction({ actionPath: ROOT, workspace, context: context(INPUTS), env });
    const check = run.steps.find((s) => s.id === 'check')!;
    expect(check.outcome, check.output).toBe('success');
    expect(run.failed).toBe(false);
    expect(run.outputs.passed).toBe('true');
    const out = run.outputs.out!;
    expect(run.outputs['head-report']).toBe(path.join(out, 'head', 'report.json'));
    expect(run.outputs['base-report']).toBe(path.join(out, 'base', 'report.json'));
    expect(existsSync(run.outputs.junit!)).toBe(true);
    // the duration input, with its unit, reached every run: about 1 s a row
    const head = JSON.parse(await readFile(run.outputs['head-report']!, 'utf8')) as Report;
    const runs = head.scenarios[0]!.results.flatMap((r) => runsOf(r));
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(r.durationMs).toBeLessThan(1500);
    // the binaries' cache key names the architecture; the artifact is the output folder, reports only
    const cache = run.steps.find((s) => s.uses?.startsWith('actions/cache@'))!;
    expect(cache.with!.key).toMatch(/^consul-kv-bench-bin-Linux-X64-/);
    const upload = run.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with!.path).toBe(`${out}/`);
    const files = filesUnder(out);
    expect(files.filter((f) => f.includes('node_modules') || f.includes('.git'))).toEqual([]);
    expect(
      files.every((f) => /\.(json|md|html|xml|jsonl|svg|txt|log)$|^pull-request$/.test(f)),
      files.join(', '),
    ).toBe(true);
    expect((await readFile(path.join(out, 'pull-request'), 'utf8')).trim()).toBe('7');
    // the base worktree is gone
    expect(await git(workspace, 'worktree', 'list')).not.toMatch(/consul-kv-bench-base/);
    // one comment, created with the status
    const calls = (await readFile(path.join(ghState, 'calls'), 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c.includes('--method POST'))).toHaveLength(1);
    const comment = await readFile(run.outputs.out! + '/comment.md', 'utf8');
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
    expect(comment).toMatch(/✅ pass/);
  });

  it('the next run updates the same comment; a fork or a read-only token skips it with a note', async () => {
    const priorSteps = { check: { outputs: { comment: path.join(run.outputs.out!, 'comment.md') } } };
    const again = await runAction({
      actionPath: ROOT,
      workspace,
      context: context(INPUTS),
      env,
      only: ['Comment'],
      priorSteps,
    });
    expect(again.failed).toBe(false);
    const calls = (await readFile(path.join(ghState, 'calls'), 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c.includes('--method PATCH repos/acme/app/issues/comments/101'))).toHaveLength(1);
    expect(calls.filter((c) => c.includes('--method POST'))).toHaveLength(1);

    const fork = await runAction({
      actionPath: ROOT,
      workspace,
      context: context(INPUTS, { headRepo: 'someone/app' }),
      env,
      only: ['Comment'],
      priorSteps,
    });
    expect(fork.failed).toBe(false);
    expect((await readFile(path.join(ghState, 'calls'), 'utf8')).trim().split('\n')).toHaveLength(calls.length);
    expect(await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8')).toMatch(/comes from a fork \(someone\/app\)/);

    await writeFile(path.join(ghState, 'deny'), '');
    const denied = await runAction({
      actionPath: ROOT,
      workspace,
      context: context(INPUTS),
      env,
      only: ['Comment'],
      priorSteps,
    });
    expect(denied.failed).toBe(false);
    expect(await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8')).toMatch(/403: Resource not accessible/);
  });

  it('an early failure keeps the output folder as the artifact, not all of RUNNER_TEMP', async () => {
    const failed = await runAction({
      actionPath: ROOT,
      workspace,
      context: context({ ...INPUTS, client: 'consul-kv-bench/missing.ts' }),
      env,
    });
    const check = failed.steps.find((s) => s.id === 'check')!;
    expect(check.outcome).toBe('failure');
    expect(check.output).toMatch(/--client consul-kv-bench\/missing\.ts: not in the head checkout/);
    expect(failed.outputs.out).not.toBe('');
    expect(failed.outputs.passed).toBe('false');
    // no comment from an earlier run's folder: the check wrote none
    expect(failed.steps.find((s) => s.name.startsWith('Comment'))?.outcome).toBe('skipped');
    const upload = failed.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.outcome).toBe('recorded');
    expect(upload.with!.path).toBe(`${failed.outputs.out}/`);
    expect(upload.with!.path).not.toBe(`${env.RUNNER_TEMP}/`);
  });
});
