/**
 * `articles-tls`: `articles` in the articles' own network conditions: Consul's API over TLS (HTTPS only) and a
 * 1 ms round trip between the service and Consul, as between two hosts in one region (docs/ARTICLES.md §1: "a
 * TCP connection and a TLS handshake" per request). Beside `articles` (loopback, plain HTTP) it shows what a
 * connection per request costs with a network and without one.
 */
import type { ScenarioInput } from '../harness/scenario/scenario-schema.ts';

export default {
  name: 'articles-tls',
  description:
    'articles over TLS with a 1 ms round trip: 500 concurrent readers, 1 KiB values, 100 hot keys, HTTPS-only Consul',
  keys: { count: 100, valueBytes: 1024 },
  load: { connections: 500, durationS: 20, warmupS: 3, timeoutS: 10 },
  consul: { tls: true },
  network: { rttMs: 1 },
  // Quick: 3 s measured per row. fresh-connection's handshakes over TLS start slowly at 500 connections: on a 2-core
  // machine its row answered 562 reads in 3 s, but only 46 in 2 s (too close to none on a busier machine).
  quick: { durationS: 3, warmupS: 1 },
} satisfies ScenarioInput;
