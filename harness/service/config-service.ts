/**
 * The service under test: a small HTTP config service in its own process. `GET /config/<key>` reads
 * `<prefix><key>` through one client strategy and answers with the value's bytes.
 *
 * Answers: 200 with the bytes; otherwise the status of the error's cause in `ERROR_CAUSES`
 * (`clients/support/client-errors.ts`): 404 for a missing key, 503 when Consul refused the connection (429,
 * `http_max_conns_per_client`) or a cache is past its stale-while-error bound, 504 when the client's own timeout
 * fired, 429 when the client's own rate limiter refused the read, 502 for other Consul or transport errors, 500
 * for anything else. The cause also goes in the `x-bench-cause` header and the service's counters.
 *
 * Started by `service-process.ts` with the path of its configuration (a JSON file only its user can read, deleted
 * once read, so an ACL token never shows in `ps`) in argv[2]; talks to the harness over execa's
 * IPC: it sends `{ type: 'ready', port }`, then answers `{ type: 'idle', spanMs? }` (the idle baseline of active
 * resources, the most of each type over `spanMs`, taken before any load and again after a warm-up, with the retained
 * heap), `{ type: 'retained' }` (the heap after
 * a full GC) and `{ type: 'stats' }` with a {@link ServiceStats}; SIGTERM stops it.
 * Run directly only for debugging.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { getEachMessage, sendMessage } from 'execa';
import {
  CLIENTS,
  causeOf,
  ERROR_CAUSES,
  emptyCauseCounts,
  isClientName,
  type KvClient,
  type KvClientFactory,
} from '../../clients/index.ts';
import { isEntryPoint } from '../package-paths.ts';
import { DoorMeter } from './door-meter.ts';
import { activeResourceCounts, idleResourceCounts } from './idle-resources.ts';
import {
  ConsulConnectionMeter,
  InFlightMeter,
  ProcessMeter,
  ServiceSampler,
  takeWindows,
  type WindowMeter,
  windowMeter,
} from './service-meters.ts';
import { readServiceConfig, type ServiceConfig, type ServiceStats } from './service-protocol.ts';

/**
 * The memory the process retains, bytes: `heapUsed + external` after two full GCs (the service runs with
 * `--expose-gc`). What a client keeps per failed read stays in it, on the V8 heap (objects, closures) or outside it
 * (`external`: the ArrayBuffers behind Buffers and typed arrays, which `heapUsed` alone does not count).
 * `undefined` without `gc` (a launcher that dropped the flag).
 */
function retainedHeapBytes(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** The factory of a registered client, or of a user's module (its default export or `createClient`). */
async function loadFactory(config: ServiceConfig): Promise<KvClientFactory> {
  if (config.clientModule) {
    const mod = (await import(pathToFileURL(config.clientModule).href)) as {
      default?: unknown;
      createClient?: unknown;
    };
    const factory = typeof mod.default === 'function' ? mod.default : mod.createClient;
    if (typeof factory !== 'function')
      throw new Error(
        `${config.clientModule} exports no client factory: export default (options) => client, or export createClient`,
      );
    return factory as KvClientFactory;
  }
  if (!isClientName(config.client)) throw new Error(`unknown client ${config.client}`);
  const entry = CLIENTS[config.client];
  if (!('factory' in entry)) throw new Error(`${config.client} has no factory`);
  return entry.factory;
}

async function main(): Promise<void> {
  const config = await readServiceConfig(process.argv[2]);
  const factory = await loadFactory(config);
  const consulPort = Number(new URL(config.clientOptions.consulUrl).port || 80);
  const connections = new ConsulConnectionMeter(consulPort);
  const inFlight = new InFlightMeter(consulPort);
  const door = new DoorMeter();
  const sampler = new ServiceSampler(inFlight, () => door.pending, consulPort, { sampleSockets: config.sampleSockets });
  const meter = new ProcessMeter();
  const client: KvClient = factory(config.clientOptions);
  if (typeof client?.get !== 'function' || typeof client.close !== 'function') {
    throw new Error(
      `the factory of ${config.clientModule ?? config.client} did not return a client with get() and close()`,
    );
  }
  await client.start?.();

  const prefix = config.clientOptions.prefix;
  let byStatus: Record<string, number> = {};
  let causes = emptyCauseCounts();
  const count = (status: number): void => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };

  // The service's statistics of a window, one meter a field (read all, then reset all).
  const meters = {
    byStatus: windowMeter(
      () => byStatus,
      () => {
        byStatus = {};
      },
    ),
    causes: windowMeter(
      () => causes,
      () => {
        causes = emptyCauseCounts();
      },
    ),
    consulConnections: windowMeter(
      () => connections.snapshot(),
      () => connections.reset(),
    ),
    inFlightPeak: windowMeter(
      () => inFlight.peak,
      () => inFlight.resetPeak(),
    ),
    pendingPeak: windowMeter(
      () => door.peak,
      () => door.resetPeak(),
    ),
    idleResources: windowMeter(() => idleResources),
    process: windowMeter(() => meter.snapshot()),
    client: windowMeter(() => ({ ...(client.counters ?? {}), ...((client as { stats?: object }).stats ?? {}) })),
    timeline: windowMeter(() => sampler.take()),
    samplerCost: windowMeter(() => sampler.takeCost()),
  } satisfies { [K in keyof ServiceStats]: WindowMeter<ServiceStats[K]> };
  const takeStats = (): ServiceStats => takeWindows(meters);

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.end('ok');
      return;
    }
    if (config.readyFile && url.startsWith('/__bench/idle')) {
      const spanMs = Number(new URL(url, 'http://service').searchParams.get('spanMs') ?? 0);
      void idleResourceCounts(spanMs).then((counts) => {
        idleResources = counts;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ resources: idleResources, heapBytes: retainedHeapBytes() }));
      });
      return;
    }
    if (config.readyFile && url === '/__bench/retained') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ heapBytes: retainedHeapBytes() }));
      return;
    }
    if (config.readyFile && url === '/__bench/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(takeStats()));
      return;
    }
    if (req.method !== 'GET' || !url.startsWith('/config/')) {
      res.statusCode = 404;
      res.end();
      return;
    }
    let key: string;
    try {
      key = prefix + url.slice('/config/'.length).split('?')[0]!.split('/').map(decodeURIComponent).join('/');
    } catch {
      res.statusCode = 400;
      count(400);
      res.end();
      return;
    }
    door.track(client.get(key)).then(
      (value) => {
        if (value === undefined) {
          causes.notFound++;
          res.statusCode = 404;
          res.setHeader('x-bench-cause', 'notFound');
          count(404);
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('content-length', value.byteLength);
        count(200);
        res.end(value);
      },
      (err: unknown) => {
        const cause = causeOf(err);
        causes[cause]++;
        res.statusCode = ERROR_CAUSES[cause].status;
        res.setHeader('x-bench-cause', cause);
        count(res.statusCode);
        res.end();
      },
    );
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // What is active when ready and idle: a row's orphaned work is what it leaves above this. Taken again when the
  // harness asks (`idle`), once its IPC channel (or stats endpoint) is in use, before any load.
  let idleResources = activeResourceCounts();

  let stopping: Promise<void> | undefined;
  /** Idempotent: a signal and the end of the IPC channel may both ask for it. */
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await client.close();
      connections.dispose();
      inFlight.dispose();
      sampler.dispose();
      meter.dispose();
    })());
  process.once('SIGTERM', () => void shutdown().finally(() => process.exit(0)));
  process.once('SIGINT', () => void shutdown().finally(() => process.exit(0)));

  if (config.readyFile) {
    // No IPC channel (e.g. under clinic doctor): say we are ready through a file; stats come over HTTP; stop with SIGTERM.
    await writeFile(config.readyFile, JSON.stringify({ port, pid: process.pid }));
    return;
  }
  await sendMessage({ type: 'ready', port });
  for await (const message of getEachMessage()) {
    const m = message as { type?: string };
    if (m.type === 'stats') await sendMessage({ type: 'stats', stats: takeStats() });
    if (m.type === 'idle') {
      idleResources = await idleResourceCounts((m as { spanMs?: number }).spanMs ?? 0);
      await sendMessage({ type: 'idle', resources: idleResources, heapBytes: retainedHeapBytes() });
    }
    if (m.type === 'retained') await sendMessage({ type: 'retained', heapBytes: retainedHeapBytes() });
  }
  // The harness stops the service with SIGTERM (handled above); the IPC channel closing ends the loop too.
  await shutdown();
  process.exit(0);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`config service failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
