import { defineConfig } from 'vitest/config';

// Test levels are named by file suffix. Integration and end-to-end tests need the real broker and database:
// infra/dev/src/global-setup.ts finds or starts them once per run (honouring KAFKA_BROKERS / DATABASE_URL), creates
// the run's topics and migrated template database; infra/dev/src/test-setup.ts gives each worker its own copy.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude: ['**/node_modules/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['infra/dev/src/global-setup.ts'],
          setupFiles: ['infra/dev/src/test-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['infra/dev/src/global-setup.ts'],
          setupFiles: ['infra/dev/src/test-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
