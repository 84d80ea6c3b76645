/**
 * A measuring session: Consul started (and everything else a run starts) with signals handled and every process
 * stopped on success, failure, SIGINT and SIGTERM. Used alike by the commands (`run`, `calibrate`, `publish`,
 * `capacity`, `ceiling`) and the library (`runScenarios`); loads no CLI code.
 *
 * @module
 */
import { startConsul } from '../consul/consul-server.ts';
import type { ConsulBackendChoice, StartedConsul } from '../consul/consul-types.ts';
import { BenchError } from '../errors.ts';
import { startToxiproxy } from '../faults/toxiproxy-server.ts';
import { Teardown } from '../lifecycle.ts';
import type { BenchRunOptions } from '../run/bench-run.ts';

/** What {@link withConsul} gives its body. */
export interface ConsulSession {
  readonly consul: StartedConsul;
  readonly teardown: Teardown;
  /** Aborted by the first SIGINT/SIGTERM (or the caller's signal): finish the current phase and stop. */
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  /** The signal that stopped the run, if one did. */
  readonly signalled: () => NodeJS.Signals | undefined;
}

/** Options of {@link withConsul}. */
export interface SessionOptions {
  readonly backend: ConsulBackendChoice;
  /** Consul's `limits.http_max_conns_per_client` (the first scenario's). */
  readonly httpMaxConnsPerClient: number;
  /** ACLs enforced, default deny (`--acl`). Default false. */
  readonly acl?: boolean;
  /** Accept an external Consul off loopback (`--allow-remote-consul`). Default false. */
  readonly allowRemote?: boolean;
  /** Consul's API over HTTPS only (`--tls`, `consul.tls`). Default false. */
  readonly tls?: boolean;
  /**
   * Handle SIGINT and SIGTERM (the first finishes the current phase, a second stops at once). Default true (the
   * commands); the library passes false and stops on {@link SessionOptions.signal}.
   */
  readonly handleSignals?: boolean;
  /** The caller's stop signal (the library's `signal`). */
  readonly signal?: AbortSignal;
  /** Progress lines. Default: written to stderr. */
  readonly onProgress?: (line: string) => void;
}

/**
 * A measuring session: handles signals, starts Consul, runs `body`, and stops everything the session started on
 * success, failure or signal.
 * @param onFailure called with whether a signal stopped the run, before the error is rethrown: save what was measured.
 * @returns `body`'s exit code, or 130/143 when a signal ended it.
 * @throws {BenchError} usage errors (exit 2) and failures that end the run (exit 1).
 */
export async function withConsul(
  options: SessionOptions,
  body: (session: ConsulSession) => Promise<number>,
  onFailure?: (interrupted: boolean) => Promise<void>,
): Promise<number> {
  const teardown = new Teardown();
  const abort = new AbortController();
  const handleSignals = options.handleSignals ?? true;
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`\n${sig} again: stopping now\n`);
      void teardown.runAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
      return;
    }
    signalled = sig;
    process.stderr.write(
      `\n${sig}: finishing the current phase, stopping everything and writing the report… (again to force)\n`,
    );
    abort.abort();
  };
  const onCallerAbort = (): void => abort.abort();
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  const progress = options.onProgress ?? ((line: string): void => void process.stderr.write(line + '\n'));
  try {
    progress(`starting Consul (--consul ${options.backend})…`);
    const consul = await startConsul({
      backend: options.backend,
      httpMaxConnsPerClient: options.httpMaxConnsPerClient,
      ...(options.acl ? { acl: true } : {}),
      ...(options.allowRemote ? { allowRemote: true } : {}),
      ...(options.tls ? { tls: true } : {}),
      onProgress: progress,
      signal: abort.signal,
    });
    teardown.defer('consul', () => consul.stop());
    progress(
      `Consul ${consul.version} ready at ${consul.httpUrl} (${consul.backend}${consul.acl ? ', ACLs enforced, default deny' : ''}${consul.tls ? ', HTTPS only' : ''})`,
    );
    if (abort.signal.aborted) throw new BenchError('INTERRUPTED', `stopped by ${signalled ?? 'the caller'}`);
    return await body({ consul, teardown, signal: abort.signal, progress, signalled: () => signalled });
  } catch (err) {
    await onFailure?.(signalled !== undefined || abort.signal.aborted);
    if (signalled && !(err instanceof BenchError && err.isUsage)) return signalled === 'SIGINT' ? 130 : 143;
    throw err;
  } finally {
    const errors = await teardown.runAll();
    for (const e of errors) progress(`warning: ${e.message}`);
    options.signal?.removeEventListener('abort', onCallerAbort);
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** The Consul starters a `BenchRun` needs beside the session's: Toxiproxy, per-scenario limits, restarts. */
export function scenarioConsuls(
  consul: StartedConsul,
  progress: (line: string) => void,
  signal: AbortSignal,
): Pick<BenchRunOptions, 'startToxiproxy' | 'startScenarioConsul' | 'startRestartableConsul'> {
  return {
    startToxiproxy: () => startToxiproxy({ onProgress: progress, signal }),
    startScenarioConsul: (s) =>
      startConsul({
        backend: consul.backend === 'container' ? 'container' : 'local',
        httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
        ...(consul.acl ? { acl: true } : {}),
        ...(s.consul.tls ? { tls: true } : {}),
        onProgress: progress,
        signal,
      }),
    startRestartableConsul: (s) =>
      startConsul({
        backend: 'local',
        persistent: true,
        httpMaxConnsPerClient: s.consul.httpMaxConnsPerClient,
        ...(consul.acl ? { acl: true } : {}),
        ...(s.consul.tls ? { tls: true } : {}),
        onProgress: progress,
        signal,
      }),
  };
}
