/**
 * Freshness figures (watch-propagation, consul-restart): how long a write takes to reach the service's answers, the
 * share of stale reads, and how long reads take to recover after a Consul restart. Run-only: the row keeps its
 * first run's staleness and recovery sections, every run's figures are in `runs`.
 *
 * @module
 */
import { z } from 'zod';
import { defineFigure, defineRunField } from './figure.ts';

export const PROPAGATION_P99 = defineFigure({
  name: 'propagationP99',
  description: "p99 delay from a write's acknowledgement to the first service answer carrying it, ms",
  unit: 'ms',
  better: 'lower',
  gate: 'median',
  field: defineRunField({
    key: 'propagationP99Us',
    schema: z.number().min(0),
    of: (row) => row.staleness?.propagationUs.p99,
    merge: 'none',
  }),
  value: (v) => v / 1000,
});

export const STALE_SHARE = defineFigure({
  name: 'staleShare',
  description: 'probe reads older than the newest acknowledged write, as a share of probe reads',
  unit: 'share',
  better: 'lower',
  gate: 'median',
  field: defineRunField({
    key: 'staleShare',
    schema: z.number().min(0).max(1),
    of: (row) => row.staleness?.staleShare,
    merge: 'none',
  }),
  value: (v) => v,
});

export const RECOVERY_MS = defineFigure({
  name: 'recoveryMs',
  description: 'from the post-restart write to the first fresh answer of the slowest key, ms',
  unit: 'ms',
  better: 'lower',
  gate: 'median',
  field: defineRunField({
    key: 'recoveryMs',
    schema: z.number().min(0).nullable(),
    of: (row) => row.recovery?.recoveryMs,
    merge: 'none',
  }),
  value: (v) => v,
});
