/**
 * The configuration the harness gives every Consul agent it starts, whatever runs it (a local binary or a
 * container): Prometheus telemetry for `/v1/agent/metrics` (the harness counts Consul's own KV GETs there) and
 * the scenario's `limits.http_max_conns_per_client`.
 *
 * @module
 */

/** The HCL the harness passes with `-hcl`: telemetry for `/v1/agent/metrics`, and the connection limit. */
export function consulHcl(httpMaxConnsPerClient: number): string {
  return [
    'telemetry { prometheus_retention_time = "24h" disable_hostname = true }',
    `limits { http_max_conns_per_client = ${httpMaxConnsPerClient} }`,
  ].join('\n');
}

/**
 * Raft timing of the persistent single-node server (restart scenarios): 1 is the production-tuned setting (the
 * default 5 suits small VMs); a leader in about 1.5 s here.
 */
export const SERVER_HCL = 'performance { raft_multiplier = 1 }';
