import { defineConfig } from 'vitest/config';

// Real-world folders people committed to public repos. They carry no licence, so they are never
// copied into the repository: they are read in place (CHROMA_INSPECTOR_CORPUS, or
// ../shared/fixtures/real-world beside the clone), and the suite skips, saying why, without them.
export default defineConfig({
  test: { include: ['test/corpus/**/*.test.ts'], globalSetup: ['test/corpus/corpus-notice.ts', 'test/helpers/temp-parent.ts'], setupFiles: ['test/helpers/temp-root.ts'], testTimeout: 120_000, pool: 'forks' },
});
