import { defineConfig } from 'vitest/config';

// The end-to-end suite needs a database with the extension installed (PGFLOW_TEST_DATABASE_URL);
// scripts/test.sh provides one. Files run one after another: they share that database.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
