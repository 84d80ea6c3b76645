/**
 * The faults a scenario can name (`fault`), validated as part of the scenario, and how they are started, ended and
 * cleared on a Toxiproxy proxy. The kinds themselves are one file each in `kinds/` (stall, latency, reset,
 * bandwidth, down), registered in `kinds/index.ts`.
 *
 * @module
 */
import type { Toxiproxy } from 'toxiproxy-node-client';
import { z } from 'zod';
import { clearProxy, type FaultKind } from './fault-kind.ts';
import { FAULT_KINDS } from './kinds/index.ts';

type KindSchema = (typeof FAULT_KINDS)[number]['schema'];

/** A scenario's `fault`: one of the registered kinds, discriminated by `type`. */
export const FaultProfileSchema = z.discriminatedUnion(
  'type',
  FAULT_KINDS.map((k) => k.schema) as unknown as [KindSchema, ...KindSchema[]],
);

export type FaultProfile = z.output<typeof FaultProfileSchema>;

/** The names of the registered fault kinds. */
export const FAULT_TYPES: readonly string[] = FAULT_KINDS.map((k) => k.type);

function kindOf(fault: FaultProfile): FaultKind {
  const kind = FAULT_KINDS.find((k) => k.type === fault.type);
  if (!kind) throw new RangeError(`unknown fault type ${fault.type}: use one of ${FAULT_TYPES.join(', ')}`);
  return kind as unknown as FaultKind;
}

/** Starts `fault` on the named proxy. */
export async function applyFault(client: Toxiproxy, proxyName: string, fault: FaultProfile): Promise<void> {
  await kindOf(fault).apply({ client, proxyName }, fault);
}

/** Ends `fault` the way the network would: the kind's own `end` (a stall keeps what it swallowed), else a clear. */
export async function endFault(client: Toxiproxy, proxyName: string, fault: FaultProfile): Promise<void> {
  const kind = kindOf(fault);
  await (kind.end ? kind.end({ client, proxyName }, fault) : clearProxy({ client, proxyName }));
}

/** Removes every toxic of the named proxy and re-enables it (closing connections a stall still holds). */
export function clearFaults(client: Toxiproxy, proxyName: string): Promise<void> {
  return clearProxy({ client, proxyName });
}
