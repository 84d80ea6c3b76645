import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/sequencer.ts';

/**
 * Test files that mostly wait (a restart, a timer) or are unit tests, and neither time anything, count the shared
 * Consul's requests, nor judge leaks from a sampled timeline: they run three at a time, before the rest.
 * docs/TESTS.md says why the others are not here (sigkill.test.ts and testing-helper.test.ts failed beside them).
 */
const WAITING = [
  'test/architecture.test.ts',
  'test/docs.test.ts',
  'test/clients/clients.test.ts',
  'test/clients/freshness.test.ts',
  'test/clients/tls.test.ts',
  'test/clients/watch-cached.test.ts',
  'test/harness/acl.test.ts',
  // its blocks run side by side and none times anything (bad input, modules, signals, compare and gate)
  'test/harness/cli-commands.test.ts',
  'test/harness/cli-compare.test.ts',
  'test/harness/article-reproduction.test.ts',
  'test/harness/calibration.test.ts',
  'test/harness/compare-stats.test.ts',
  'test/harness/consul-monitor.test.ts',
  'test/harness/figures.test.ts',
  'test/harness/freshness.test.ts',
  'test/harness/gate.test.ts',
  'test/harness/go-service.test.ts',
  'test/harness/history.test.ts',
  'test/harness/leak-verdict.test.ts',
  'test/harness/lesson-table.test.ts',
  'test/harness/remote-consul.test.ts',
  'test/harness/report.test.ts',
  'test/harness/provision-download.test.ts',
  'test/harness/reaper.test.ts',
  'test/harness/results.test.ts',
  'test/harness/scenario-schema.test.ts',
  'test/harness/service-process.test.ts',
  'test/harness/socket-states.test.ts',
  'test/harness/units.test.ts',
];

// Integration tests share one real Consul (test/global-setup.ts) and the machine's two cores with the load they
// generate: the files that time things or count Consul's requests run one after another, alone.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // cli.test.ts starts its quick runs at once, in lanes (see there); no other file runs tests concurrently
    maxConcurrency: 10,
    // longest first by docs/TEST-TIMINGS.md (test/sequencer.ts)
    sequence: { sequencer: LongestFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON file feeds .ci/run's closing 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-artifacts/results.json' },
    projects: [
      {
        extends: true,
        test: { name: 'waiting', include: WAITING, maxWorkers: 3, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ['test/**/*.test.ts'],
          exclude: WAITING,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
