/**
 * The load models, one registry line each. The runner and the renderers ask {@link loadModelOf}; nothing else
 * branches on a model's name.
 *
 * @module
 */
import { CLOSED_MODEL } from './closed.ts';
import type { LoadModelDef } from './load-model.ts';
import { OPEN_MODEL } from './open.ts';

/** Every load model by name. */
export const LOAD_MODELS = { closed: CLOSED_MODEL, open: OPEN_MODEL } as const satisfies Record<string, LoadModelDef>;

/** The models' names, for the scenario schema's `load.model` (the first is the default). */
export const LOAD_MODEL_NAMES = Object.keys(LOAD_MODELS) as [keyof typeof LOAD_MODELS, ...(keyof typeof LOAD_MODELS)[]];

/** The name of a load model. */
export type LoadModelName = keyof typeof LOAD_MODELS;

/**
 * The model of this name.
 * @throws {RangeError} for a name no model has (a report from a newer harness).
 */
export function loadModelOf(name: string): LoadModelDef {
  const m = (LOAD_MODELS as Record<string, LoadModelDef>)[name];
  if (!m)
    throw new RangeError(
      `unknown load model ${JSON.stringify(name)}: this harness knows ${LOAD_MODEL_NAMES.join(', ')}`,
    );
  return m;
}

export type {
  CommonLoadOptions,
  LoadModelDef,
  LoadSettings,
  ModelColumn,
  ModelRow,
  PreparedLoad,
} from './load-model.ts';
