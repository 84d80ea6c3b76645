/**
 * Looks up scenarios by name in the registry (`scenarios/index.ts`) and validates them.
 *
 * @module
 */
import { SCENARIOS } from '../../scenarios/index.ts';
import { BenchError } from '../errors.ts';
import { parseScenario, type Scenario } from './scenario-schema.ts';

/** Names of all registered scenarios, in registry order. */
export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

/**
 * The validated, defaulted scenario of that name.
 * @throws {BenchError} `UNKNOWN_SCENARIO` naming the registered ones; `INVALID_SCENARIO` when its file is malformed.
 */
export function loadScenario(name: string): Scenario {
  const input = SCENARIOS.find((s) => s.name === name);
  if (!input) {
    throw new BenchError(
      'UNKNOWN_SCENARIO',
      `unknown scenario ${JSON.stringify(name)}: use one of ${scenarioNames().join(', ')} (see consul-kv-bench list)`,
    );
  }
  return parseScenario(input, `scenarios/${name}.ts`);
}
