/**
 * Which Consul a scenario runs on: the run's own, or one started for the scenario alone and stopped after it,
 * when the scenario restarts Consul (a persistent local server the harness can stop and start) or needs another
 * `limits.http_max_conns_per_client` or TLS setting (`consul.tls`, for a local Consul) than the run's Consul has (e.g. `articles` at the stock 200 and
 * `network-stall` at 4096 in one run).
 *
 * @module
 */
import type { StartedConsul } from '../consul/consul-types.ts';
import { BenchError } from '../errors.ts';
import type { Teardown } from '../lifecycle.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { RunEmitter } from './run-events.ts';

/** How to start a scenario's own Consul (see `BenchRunOptions`). */
export interface ScenarioConsulStarters {
  readonly startRestartableConsul?: ((scenario: Scenario) => Promise<StartedConsul>) | undefined;
  readonly startScenarioConsul?: ((scenario: Scenario) => Promise<StartedConsul>) | undefined;
}

/** The Consul of a scenario, and how to let it go afterwards (a no-op for the run's own). */
export interface ScenarioConsul {
  readonly consul: StartedConsul;
  release(): Promise<void>;
}

/**
 * Picks or starts the Consul of `scenario`.
 * @throws {BenchError} `USAGE` for a restart scenario when the run cannot start a restartable Consul (an external
 *   Consul, or a container).
 */
export async function acquireScenarioConsul(
  scenario: Scenario,
  runConsul: StartedConsul,
  starters: ScenarioConsulStarters,
  teardown: Teardown,
  events: RunEmitter,
): Promise<ScenarioConsul> {
  if (scenario.restart) {
    if (!starters.startRestartableConsul) {
      throw new BenchError(
        'USAGE',
        `${scenario.name} stops and starts Consul, which only works on a Consul the harness runs itself: use --consul local (or auto without Docker)`,
      );
    }
    events.emit(
      'notice',
      `${scenario.name}: starting a persistent single-node Consul server of its own (it will be stopped and started again in every row)`,
    );
    const own = await starters.startRestartableConsul(scenario);
    return { consul: own, release: teardown.defer(`restartable Consul for ${scenario.name}`, () => own.stop()) };
  }
  const limit = runConsul.httpMaxConnsPerClient;
  const wanted = scenario.consul.httpMaxConnsPerClient;
  const tlsDiffers = runConsul.backend === 'local' && (runConsul.tls ?? false) !== scenario.consul.tls;
  if (starters.startScenarioConsul && ((limit !== undefined && limit !== wanted) || tlsDiffers)) {
    events.emit(
      'notice',
      `${scenario.name}: starting a Consul of its own with http_max_conns_per_client = ${wanted}${scenario.consul.tls ? ', HTTPS only' : ''} (the run's has ${limit ?? 'its own'}${runConsul.tls ? ', HTTPS only' : ''})`,
    );
    const own = await starters.startScenarioConsul(scenario);
    return { consul: own, release: teardown.defer(`Consul for ${scenario.name}`, () => own.stop()) };
  }
  return { consul: runConsul, release: () => Promise.resolve() };
}
