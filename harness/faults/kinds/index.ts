/**
 * The fault kinds a scenario's `fault.type` may name: adding one is a file in this folder plus one line here.
 *
 * @module
 */
import { bandwidthFault } from './bandwidth.ts';
import { downFault } from './down.ts';
import { latencyFault } from './latency.ts';
import { resetFault } from './reset.ts';
import { stallFault } from './stall.ts';

export const FAULT_KINDS = [stallFault, latencyFault, resetFault, bandwidthFault, downFault] as const;
