/**
 * Starts one real Consul (`local` backend: the provisioned binary, never a mock) for the whole test run and
 * hands its address to the tests with `inject('consulUrl')`. The binary is provisioned by `npm test`'s
 * `pretest` step (`consul-kv-bench provision`), which builds it once if needed.
 */
import type { TestProject } from 'vitest/node';
import { startLocalConsul } from '../harness/consul/local-consul.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    consulUrl: string;
    consulVersion: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const consul = await startLocalConsul({
    backend: 'local',
    httpMaxConnsPerClient: 200,
    onProgress: (l) => console.error(l),
  });
  project.provide('consulUrl', consul.httpUrl);
  project.provide('consulVersion', consul.version);
  return () => consul.stop();
}
