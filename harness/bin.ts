#!/usr/bin/env node
/**
 * The `consul-kv-bench` command (package.json "bin", compiled to `dist/harness/bin.js`). Refuses a Node older than
 * the package supports with one line, then hands over to the CLI (`cli.ts`).
 *
 * @module
 */
import { main } from './cli.ts';
import { MIN_NODE, nodeSupported } from './node-support.ts';

if (!nodeSupported(process.versions.node)) {
  process.stderr.write(
    `consul-kv-bench: needs Node >= ${MIN_NODE} (this is ${process.version}): install a Node LTS (22, 24 or 26)\n`,
  );
  process.exit(2);
}
await main();
