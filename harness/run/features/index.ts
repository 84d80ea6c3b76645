/**
 * The row features, in the order their hooks run: adding a concern (a load model, a fault kind, a meter, a verdict)
 * is one file in this folder plus one line here. `freshness` comes before `restart`, whose recovery figures read
 * the freshness prober; `network` (the RTT proxy) before `fault`, whose proxy goes in front of it.
 *
 * @module
 */
import type { RowFeature } from '../row-feature.ts';
import { faultFeature } from './fault.ts';
import { freshnessFeature } from './freshness.ts';
import { networkFeature } from './network.ts';
import { phasesFeature } from './phases.ts';
import { profileFeature } from './profile.ts';
import { restartFeature } from './restart.ts';

export const ROW_FEATURES: readonly RowFeature[] = [
  freshnessFeature,
  restartFeature,
  networkFeature,
  faultFeature,
  phasesFeature,
  profileFeature,
];
