/**
 * Consul's ACL system as the harness uses it (`run --acl`): the agent configuration that enforces ACLs with
 * default deny, and a token per scenario limited to reading that scenario's key prefix, which every client of the
 * scenario reads with. Secrets travel only in files this user can read (mode 0600) and in memory: never in argv,
 * reports or logs (a test greps them all). API: Consul's `/v1/acl/policy` and `/v1/acl/token` (source:
 * developer.hashicorp.com/consul/api-docs/acl).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from '../errors.ts';
import { adminRequest, type ConsulEndpoint } from './consul-admin.ts';

/**
 * Writes the agent's ACL configuration (`acl.hcl`, mode 0600) into `dir`: enabled, default deny, tokens
 * persisted off, and `token` as both the initial management token and the agent's own token.
 * @returns the file's path, for `consul agent -config-file`.
 */
export async function writeAclConfig(dir: string, token: string): Promise<string> {
  const file = path.join(dir, 'acl.hcl');
  const hcl = `acl {
  enabled = true
  default_policy = "deny"
  down_policy = "extend-cache"
  enable_token_persistence = false
  tokens {
    initial_management = "${token}"
    agent = "${token}"
  }
}
`;
  await writeFile(file, hcl, { mode: 0o600 });
  return file;
}

/** A new random secret for a management token. */
export function newManagementToken(): string {
  return randomUUID();
}

/** A token limited to reading one key prefix, with what is needed to delete it. */
export interface ScopedToken {
  /** The secret clients send as `X-Consul-Token`. */
  readonly secretId: string;
  readonly accessorId: string;
  readonly policyId: string;
}

async function acl(ep: ConsulEndpoint, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await adminRequest(ep, `/v1/acl/${route}`, {
    method: method as 'PUT' | 'DELETE',
    headers: { 'x-consul-token': ep.token ?? '', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new BenchError(
      'CONSUL_UNREACHABLE',
      `Consul refused ${method} /v1/acl/${route.split('/')[0]} (HTTP ${res.statusCode} ${text.trim().slice(0, 80)}): the harness's token needs acl = "write"`,
    );
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * Creates a policy allowing `read` on `key_prefix "<prefix>"` only, and a token with it.
 * @param ep Consul with a token that may write ACLs (the management token of a Consul the harness started).
 * @param prefix e.g. `consul-kv-bench/light/`.
 * @throws {BenchError} `CONSUL_UNREACHABLE` when Consul refuses (no ACL write right).
 */
export async function createScopedToken(ep: ConsulEndpoint, prefix: string, label: string): Promise<ScopedToken> {
  const name = `consul-kv-bench-${label}-${randomUUID().slice(0, 8)}`;
  const policy = (await acl(ep, 'PUT', 'policy', {
    Name: name,
    Description: `consul-kv-bench: read ${prefix} only`,
    Rules: `key_prefix ${JSON.stringify(prefix)} { policy = "read" }`,
  })) as { ID: string };
  const token = (await acl(ep, 'PUT', 'token', {
    Description: `consul-kv-bench: read ${prefix} only`,
    Policies: [{ ID: policy.ID }],
  })) as { AccessorID: string; SecretID: string };
  return { secretId: token.SecretID, accessorId: token.AccessorID, policyId: policy.ID };
}

/** Deletes a token and its policy made by {@link createScopedToken}. Never throws. */
export async function deleteScopedToken(ep: ConsulEndpoint, token: ScopedToken): Promise<void> {
  await acl(ep, 'DELETE', `token/${token.accessorId}`).catch(() => {});
  await acl(ep, 'DELETE', `policy/${token.policyId}`).catch(() => {});
}
