import { defineConfig } from 'vitest/config';

// Real-world folders people committed to public repos. They carry no licence, so they are read
// in place from ../shared and the suite skips itself where that folder does not exist.
export default defineConfig({
  test: { include: ['test/corpus/**/*.test.ts'], testTimeout: 120_000, pool: 'forks' },
});
