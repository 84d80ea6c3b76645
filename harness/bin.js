#!/usr/bin/env node
// The `consul-kv-bench` command (package.json "bin"). The harness is TypeScript run by Node's type stripping,
// which needs the project's pinned Node (the npm `node` package, installed by `npm ci`). When the Node that
// started this file is older, hand over to the pinned one; plain JavaScript here so any Node can read it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 26;
const here = path.dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major >= MIN_MAJOR) {
  const { main } = await import('./cli.ts');
  await main();
} else {
  const pinned = path.join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `consul-kv-bench: needs Node >= ${MIN_MAJOR} (this is ${process.version}): run npm ci in ${path.dirname(here)} to install the pinned Node, or use Node ${MIN_MAJOR}\n`,
    );
    process.exit(2);
  }
  const child = spawn(pinned, [path.join(here, 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 143)));
}
