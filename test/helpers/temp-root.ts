import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { TEST_TEMP_PARENT_ENV } from './temp-parent.js';

/**
 * A setup file (vitest.config.ts): every temp folder a test file makes — mkdtempSync under
 * tmpdir(), its child processes' too (they inherit the environment) — goes into one folder of
 * that file's own, removed once its tests and their own after-hooks are done (vitest runs
 * after-hooks last-registered first, so this one runs last). Test files need not remove what
 * they make, and a full run leaves nothing behind in the system's temp folder.
 */
// Inside the run's own folder where the config sets one up (temp-parent.ts), which goes when the
// run ends, whatever this file's end. A short name: sockets made under it have a path limit.
const parent = process.env[TEST_TEMP_PARENT_ENV];
const root = mkdtempSync(parent ? join(parent, 'f-') : join(tmpdir(), 'chroma-inspector-tests-'));
// tmpdir() reads TMPDIR on POSIX and TEMP / TMP on Windows, at each call.
for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = root;

afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 3 }));
