import { defineConfig } from 'vitest/config';

// `npm run test:package`: packs the built repo, installs the tarball into an empty folder and runs
// it from there. Slow: the install may compile better-sqlite3 and hnswlib-node from source.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    setupFiles: ['test/helpers/temp-root.ts'],
  },
});
