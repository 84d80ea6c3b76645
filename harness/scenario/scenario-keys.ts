/**
 * The keys a scenario seeds and reads: their prefix, their names, and their values (deterministic random bytes,
 * or versioned values for the keys a freshness scenario probes).
 *
 * @module
 */
import { versionedValue } from '../freshness/versioned-value.ts';
import type { Scenario } from './scenario-schema.ts';
import { seededBytes } from './seeded-bytes.ts';

/**
 * Key prefix a scenario's keys live under: `consul-kv-bench/<scenario>/<run>/`.
 * @param run a token of the run (e.g. 8 hex digits), so two runs of one scenario on one Consul (two CI jobs on a
 *   shared cluster, runs side by side in the tests) neither read nor delete each other's keys: each run deletes its
 *   prefix when it ends, and with a prefix per scenario only, the first run to end emptied the other's KV mid-row
 *   (its reads answered 404).
 */
export function scenarioPrefix(scenario: Pick<Scenario, 'name'>, run: string): string {
  return `consul-kv-bench/${scenario.name}/${run}/`;
}

/** Relative key names of a scenario: `key-0000` … */
export function scenarioKeys(scenario: Pick<Scenario, 'keys'>): string[] {
  return Array.from({ length: scenario.keys.count }, (_, i) => `key-${String(i).padStart(4, '0')}`);
}

/**
 * The values the harness seeds, by full key: deterministic random bytes, except the freshness scenarios' probed
 * keys (the first `freshness.keys`), which carry `version` (see harness/freshness/versioned-value.ts).
 * @param onlyProbed only the probed keys.
 */
export function scenarioValues(
  scenario: Pick<Scenario, 'keys' | 'freshness'>,
  prefix: string,
  keys: readonly string[],
  version: number,
  onlyProbed = false,
): Map<string, Uint8Array> {
  const probed = scenario.freshness?.keys ?? 0;
  const size = scenario.keys.valueBytes;
  const out = new Map<string, Uint8Array>();
  keys.forEach((k, i) => {
    if (i < probed) out.set(prefix + k, versionedValue(version, size, i + 1));
    else if (!onlyProbed) out.set(prefix + k, seededBytes(size, i + 1));
  });
  return out;
}
