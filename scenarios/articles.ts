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
  // Quick: 2 s measured per row (16 rows with the Go ones): fresh-connection, the slowest row, answered 4 818 reads
  // in a 3 s quick run on a 2-core machine. (articles-tls keeps 3 s: see there.)
  quick: { durationS: 2, warmupS: 1 },
} satisfies ScenarioInput;
