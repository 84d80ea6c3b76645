/**
 * The rows of a scenario: its `clients` (registered names and variants of them), then the users' own modules
 * (`--client ./file.ts`).
 *
 * @module
 */
import { CLIENTS } from '../../clients/index.ts';
import { rowClient, type Scenario } from '../scenario/scenario-schema.ts';
import type { RowSpec } from './run-events.ts';

/** A user's client module, run as an extra row named after its file. */
export interface CustomClient {
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
}

/** One line describing a variant's overrides, e.g. `pooled with consistency=stale`. */
function variantDescription(client: string, options: Readonly<Record<string, unknown>>): string {
  const opts = Object.entries(options)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  return `${client} with ${opts || 'its defaults'}`;
}

/** The rows of `scenario`, in report order. */
export function rowSpecs(scenario: Scenario, customClients: readonly CustomClient[] = []): RowSpec[] {
  return [
    ...scenario.clients.map((r): RowSpec => {
      const client = rowClient(r);
      const entry = CLIENTS[client];
      if (typeof r === 'string') return { name: r, client, kind: entry.kind, description: entry.description };
      return {
        name: r.name,
        client,
        kind: entry.kind,
        description: variantDescription(client, r.options),
        options: r.options,
      };
    }),
    ...customClients.map(
      (c): RowSpec => ({
        name: c.name,
        client: c.name,
        kind: 'client',
        description: `user module ${c.path}`,
        module: c.path,
      }),
    ),
  ];
}
