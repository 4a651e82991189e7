import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A global setup (vitest.config.ts, the corpus config): one temp folder for the whole run, in which each test
 * file's own folder is made (temp-root.ts), removed when the run ends. It catches what a file's
 * own removal misses: a file whose tests are all skipped runs no after-hooks, and a worker that
 * is stopped runs none either.
 */
export const TEST_TEMP_PARENT_ENV = 'CHROMA_INSPECTOR_TEST_TEMP';

export default function setup(): () => void {
  const parent = mkdtempSync(join(tmpdir(), 'chroma-inspector-tests-'));
  // Read by the test files' processes, which start after this with this environment.
  process.env[TEST_TEMP_PARENT_ENV] = parent;
  return () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 });
}
