/**
 * The scenario registry: a new scenario is one data file in `scenarios/` plus one line here. Every scenario is
 * validated when it is looked up, and its quick mode runs in the test suite.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';
import articles from './articles.ts';
import articlesTls from './articles-tls.ts';
import consulRestart from './consul-restart.ts';
import consulRestartFresh from './consul-restart-fresh.ts';
import light from './light.ts';
import networkStall from './network-stall.ts';
import networkStallOpen from './network-stall-open.ts';
import watchPropagation from './watch-propagation.ts';

/** Registered scenarios; the first is the default of `consul-kv-bench run`. */
export const SCENARIOS: readonly ScenarioInput[] = [
  articles,
  articlesTls,
  light,
  networkStall,
  networkStallOpen,
  watchPropagation,
  consulRestart,
  consulRestartFresh,
];

/** Name of the scenario `run` uses when none is given. */
export const DEFAULT_SCENARIO = 'articles';
