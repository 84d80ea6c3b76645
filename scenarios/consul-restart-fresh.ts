/**
 * `consul-restart-fresh`: as `consul-restart`, but Consul comes back on an empty data dir (a rebuilt server, a
 * lost volume) and the harness seeds every key again, with a new version of the probed keys. `X-Consul-Index`
 * starts low again, so a watch must notice the index went backwards; a blocking query sent with the old, higher
 * index is held for its whole `wait` (measured on Consul 1.22.7).
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';
import restart from './consul-restart.ts';

export default {
  ...restart,
  name: 'consul-restart-fresh',
  description:
    'Consul stopped for 10 s and restarted on a fresh data dir, keys seeded again: who notices the index went back',
  restart: { keepData: false },
} satisfies ScenarioInput;
