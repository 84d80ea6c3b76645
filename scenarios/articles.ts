/**
 * `articles` (the default): shaped like the Go articles' benchmark (docs/ARTICLES.md §1): 500 concurrent
 * readers, values of about 1 KiB, a set of hot keys read round-robin.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'articles',
  description: 'shaped like the Go articles: 500 concurrent readers, 1 KiB values, 100 hot keys',
  keys: { count: 100, valueBytes: 1024 },
  load: { connections: 500, durationS: 20, warmupS: 3, timeoutS: 10 },
  quick: { durationS: 3, warmupS: 1 },
} satisfies ScenarioInput;
