/**
 * Connections and concurrency toward Consul: TCP connections opened per answered request (lesson 1: ≈ 0 with
 * keep-alive) and the most requests in flight to Consul at once (long polls excluded).
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

export const CONNECTIONS_PER_REQUEST = defineFigure({
  name: 'connectionsPerRequest',
  description: 'TCP connections to Consul opened per answered request',
  unit: 'conn/req',
  better: 'lower',
  gate: 'median',
  compared: true,
  field: defineRunField({
    key: 'connectionsPerRequest',
    schema: z
      .number()
      .min(0)
      .describe('TCP connections to Consul opened per answered request in this run (lesson 1: ≈ 0 with keep-alive)'),
    of: (row) => row.consulConnectionsOpened / Math.max(1, row.ok),
    merge: 'none',
  }),
  value: (v) => v,
});

export const IN_FLIGHT_PEAK = defineFigure({
  name: 'inFlightPeak',
  description: 'most requests to Consul in flight at once (long polls excluded)',
  unit: 'requests',
  better: 'lower',
  gate: 'median',
  field: defineRunField({
    key: 'inFlightPeak',
    schema: z.int().min(0).nullable(),
    of: (row) => row.inFlightPeak,
    merge: 'max',
  }),
  value: (v) => v,
});
