import { defineConfig } from 'vitest/config';

/*
 * `npm run test:faults`: the fault tests at full volume (5,000 events for 50 tenants per
 * scenario), one file at a time so the scenarios do not fight over two cores. `npm test` runs
 * the same files at a small volume, except `*.faults.ts` (the broker restart on a RabbitMQ node of
 * its own), which only runs here.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts', 'test/faults/**/*.faults.ts'],
    // A SecantusDB of the suite's own when no Docker or MONGODB_URL: see global-setup-faults.ts.
    globalSetup: ['test/support/global-setup-faults.ts'],
    env: { FLOWLINE_FAULT_EVENTS: '5000', FLOWLINE_FAULT_TENANTS: '50' },
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
