import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/engine/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/unit/**/*.test.{ts,tsx}', 'test/write/**/*.test.ts', 'test/compat/**/*.test.ts', 'test/backup/**/*.test.ts', 'test/server/**/*.test.ts', 'test/repair/**/*.test.ts', 'test/migrate/**/*.test.ts', 'test/verify/**/*.test.ts', 'test/source/**/*.test.ts', 'test/copy/**/*.test.ts'],
    // Installs real Chroma for the round-trip suites (or records why it could not).
    globalSetup: ['test/reference-chroma/global-setup.ts', 'test/helpers/temp-parent.ts'],
    // Each test file's temp folders in one of its own, removed after it (test/helpers/temp-root.ts).
    setupFiles: ['test/helpers/temp-root.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
