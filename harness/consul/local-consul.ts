/**
 * The `local` backend: `consul agent -dev` from a provisioned binary, bound to 127.0.0.1 on ports the OS picks,
 * with a temp data dir, DNS and gRPC off, Prometheus telemetry on, and `limits.http_max_conns_per_client` set
 * from the scenario. With `persistent: true` it runs a single-node server instead (`agent -server -bootstrap`,
 * Raft and KV on disk in the data dir, `raft_multiplier = 1`), which can be stopped and started again on the same
 * ports, keeping its data or on a fresh data dir (`restart`): a dev agent keeps everything in memory and loses
 * its KV on a restart (measured on 1.22.7). Stopped with SIGTERM (SIGKILL after 5 s); execa's `cleanup` also kills it if the harness
 * process exits without stopping it.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { BenchError } from '../errors.ts';
import { LogTail } from '../lifecycle.ts';
import { type StartedProcess, startProcess } from '../process/started-process.ts';
import { resolveConsulBinary } from '../provision/consul-binary.ts';
import { consulHcl, SERVER_HCL } from './agent-config.ts';
import { newManagementToken, writeAclConfig } from './consul-acl.ts';
import { consulVersion, waitForLeader } from './consul-admin.ts';
import { createConsulTls, tlsHcl } from './consul-tls.ts';
import type { ConsulRestartControl, StartConsulOptions, StartedConsul } from './consul-types.ts';

/** The lowest port of Linux's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`); 32 768 where unreadable. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A free port for a Consul that is stopped and started again on the same ports (`persistent`): from below the
 * kernel's ephemeral range, so that while it is down no outgoing connection is given it as its local port (a CI run
 * lost its RPC port that way, 8 s after the stop: `bind: address already in use`, with other tests' connections all
 * over the ephemeral range). Random candidates in 10 000 up to that range, the first free one; where none is (or
 * the range starts lower), any free port.
 */
async function stablePort(exclude: readonly number[]): Promise<number> {
  const low = ephemeralLow();
  const candidates =
    low > 10_001 ? Array.from({ length: 64 }, () => 10_000 + Math.floor(Math.random() * (low - 10_000))) : [];
  return getPort({ host: '127.0.0.1', port: candidates, exclude: [...exclude] });
}

/**
 * Starts a dev agent. Retries twice on a port taken between choosing it and binding it.
 * @throws {BenchError} see {@link startConsul}.
 */
export async function startLocalConsul(options: StartConsulOptions): Promise<StartedConsul> {
  const binary = await resolveConsulBinary({
    env: options.env ?? process.env,
    signal: options.signal,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary.path, binary.version, `${binary.source}:${binary.path}`, options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof BenchError) || !/address already in use/i.test(err.details ?? '')) throw err;
    }
  }
  throw lastError;
}

/** Starts one agent process on the shared handle (`startProcess`), its output into the agent's one log tail. */
function spawnAgent(bin: string, args: string[], tail: LogTail): StartedProcess {
  return startProcess({ file: bin, args }, tail);
}

async function startOnce(
  bin: string,
  binVersion: string,
  provenance: string,
  options: StartConsulOptions,
): Promise<StartedConsul> {
  const persistent = options.persistent ?? false;
  let dataDir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-consul-'));
  // ACLs: the management token goes in a 0600 file of a 0700 folder of its own (it survives a fresh data dir), never argv.
  const aclDir = options.acl ? await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-acl-')) : undefined;
  const token = options.acl ? newManagementToken() : undefined;
  const aclFile = aclDir && token ? await writeAclConfig(aclDir, token) : undefined;
  const tls = options.tls ? await createConsulTls(bin) : undefined;
  const ports: number[] = [];
  for (let i = 0; i < 4; i++)
    ports.push(persistent ? await stablePort(ports) : await getPort({ host: '127.0.0.1', exclude: ports }));
  const [http, server, serfLan, serfWan] = ports as [number, number, number, number];
  const tail = new LogTail(60);
  const args = (): string[] => [
    'agent',
    ...(persistent ? ['-server', '-bootstrap', '-node', 'consul-kv-bench'] : ['-dev']),
    '-bind',
    '127.0.0.1',
    '-client',
    '127.0.0.1',
    // With TLS the API is HTTPS only (tlsHcl: ports.http = -1, ports.https = this port).
    ...(tls ? [] : ['-http-port', String(http)]),
    '-server-port',
    String(server),
    '-serf-lan-port',
    String(serfLan),
    '-serf-wan-port',
    String(serfWan),
    '-dns-port',
    '-1',
    '-grpc-port',
    '-1',
    '-grpc-tls-port',
    '-1',
    '-log-level',
    'info',
    '-data-dir',
    dataDir,
    '-hcl',
    [consulHcl(options.httpMaxConnsPerClient), persistent ? SERVER_HCL : '', tls ? tlsHcl(tls, http) : '']
      .filter(Boolean)
      .join('\n'),
    ...(aclFile ? ['-config-file', aclFile] : []),
  ];
  let agent = spawnAgent(bin, args(), tail);
  const endpoint = {
    httpUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${http}`,
    token,
    ...(tls ? { caPem: tls.caPem } : {}),
  };
  const label = persistent ? 'consul agent -server' : 'consul agent -dev';
  const waitReady = async (): Promise<void> => {
    try {
      await waitForLeader(endpoint, {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        abandon: agent.exited,
        logTail: () => tail.toString(),
      });
    } catch (err) {
      const r = agent.exitResult();
      const exitedEarly = r ? `exit code ${r.exitCode ?? r.signal}` : undefined;
      if (err instanceof BenchError && exitedEarly) {
        throw new BenchError(
          'CONSUL_EXITED',
          `${label} exited (${exitedEarly}) before it was ready: see --verbose for its log`,
          { details: tail.toString(), cause: err },
        );
      }
      throw err;
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await agent.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (aclDir) await rm(aclDir, { recursive: true, force: true });
      await tls?.dispose();
    })();
    return stopped;
  };
  try {
    await waitReady();
  } catch (err) {
    await stop();
    throw err;
  }
  const version = await consulVersion(endpoint);
  const started: StartedConsul = {
    ...endpoint,
    backend: 'local',
    version: version === 'unknown' ? binVersion : version,
    httpMaxConnsPerClient: options.httpMaxConnsPerClient,
    provenance,
    logTail: () => tail.toString(),
    processId: () => (agent.exitResult() ? undefined : agent.pid),
    stop,
    ...(options.acl ? { acl: true } : {}),
    ...(tls ? { tls: true } : {}),
  };
  if (!persistent) return started;
  const restart: ConsulRestartControl = {
    async down() {
      if (stopped) throw new BenchError('CONSUL_EXITED', 'Consul was stopped for good; it cannot be restarted');
      await agent.kill();
    },
    async up({ freshData }) {
      if (stopped) throw new BenchError('CONSUL_EXITED', 'Consul was stopped for good; it cannot be restarted');
      if (!agent.exitResult()) throw new BenchError('USAGE', 'Consul is still running: call down() before up()');
      if (freshData) {
        await rm(dataDir, { recursive: true, force: true });
        dataDir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-consul-'));
      }
      // Same ports: clients keep their URL. Go sets SO_REUSEADDR, so TIME_WAIT sockets do not block the bind.
      agent = spawnAgent(bin, args(), tail);
      await waitReady();
    },
  };
  return { ...started, restart };
}
