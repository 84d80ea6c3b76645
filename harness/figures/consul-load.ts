/**
 * What a row cost Consul: the KV GETs Consul itself counted (`consul_api_http_count`), in all and per answered
 * request (about 1 for a read-through client, near 0 for a cache).
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

export const CONSUL_REQUESTS = defineFigure({
  name: 'consulRequests',
  description: 'KV GETs Consul counted in the window',
  unit: 'requests',
  better: 'lower',
  gate: false,
  field: defineRunField({
    key: 'consulRequests',
    schema: z.int().min(0).nullable(),
    of: (row) => row.consulRequests,
    merge: 'sum',
  }),
  value: (v) => v,
});

export const CONSUL_REQUESTS_PER_REQUEST = defineFigure({
  name: 'consulRequestsPerRequest',
  description: 'KV GETs Consul counted per answered request',
  unit: 'req/req',
  better: 'lower',
  gate: 'median',
  compared: true,
  field: defineRunField({
    key: 'consulRequestsPerRequest',
    schema: z.number().min(0).nullable(),
    of: (row) => row.consulRequestsPerRequest,
    merge: (_a, _b, m) => (m.consulRequests !== null && m.requests > 0 ? m.consulRequests / m.requests : null),
  }),
  value: (v) => v,
});
