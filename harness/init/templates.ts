/**
 * What `consul-kv-bench init` writes into a user's repository: a client module to adapt, a budgets file and a
 * GitHub workflow that runs this package's action (the leak test, per test runner, is `runners.ts`'s). Plain strings, so the compiled
 * package carries them; each names the command that uses it.
 *
 * @module
 */

/** Paths `init` writes, relative to the repository's root. */
export const INIT_FILES = {
  client: 'consul-kv-bench/consul-kv-client.ts',
  clientJs: 'consul-kv-bench/consul-kv-client.js',
  budgets: 'consul-kv-bench/budgets.yml',
  workflow: '.github/workflows/consul-kv-bench.yml',
} as const;

/** The client module template; `typed` adds TypeScript annotations (Node ≥ 22.18 strips them outside node_modules). */
export function clientTemplate(typed: boolean): string {
  const t = (s: string): string => (typed ? s : '');
  const self = typed ? INIT_FILES.client : INIT_FILES.clientJs;
  return `/**
 * Your Consul KV client, as consul-kv-bench runs it: a module whose default export is a factory
 * (options) => client. Replace the body with a call into your own client (import it from your source tree), keep
 * the shape:
 * - get(key): resolves to the value's bytes (Uint8Array), or undefined when the key does not exist;
 * - close(): frees sockets and timers;
 * - start() (optional): resolves when the client is ready (e.g. a watch has its first snapshot).
 * options: consulUrl (e.g. http://127.0.0.1:8500; in fault scenarios a Toxiproxy in front of Consul), prefix,
 * token (an ACL token, when Consul enforces ACLs), requestTimeoutMs (the scenario's deadline, ms).
 * Errors may carry a code (CLIENT_TIMEOUT, CONSUL_HTTP_ERROR, ...) to be counted by cause in the report.
 *
 * Try it:  npx consul-kv-bench run light network-stall --quick --clients pooled --client ${self}
 * Gate it: npx consul-kv-bench gate --budgets ${INIT_FILES.budgets} reports/latest/report.json
 */
${typed ? 'interface Options {\n  consulUrl: string;\n  token?: string;\n  requestTimeoutMs?: number;\n}\n\n' : ''}export default function createClient(options${t(': Options')}) {
  const timeoutMs = options.requestTimeoutMs ?? 1000;
  const headers${t(': Record<string, string>')} = options.token ? { 'x-consul-token': options.token } : {};
  return {
    async get(key${t(': string')})${t(': Promise<Uint8Array | undefined>')} {
      const path = key.split('/').map(encodeURIComponent).join('/');
      // Global fetch keeps connections alive (lesson 1) and the signal bounds every read (lesson 3).
      const res = await fetch(\`\${options.consulUrl}/v1/kv/\${path}?raw\`, {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw Object.assign(new Error(\`Consul answered \${res.status}\`), { code: 'CONSUL_HTTP_ERROR' });
      }
      return new Uint8Array(await res.arrayBuffer());
    },
    async close()${t(': Promise<void>')} {},
  };
}
`;
}

/** The budgets file template: the user's row against the `pooled` reference client measured beside it. */
export function budgetsTemplate(): string {
  return `# Budgets for \`consul-kv-bench gate\` (and the consul-kv-bench GitHub Action). Syntax and metrics:
# "<metric> <op> <number>[unit]" (op < <= > >= == !=; latencies in us, ms or s); relative budgets compare two rows
# of one run: "<row>.<metric> <op> [<factor> *] <row>.<metric>". Metrics: rps, p50, p90, p99, p99.9, max, errors,
# errorRate, consulRequestsPerRequest, connectionsPerRequest, heapBytesPerRequest, inFlightPeak, propagationP99,
# recoveryMs, leak.
# Your client's row is named after its file: consul-kv-client. \`pooled\` is the harness's reference client
# (one keep-alive pool, a timeout on every read), run beside yours on the same machine. Every scenario named here
# must be in the reports gated: \`run light network-stall --clients pooled --client ...\` measures both.

# With a baseline (the action measures the base branch too): a violated budget fails only on a significant
# regression (Mann-Whitney U at alpha) larger than minEffect.
alpha: 0.05
minEffect: 0.10

scenarios:
  light:
    rows:
      # Lesson 1, connection reuse: new TCP connections to Consul per answered read (keep-alive: about 0).
      consul-kv-client: ["errors == 0", "p99 < 250ms", "connectionsPerRequest < 0.05"]
    relative:
      # Throughput within a factor of the reference pool measured in the same run. Generous on purpose: this
      # template's global-fetch client reached 0.42-0.52x pooled's RPS on light --quick (Node 22 and 26); the
      # connectionsPerRequest budget above is what catches a client that stops reusing connections.
      - consul-kv-client.rps >= 0.25 * pooled.rps
  network-stall:
    rows:
      # Lesson 3: after a network stall nothing may be left in flight.
      consul-kv-client: ["leak == no-leak"]
`;
}

/** The GitHub workflow: the package's composite action, installed with the repository's dependencies. */
export function workflowTemplate(clientPath: string): string {
  return `# consul-kv-bench on pull requests: measures the base branch and the pull request in alternating rounds on one
# runner, gates the head on ${INIT_FILES.budgets}, writes the job summary, uploads the reports and JUnit, and
# keeps one comment on the pull request with the status of the last run.
name: consul-kv-bench

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  pull-requests: write

jobs:
  consul-kv-bench:
    runs-on: ubuntu-latest
    timeout-minutes: 45
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: lts/*
      - uses: actions/setup-go@v5
        with:
          go-version: stable
          cache: false
      - run: npm ci
      # The action ships inside the consul-kv-bench package (a devDependency of this repository).
      - uses: ./node_modules/consul-kv-bench
        with:
          client: ${clientPath}
          budgets: ${INIT_FILES.budgets}
`;
}
