import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A setup file (vitest.config.ts): every temp folder a test file makes — mkdtempSync under
 * tmpdir(), its child processes' too (they inherit the environment) — goes into one folder of
 * that file's own, removed once its tests and their own after-hooks are done (vitest runs
 * after-hooks last-registered first, so this one runs last). Test files need not remove what
 * they make, and a full run leaves nothing behind in the system's temp folder.
 */
const root = mkdtempSync(join(tmpdir(), 'chroma-inspector-tests-'));
// tmpdir() reads TMPDIR on POSIX and TEMP / TMP on Windows, at each call.
for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = root;

afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 3 }));
