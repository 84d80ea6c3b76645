/**
 * The leak test `init` writes, in the idiom of the repository's own test runner, under a script of its own
 * (`npm run test:consul`) and a file name no runner's default pattern picks up (`*.consul.mts`: vitest and jest take
 * `*.test.*`/`*.spec.*`, `node --test` those and `test-*`/`*-test`/`*_test` names), so the user's `npm test` is
 * untouched unless they add it. The test skips with a one-line reason where no Consul can be had
 * (`consulUnavailableReason`), and imports the client through a URL, so a typical `tsconfig` (NodeNext, without
 * `allowImportingTsExtensions`) type-checks it.
 *
 * - `vitest` (a `vitest` dependency): a vitest test, run with a config of its own that includes only it;
 * - `node` (no known runner): a `node:test` test, run with `node --test`;
 * - `jest`: the `node:test` test too. Jest cannot load `consul-kv-bench/testing` (ESM only) without
 *   `--experimental-vm-modules`, nor a `.ts` client without a transform the project may not have, so the leak test
 *   runs on Node's own runner beside the user's jest suite.
 *
 * @module
 */

/** The test runners `init` knows. */
export const RUNNERS = ['vitest', 'jest', 'node'] as const;
/** One test runner. */
export type Runner = (typeof RUNNERS)[number];

/** The npm script `init` adds for the leak test. */
export const LEAK_SCRIPT = 'test:consul';

/** A package.json as far as detection reads it. */
interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly scripts?: Record<string, string>;
}

/** The repository's test runner: a `vitest` or `jest` dependency, else the `test` script's command, else `node`. */
export function detectRunner(pkg: PackageJson | undefined): Runner {
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  if ('vitest' in deps) return 'vitest';
  if ('jest' in deps) return 'jest';
  const test = pkg?.scripts?.test ?? '';
  if (/\bvitest\b/.test(test)) return 'vitest';
  if (/\bjest\b/.test(test)) return 'jest';
  return 'node';
}

/** The files of the leak test for a runner and language. */
export function leakFiles(runner: Runner, typed: boolean): { test: string; config?: string } {
  const test = `consul-kv-bench/client-leaks.consul.${typed ? 'mts' : 'mjs'}`;
  return runner === 'vitest'
    ? { test, config: `consul-kv-bench/vitest.consul.config.${typed ? 'mts' : 'mjs'}` }
    : { test };
}

/** The `test:consul` script for a runner. */
export function leakScript(runner: Runner, typed: boolean): string {
  const files = leakFiles(runner, typed);
  return runner === 'vitest' ? `vitest run --config ${files.config}` : `node --test ${files.test}`;
}

/** The leak test's source. */
export function leakTestSource(runner: Runner, typed: boolean, clientFile: string): string {
  const t = (s: string): string => (typed ? s : '');
  const client = `./${clientFile.split('/').pop()}`;
  const vitest = runner === 'vitest';
  const head = `// A leak test of your client in the spirit of goleak: run it under a real network stall (Toxiproxy in front of a
// real Consul the harness starts), then assert nothing is left pending or in flight. Not part of \`npm test\`:
// run it with \`npm run ${LEAK_SCRIPT}\` (${leakScript(runner, typed)}). It skips, saying why, where no Consul
// binary can be had; \`npx consul-kv-bench provision\` gets one.${runner === 'jest' ? '\n// On node:test, not jest: jest loads neither consul-kv-bench/testing (ESM only) nor a .ts client without a transform.' : ''}
`;
  const imports = vitest ? `import { it } from 'vitest';\n` : `import { test } from 'node:test';\n`;
  const testing = `import { assertNoLeaks, consulUnavailableReason${t(', type KvClientFactory')} } from 'consul-kv-bench/testing';\n`;
  const body = `  // imported through a URL, so a tsconfig without allowImportingTsExtensions type-checks this file
  const { default: createClient } = (await import(new URL('${client}', import.meta.url).href))${t(' as {\n    default: KvClientFactory;\n  }')};
  await assertNoLeaks(createClient, { clientOptions: { requestTimeoutMs: 500 } });
`;
  const name = 'the Consul client leaves nothing behind a network stall';
  const declare = vitest
    ? `it.skipIf(skip !== undefined)('${name}', { timeout: 180_000 }, async () => {\n${body}});\n`
    : `test('${name}', { timeout: 180_000, skip: skip ?? false }, async () => {\n${body}});\n`;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the generated test's own template literal
  const warn = 'if (skip) console.warn(`consul-kv-bench: leak test skipped: ${skip}`);\n';
  return `${head}${imports}${testing}
const skip = await consulUnavailableReason();
${vitest ? warn : ''}
${declare}`;
}

/** The vitest config of the leak test: this folder's `*.consul.*` files only, nothing of the user's own config. */
export function vitestConfigSource(): string {
  return `// The leak test's own vitest config (npm run ${LEAK_SCRIPT}): only this folder's *.consul.* files.
import { defineConfig } from 'vitest/config';

// (npm runs scripts from the package's root, which the include is relative to)
export default defineConfig({
  test: { include: ['consul-kv-bench/*.consul.{mts,mjs}'], testTimeout: 180_000 },
});
`;
}
