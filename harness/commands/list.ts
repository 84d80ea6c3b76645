/**
 * `consul-kv-bench list`: the scenarios (with their variant rows) and the registered clients and baselines.
 *
 * @module
 */
import type { Command } from 'commander';
import { CLIENT_NAMES, CLIENTS } from '../../clients/index.ts';
import { DEFAULT_SCENARIO } from '../../scenarios/index.ts';
import { loadModelOf } from '../load/models/index.ts';
import { loadScenario, scenarioNames } from '../scenario/load-scenario.ts';
import { measuredSeconds, rowName } from '../scenario/scenario-schema.ts';

/** Prints the list. @returns 0. */
export function listCommand(): number {
  const out: string[] = ['scenarios:'];
  for (const name of scenarioNames()) {
    const s = loadScenario(name);
    const load = loadModelOf(s.load.model).describe(s.load);
    const shape = `${load}, ${measuredSeconds(s)} s per row`;
    out.push(`  ${name.padEnd(20)} ${s.description} (${shape})${name === DEFAULT_SCENARIO ? ' [default]' : ''}`);
    const variants = s.clients.filter((r) => typeof r !== 'string');
    if (variants.length > 0) out.push(`  ${''.padEnd(20)} variant rows: ${variants.map((r) => rowName(r)).join(', ')}`);
  }
  out.push('clients:');
  for (const name of CLIENT_NAMES) {
    const entry = CLIENTS[name];
    out.push(`  ${name.padEnd(20)} ${entry.kind === 'baseline' ? '(baseline) ' : ''}${entry.description}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** Adds `list` to the program. */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list scenarios and clients')
    .action(() => {
      process.exitCode = listCommand();
    });
}
