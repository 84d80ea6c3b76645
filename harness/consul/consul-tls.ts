/**
 * TLS for a Consul the harness runs (`--tls`, scenario `consul.tls`): a CA and a server certificate made with
 * Consul's own `consul tls ca create` and `consul tls cert create -server`, in a 0700 folder of the run's own, and
 * the agent configuration of an HTTPS-only API (`ports { http = -1, https = <port> }`, `tls.defaults` with the CA,
 * certificate and key, no client certificates asked for: `verify_incoming = false`).
 *
 * The server certificate `consul tls cert create -server -dc dc1` writes names `server.dc1.consul`, `localhost` and
 * the IP `127.0.0.1` (measured on 1.22.7), so clients verify it against the CA when they connect to
 * `https://127.0.0.1:<port>`, directly or through a Toxiproxy proxy on 127.0.0.1.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BenchError } from '../errors.ts';

/** Files of a CA and server certificate made for one Consul. */
export interface ConsulTlsFiles {
  /** Folder holding them (0700); removed by `dispose()`. */
  readonly dir: string;
  readonly caFile: string;
  /** The CA certificate (PEM): what every client of this Consul trusts. */
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Removes the folder. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Makes a CA and a server certificate for datacenter `dc1` with `<consulBin> tls ca create` and
 * `tls cert create -server`, valid for `days` days.
 * @param consulBin path of the `consul` binary.
 * @param days validity, days. Default 30.
 * @throws {BenchError} `CONSUL_EXITED` when the binary fails (its output in `details`).
 */
export async function createConsulTls(consulBin: string, days = 30): Promise<ConsulTlsFiles> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consul-kv-bench-tls-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const run = async (args: string[]): Promise<void> => {
    const r = await execa(consulBin, args, { cwd: dir, reject: false, all: true, timeout: 30_000 });
    if (r.exitCode !== 0) {
      await dispose();
      throw new BenchError(
        'CONSUL_EXITED',
        `consul ${args.slice(0, 3).join(' ')} failed (exit ${r.exitCode}): check the consul binary (CONSUL_BIN)`,
        { details: String(r.all ?? '') },
      );
    }
  };
  await run(['tls', 'ca', 'create', '-days', String(days)]);
  await run(['tls', 'cert', 'create', '-server', '-dc', 'dc1', '-days', String(days)]);
  const caFile = path.join(dir, 'consul-agent-ca.pem');
  return {
    dir,
    caFile,
    caPem: await readFile(caFile, 'utf8'),
    certFile: path.join(dir, 'dc1-server-consul-0.pem'),
    keyFile: path.join(dir, 'dc1-server-consul-0-key.pem'),
    dispose,
  };
}

/**
 * The agent configuration (HCL) of an HTTPS-only API on `httpsPort` with `files`: the plain HTTP port is off.
 * Consul's TLS settings: https://developer.hashicorp.com/consul/docs/reference/agent/configuration-file/tls
 */
export function tlsHcl(files: Pick<ConsulTlsFiles, 'caFile' | 'certFile' | 'keyFile'>, httpsPort: number): string {
  return [
    `ports { http = -1, https = ${httpsPort} }`,
    'tls {',
    '  defaults {',
    `    ca_file = ${JSON.stringify(files.caFile)}`,
    `    cert_file = ${JSON.stringify(files.certFile)}`,
    `    key_file = ${JSON.stringify(files.keyFile)}`,
    '    verify_incoming = false',
    '    verify_outgoing = false',
    '  }',
    '}',
  ].join('\n');
}

/**
 * Reads the CA a user names for an external Consul over `https://` (`CONSUL_CACERT`, as the `consul` CLI reads it).
 * @returns the PEM, or `undefined` when `CONSUL_CACERT` is unset (the system's CAs are then used).
 * @throws {BenchError} `CONSUL_UNREACHABLE` when the file cannot be read.
 */
export async function readConsulCaCert(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const file = env.CONSUL_CACERT;
  if (!file) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new BenchError(
      'CONSUL_UNREACHABLE',
      `CONSUL_CACERT=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): point it at the CA certificate (PEM) of your Consul`,
    );
  }
}
