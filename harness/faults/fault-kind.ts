/**
 * The shape of a fault kind: its scenario fields (a zod object with a literal `type`), how it starts on a Toxiproxy
 * proxy, and how it ends. Each kind is one file in `harness/faults/kinds/` plus one line in `kinds/index.ts`.
 *
 * @module
 */
import type { Toxiproxy } from 'toxiproxy-node-client';
import type { z } from 'zod';

/** The proxy a fault acts on: Toxiproxy's API and the proxy's name. */
export interface FaultTarget {
  readonly client: Toxiproxy;
  readonly proxyName: string;
}

/** A fault kind (see the module comment). `S` is its scenario schema. */
export interface FaultKind<S extends z.ZodObject = z.ZodObject> {
  /** The `fault.type` a scenario names. */
  readonly type: string;
  /** Its fields, validated as part of a scenario: `z.strictObject({ type: z.literal(type), … })`. */
  readonly schema: S;
  /** Starts the fault on the proxy. */
  apply(target: FaultTarget, fault: z.output<S>): Promise<void>;
  /**
   * Ends the fault the way the network would. Absent: every toxic is removed and the proxy re-enabled
   * ({@link clearProxy}).
   */
  end?(target: FaultTarget, fault: z.output<S>): Promise<void>;
}

/** Declares a fault kind, keeping its schema's type (so `apply` sees its own fields). */
export function defineFaultKind<S extends z.ZodObject>(kind: FaultKind<S>): FaultKind<S> {
  return kind;
}

/** Adds a toxic on the downstream (Consul → service) of the target proxy, named `bench-<type>`. */
export async function addDownstreamToxic(
  target: FaultTarget,
  type: string,
  attributes: Record<string, number>,
): Promise<void> {
  const proxy = await target.client.get(target.proxyName);
  await proxy.addToxic({
    name: `bench-${type}`,
    type: type as never,
    stream: 'downstream' as never,
    toxicity: 1,
    attributes: attributes as never,
  });
}

/** Removes every toxic of the target proxy and re-enables it (closing connections a stall still holds). */
export async function clearProxy(target: FaultTarget): Promise<void> {
  const proxy = await target.client.get(target.proxyName);
  // The client's Proxy.toJson() omits toxics: list them through the API.
  const res = await fetch(`${target.client.host}/proxies/${encodeURIComponent(target.proxyName)}/toxics`);
  const toxics = (await res.json()) as Array<{ name: string }>;
  for (const toxic of toxics) await (await proxy.getToxic(toxic.name)).remove();
  if (!proxy.enabled) await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
}
