import { defineConfig } from 'vitest/config';

// Integration tests share one real Consul (test/global-setup.ts) and the machine's two cores with the load they
// generate, so test files run one after another.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    // cli.test.ts starts its quick runs at once, in lanes (see there); no other file runs tests concurrently
    maxConcurrency: 10,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON file feeds .ci/run's closing 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-artifacts/results.json' },
  },
});
