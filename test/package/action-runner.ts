/**
 * Runs a composite action's `action.yml` as a GitHub runner would, far enough to test our own: each step's `if:`
 * evaluated by GitHub's own expression library (`@actions/expressions`, with the status functions success(),
 * failure(), always(), cancelled() and the implicit `success() &&`), `${{ }}` substituted in `run:`, `env:`,
 * `with:` and `working-directory:`, `run:` steps executed with bash (`-e`, as `shell: bash` does) with the
 * runner's variables (GITHUB_OUTPUT per step, GITHUB_STEP_SUMMARY, GITHUB_BASE_REF, RUNNER_TEMP…), their outputs
 * read back into `steps.<id>.outputs`. Steps that `uses:` another action (actions/cache, upload-artifact) are not
 * run: they are recorded with their evaluated `with:`, for the test to check what they would have been given.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { execa } from 'execa';
import { parse } from 'yaml';

/** One step of a composite action, as action.yml declares it. */
export interface ActionStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Record<string, string>;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}

/** action.yml, as far as the runner below reads it. */
export interface ActionYml {
  readonly inputs: Record<string, { default?: string }>;
  readonly outputs: Record<string, { value: string }>;
  readonly runs: { readonly using: string; readonly steps: readonly ActionStep[] };
}

/** What happened to one step. */
export interface StepRecord {
  readonly name: string;
  readonly id?: string;
  /** `skipped` when its `if:` was false; `recorded` for a `uses:` step (not run). */
  readonly outcome: 'success' | 'failure' | 'skipped' | 'recorded';
  readonly uses?: string;
  /** A `uses:` step's `with:`, evaluated. */
  readonly with?: Record<string, string>;
  readonly exitCode?: number;
  readonly output?: string;
}

/** The result of running an action. */
export interface ActionRun {
  readonly steps: readonly StepRecord[];
  /** The action's outputs, evaluated from its `outputs:`. */
  readonly outputs: Record<string, string>;
  /** Whether a step failed (the job's status). */
  readonly failed: boolean;
}

/** The contexts of a run (github, runner, inputs; steps and env are filled in). */
export interface RunContext {
  readonly github: Record<string, unknown>;
  readonly runner: { os: string; arch: string; temp: string };
  /** Inputs given; the rest take action.yml's defaults (themselves expressions, evaluated). */
  readonly inputs?: Record<string, string>;
}

/** Reads an action.yml. */
export function readAction(file: string): ActionYml {
  return parse(readFileSync(file, 'utf8')) as ActionYml;
}

const STATUS = ['success', 'failure', 'always', 'cancelled'];

/** Evaluates one expression (without `${{ }}`) against `contexts`. */
function evaluate(expr: string, contexts: Record<string, unknown>, failed: boolean): data.ExpressionData {
  const tokens = new Lexer(expr).lex().tokens;
  const status = (name: string, value: () => boolean) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value()),
  });
  const functions = [
    status('success', () => !failed),
    status('failure', () => failed),
    status('always', () => true),
    status('cancelled', () => false),
  ];
  const tree = new Parser(tokens, Object.keys(contexts), functions).parse();
  const dict = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(tree, dict, new Map(functions.map((f) => [f.name, f]))).evaluate();
}

/** An expression's value as a string, as `${{ }}` puts it into text (null is ''). */
function asText(value: data.ExpressionData): string {
  return value.kind === data.Kind.Null ? '' : value.coerceString();
}

/** Substitutes every `${{ expr }}` in `text`. */
function substitute(text: string, contexts: Record<string, unknown>, failed: boolean): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => asText(evaluate(expr.trim(), contexts, failed)));
}

/** A step's `if:`: GitHub prepends `success() &&` when it calls no status function. */
function condition(expr: string | undefined, contexts: Record<string, unknown>, failed: boolean): boolean {
  const bare = (expr ?? '').replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1').trim();
  const full = bare === '' ? 'success()' : STATUS.some((f) => bare.includes(`${f}(`)) ? bare : `success() && (${bare})`;
  const v = evaluate(full, contexts, failed);
  if (v.kind === data.Kind.Null) return false;
  const s = v.coerceString();
  return !(s === 'false' || s === '' || s === '0');
}

/** Reads a GITHUB_OUTPUT file (`key=value` lines; `key<<EOF` blocks). */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]!);
      out[heredoc[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

/**
 * Runs an action's steps.
 * @param actionPath the action's folder (`github.action_path`).
 * @param workspace the job's working directory (`GITHUB_WORKSPACE`; `working-directory:` is relative to it).
 * @param env the runner's environment for every step (PATH, GITHUB_STEP_SUMMARY, …).
 * @param only run only the steps whose name starts with one of these (the others are skipped); all by default.
 * @param priorSteps outputs of steps already run (`steps.<id>.outputs`), for running a later step alone.
 */
export async function runAction(opts: {
  actionPath: string;
  workspace: string;
  context: RunContext;
  env: Record<string, string>;
  only?: readonly string[];
  priorSteps?: Record<string, { outputs: Record<string, string> }>;
}): Promise<ActionRun> {
  const action = readAction(path.join(opts.actionPath, 'action.yml'));
  const base = {
    github: { ...opts.context.github, action_path: opts.actionPath, workspace: opts.workspace },
    runner: opts.context.runner,
  };
  const inputs: Record<string, string> = {};
  for (const [name, def] of Object.entries(action.inputs)) {
    inputs[name] = opts.context.inputs?.[name] ?? substitute(def.default ?? '', base, false);
  }
  const steps: Record<string, { outputs: Record<string, string>; outcome?: string }> = { ...opts.priorSteps };
  const records: StepRecord[] = [];
  let failed = false;
  const scratch = path.join(opts.context.runner.temp, '_runner');
  mkdirSync(scratch, { recursive: true });
  for (const [index, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.uses ?? `step ${index + 1}`;
    const contexts = { ...base, inputs, steps, env: opts.env };
    const chosen = !opts.only || opts.only.some((p) => name.startsWith(p));
    if (!chosen || !condition(step.if, contexts, failed)) {
      records.push({ name, ...(step.id ? { id: step.id } : {}), outcome: 'skipped' });
      if (step.id) steps[step.id] = { outputs: steps[step.id]?.outputs ?? {}, outcome: 'skipped' };
      continue;
    }
    if (step.uses) {
      const w = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(String(v), contexts, failed)]),
      );
      records.push({ name, uses: step.uses, with: w, outcome: 'recorded' });
      continue;
    }
    const outputFile = path.join(scratch, `output-${index}`);
    writeFileSync(outputFile, '');
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), contexts, failed)]),
    );
    const cwd = path.resolve(opts.workspace, substitute(step['working-directory'] ?? '.', contexts, failed));
    const script = substitute(step.run ?? '', contexts, failed);
    const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env: { ...opts.env, ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_WORKSPACE: opts.workspace },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 15 * 60_000,
    });
    const outputs = readOutputs(outputFile);
    const ok = r.exitCode === 0;
    if (!ok) failed = true;
    if (step.id) steps[step.id] = { outputs, outcome: ok ? 'success' : 'failure' };
    records.push({
      name,
      ...(step.id ? { id: step.id } : {}),
      outcome: ok ? 'success' : 'failure',
      exitCode: r.exitCode ?? -1,
      output: r.all ?? '',
    });
    appendFileSync(path.join(scratch, 'log'), `## ${name}\n${r.all ?? ''}\n`);
  }
  const contexts = { ...base, inputs, steps, env: opts.env };
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([k, v]) => [k, substitute(v.value, contexts, failed)]),
  );
  return { steps: records, outputs, failed };
}
