import { defineConfig } from 'vitest/config';

// the tests that run live clients through a whole cutover, one file at a time after the others
const LIVE_CUTOVERS = [
  'test/integration/cutover.test.ts',
  'test/integration/cutover-fleet.test.ts',
  'test/integration/cutover-default-clients.test.ts',
  'test/integration/cutover-external-fleet.test.ts',
  'test/integration/demo.test.ts',
];

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
          exclude: LIVE_CUTOVERS,
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // brokers are shared; files run in parallel on 2 cores without starving them
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'cutover',
          sequence: { groupOrder: 2 },
          include: LIVE_CUTOVERS,
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // each of these starts up to five brokers, two gateways, MirrorMaker 2 and JVM clients, and
          // measures pauses and duplicates against live clients: two at once on 2 cores starve each
          // other (gateways that do not start within 90 s, a cutover test at 3x its time alone)
          maxWorkers: 1,
        },
      },
    ],
  },
});
