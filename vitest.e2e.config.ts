import { defineConfig } from 'vitest/config';

// The real UI in headless Chromium (Debian's) against `serve`. Needs `npm run build` first
// (npm run test:e2e does it).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    setupFiles: ['test/helpers/temp-root.ts'],
  },
});
