import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // a machine-readable record of every run; .ci/run prints its totals as the closing line
    reporters: ['default', 'json'],
    outputFile: { json: 'test/.runs/vitest-results.json' },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts', 'test/commands/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // brokers are shared; files run in parallel on 2 cores without starving them
          maxWorkers: 2,
        },
      },
    ],
  },
});
