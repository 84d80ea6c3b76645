/**
 * The `local` backend: `consul agent -dev` from a provisioned binary, bound to 127.0.0.1 on ports the OS picks,
 * with a temp data dir, DNS and gRPC off, Prometheus telemetry on, and `limits.http_max_conns_per_client` set
 * from the scenario. Stopped with SIGTERM (SIGKILL after 5 s); execa's `cleanup` also kills it if the harness
 * process exits without stopping it.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import getPort from 'get-port';
import { BenchError } from '../errors.ts';
import { LogTail } from '../lifecycle.ts';
import { resolveConsulBinary } from '../provision/consul-binary.ts';
import { consulVersion, waitForLeader } from './consul-admin.ts';
import type { StartConsulOptions, StartedConsul } from './consul-server.ts';

/** The HCL the harness passes with `-hcl`: telemetry for `/v1/agent/metrics`, and the connection limit. */
export function consulHcl(httpMaxConnsPerClient: number): string {
  return [
    'telemetry { prometheus_retention_time = "24h" disable_hostname = true }',
    `limits { http_max_conns_per_client = ${httpMaxConnsPerClient} }`,
  ].join('\n');
}

/**
 * Starts a dev agent. Retries twice on a port taken between choosing it and binding it.
 * @throws {BenchError} see {@link startConsul}.
 */
export async function startLocalConsul(options: StartConsulOptions): Promise<StartedConsul> {
  const binary = await resolveConsulBinary({ env: options.env ?? process.env, signal: options.signal, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
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

async function startOnce(bin: string, binVersion: string, provenance: string, options: StartConsulOptions): Promise<StartedConsul> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-consul-'));
  const ports: number[] = [];
  for (let i = 0; i < 4; i++) ports.push(await getPort({ host: '127.0.0.1', exclude: ports }));
  const [http, server, serfLan, serfWan] = ports as [number, number, number, number];
  const tail = new LogTail(60);
  const child = execa(
    bin,
    [
      'agent', '-dev',
      '-bind', '127.0.0.1', '-client', '127.0.0.1',
      '-http-port', String(http), '-server-port', String(server),
      '-serf-lan-port', String(serfLan), '-serf-wan-port', String(serfWan),
      '-dns-port', '-1', '-grpc-port', '-1', '-grpc-tls-port', '-1',
      '-log-level', 'info',
      '-data-dir', dataDir,
      '-hcl', consulHcl(options.httpMaxConnsPerClient),
    ],
    { cleanup: true, reject: false, forceKillAfterDelay: 5000, stdin: 'ignore', buffer: false, all: true },
  );
  child.all?.on('data', (c: Buffer) => tail.push(c));
  let exitResult: { exitCode?: number | undefined; signal?: string | undefined } | undefined;
  const exited = child.then((r) => {
    exitResult = r;
    return r;
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exitResult) child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const endpoint = { httpUrl: `http://127.0.0.1:${http}` };
  try {
    await waitForLeader(endpoint, {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      abandon: exited,
      logTail: () => tail.toString(),
    });
  } catch (err) {
    const exitedEarly = exitResult ? `exit code ${exitResult.exitCode ?? exitResult.signal}` : undefined;
    await stop();
    if (err instanceof BenchError && exitedEarly) {
      throw new BenchError('CONSUL_EXITED', `consul agent -dev exited (${exitedEarly}) before it was ready: see --verbose for its log`, {
        details: tail.toString(),
        cause: err,
      });
    }
    throw err;
  }
  const version = await consulVersion(endpoint);
  return {
    ...endpoint,
    backend: 'local',
    version: version === 'unknown' ? binVersion : version,
    httpMaxConnsPerClient: options.httpMaxConnsPerClient,
    provenance,
    logTail: () => tail.toString(),
    stop,
  };
}
