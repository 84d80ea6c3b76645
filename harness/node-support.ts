/**
 * Which Node versions the published package runs on (package.json `engines`), in one place.
 *
 * Rule: every Node LTS line in support, 22 and later. The floor is 22.18.0, the first 22.x that strips
 * TypeScript types by default, so a user's client module may be a `.ts` file of their repository (Node never
 * strips types under `node_modules`: `ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING`; source: Node's "Modules:
 * TypeScript" documentation).
 *
 * @module
 */

/** The lowest Node the package supports, as `engines` states it. */
export const MIN_NODE = '22.18.0';

/**
 * Whether `version` (e.g. `22.23.3`, no leading `v`) is at least {@link MIN_NODE}.
 * @param version `process.versions.node`.
 */
export function nodeSupported(version: string): boolean {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  const [x = 0, y = 0, z = 0] = MIN_NODE.split('.').map(Number);
  return a !== x ? a > x : b !== y ? b > y : c >= z;
}
