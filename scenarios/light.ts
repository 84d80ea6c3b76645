/**
 * `light`: a small service's traffic: 50 concurrent readers, 256-byte values, 10 hot keys. Under Consul's
 * default connection limit for every client, so rows compare the clients, not the limit.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'light',
  description: 'a small service: 50 concurrent readers, 256-byte values, 10 hot keys',
  keys: { count: 10, valueBytes: 256 },
  load: { connections: 50, durationS: 10, warmupS: 2, timeoutS: 10 },
  quick: { durationS: 2, warmupS: 1 },
} satisfies ScenarioInput;
