/**
 * Where the package's own files are, whether it runs from its sources (`harness/*.ts` under the project's pinned
 * Node, which strips types) or installed (`dist/harness/*.js` under `node_modules`, where Node strips no types).
 * Modules that start another module in a process or worker of its own (the config service, the open-load worker)
 * name it through {@link siblingModule} so the compiled package starts the compiled file; files that are not code
 * (the Go module that pins Consul, package.json) are found from {@link PACKAGE_ROOT}.
 *
 * @module
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root: the nearest folder above this file whose package.json is named `consul-kv-bench`
 * (the repository when run from sources, `node_modules/consul-kv-bench` when installed).
 * @throws {Error} when there is none (the file was copied out of its package).
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const { name } = JSON.parse(readFileSync(file, 'utf8')) as { name?: string };
      if (name === 'consul-kv-bench') return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no consul-kv-bench package.json above ${from}`);
  }
}

/** Absolute path of the package's root folder (holds package.json). */
export const PACKAGE_ROOT: string = findPackageRoot(import.meta.dirname);

/** The package's version, from its package.json (what `--version` prints and reports record). */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The URL of a module beside the caller, with the caller's own extension: `siblingModule(import.meta.url,
 * './config-service')` is `config-service.ts` when run from sources, `config-service.js` when compiled.
 * @param callerUrl the caller's `import.meta.url`.
 * @param relative a path relative to the caller, without extension, e.g. `./open-load-worker`.
 */
export function siblingModule(callerUrl: string, relative: string): URL {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${relative}${ext}`, callerUrl);
}

/**
 * Whether the module at `moduleUrl` is the process's entry point (what `import.meta.main` says on Node ≥ 24.2,
 * which Node 22 does not have). Symlinks (npm's `node_modules/.bin`) are resolved on both sides.
 * @param moduleUrl the module's `import.meta.url`.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
