#!/usr/bin/env node
/**
 * The `consul-kv-bench` command (package.json "bin", compiled to `dist/harness/bin.js`; the npm scripts and the
 * tests run it as `node harness/bin.ts`). Refuses a Node older than the package supports with one line, turns on
 * Node's on-disk compile cache (`module.enableCompileCache()`, Node ≥ 22.1: a second start skips compiling the
 * harness's ~1 900 modules again; measured 1.6 s → 1.25 s for a bad-input exit), then loads the CLI (`cli.ts`).
 * The CLI is imported only after both, because a static import would be compiled before either ran.
 *
 * @module
 */
import module from 'node:module';
import { MIN_NODE, nodeSupported } from './node-support.ts';

if (!nodeSupported(process.versions.node)) {
  process.stderr.write(
    `consul-kv-bench: needs Node >= ${MIN_NODE} (this is ${process.version}): install a Node LTS (22, 24 or 26)\n`,
  );
  process.exit(2);
}
// Best-effort: an unwritable cache directory only costs the speed-up (the status says so; nothing to report). The
// config service the harness starts for each row inherits the directory (its start is not part of a measured window).
module.enableCompileCache?.();
const cacheDir = module.getCompileCacheDir?.();
if (cacheDir && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cacheDir;
const { main } = await import('./cli.ts');
await main();
