import { defineConfig } from 'vitest/config';

// Test levels are named by file suffix. Integration and end-to-end tests need the real broker and database that
// scripts/test.ts finds or starts; infra/dev/src/test-setup.ts hands each worker its own database.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude: ['**/node_modules/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
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
          setupFiles: ['infra/dev/src/test-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
