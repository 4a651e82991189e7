import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesHolding } from '../../src-main/engine/folder/activity.js';
import { verify } from '../../src-main/engine/backup/verify.js';
import { fixFolder } from '../../src-main/engine/repair/fix-folder.js';
import { fixInPlace } from '../../src-main/engine/repair/fix-in-place.js';
import { caught } from '../helpers/caught.js';
import { hashTree } from '../helpers/hash-tree.js';
import { exec, fixtureCopies, leftovers, loadCases, runCases, scratch, segmentOf } from './helpers.js';

// The repair's promises, checked on copies of the Chroma 1.3.4 fixture: the original is only
// read; a refused, failed, unverifiable or cancelled repair leaves nothing behind.
const tmp = scratch('ci-repair-safety-');
afterAll(() => tmp.cleanup());

const ORPHAN_FOLDER = '5523d958-f31b-43f6-a027-2778e810ab9e';
/** A fresh copy of the fixture in its own parent folder. */
const source = fixtureCopies(tmp.dir);

describe('fix: the original is only read, and nothing is left behind on failure', () => {
  it('repairs into a new folder (every fix) with the source byte-for-byte unchanged and no staging left', async () => {
    const { src, parent } = source();
    const before = hashTree(src);
    const report = await fixFolder(src, join(parent, 'fixed'));
    expect(hashTree(src)).toEqual(before);
    expect(report.kinds).toEqual(['orphans', 'fts-rebuild', 'hnsw-rebuild', 'purge-wal']);
    expect(existsSync(join(parent, 'fixed', ORPHAN_FOLDER))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
    expect(runCases(join(parent, 'fixed'), loadCases('chroma-1.3.4-seed7'))).toEqual([]);
  });

  it('refuses an existing non-empty target, and a target inside the source', async () => {
    const { src, parent } = source();
    const full = join(parent, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect((await caught(fixFolder(src, full))).message).toMatch(/not empty .*never writes over existing data/);
    expect(readdirSync(full)).toEqual(['keep.txt']);
    expect((await caught(fixFolder(src, join(src, 'inside')))).message).toMatch(/must not be inside the source folder/);
    expect(existsSync(join(src, 'inside'))).toBe(false);
    expect((await caught(fixFolder(src, join(parent, 'x'), { only: [] }))).code).toBe('INVALID_ARGUMENT');
    expect((await caught(fixFolder(parent, join(tmp.dir, 'not-chroma')))).code).toBe('NOT_A_CHROMA_FOLDER');
    expect(leftovers(parent)).toEqual([]);
  });

  for (const phase of ['copying', 'orphans', 'hnsw-rebuild', 'purge-wal', 'verify']) {
    it(`cancel while ${phase}: CANCELLED, no staging folder, no target`, async () => {
      const { src, parent } = source();
      const before = hashTree(src);
      const ac = new AbortController();
      const seen: string[] = [];
      const err = await caught(
        fixFolder(src, join(parent, 'fixed'), {
          signal: ac.signal,
          onProgress: (p) => {
            seen.push(p.message);
            if (p.message.startsWith(phase)) ac.abort();
          },
        }),
      );
      expect(err.code).toBe('CANCELLED');
      expect(seen.some((m) => m.startsWith(phase))).toBe(true);
      expect(existsSync(join(parent, 'fixed'))).toBe(false);
      expect(leftovers(parent)).toEqual([]);
      expect(hashTree(src)).toEqual(before);
    });
  }

  it('a result that does not match the original is not published', async () => {
    const { src, parent } = source();
    const meta = segmentOf(src, 'tiny', 'METADATA');
    // A fault injected after the fixes, as a faulty fix would leave it: a record gone.
    const err = await caught(
      fixFolder(src, join(parent, 'fixed'), {
        only: ['orphans'],
        afterFixes: (staging) => exec(staging, `DELETE FROM embeddings WHERE id = (SELECT min(id) FROM embeddings WHERE segment_id = '${meta}')`),
      }),
    );
    expect(err.details?.reason).toBe('fix.unverified');
    expect(err.message).toMatch(/collection default_tenant\/default_database\/tiny: .*records after the repair/);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });

  it('a changed vector is caught too', async () => {
    const { src, parent } = source();
    const err = await caught(
      fixFolder(src, join(parent, 'fixed'), {
        only: ['orphans'],
        // `points` has no checkpoint: its vectors are the WAL's, here zeroed in the copy.
        afterFixes: (staging) => exec(staging, "UPDATE embeddings_queue SET vector = zeroblob(length(vector)) WHERE vector IS NOT NULL AND topic LIKE '%23820974-ae25-47f4-a68c-f508163cf75e'"),
      }),
    );
    expect(err.details?.reason).toBe('fix.unverified');
    expect(err.message).toMatch(/collection default_tenant\/default_database\/points: the vector of record .* changed/);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });
});

describe('fix --in-place', () => {
  it('takes a verified backup first, then replaces the folder with the verified repair', async () => {
    const { src, parent } = source();
    let announced = '';
    const report = await fixInPlace(src, { only: ['orphans'], onBackup: (zip) => (announced = zip) });
    expect(report.backup).toBe(announced);
    expect(report.backup!.startsWith(join(parent, 'chroma-1.3.4-seed7-data-before-fix-'))).toBe(true);
    // The backup holds the original, orphan folder included, and passes its own verification.
    const v = await verify(report.backup!);
    expect(v.manifest?.files.some((f) => f.path.startsWith(`${ORPHAN_FOLDER}/`))).toBe(true);
    expect(existsSync(join(src, ORPHAN_FOLDER))).toBe(false);
    expect(runCases(src, loadCases('chroma-1.3.4-seed7'))).toEqual([]);
    expect(leftovers(parent)).toEqual([]);
  });

  it('refuses while another process has the database open, before writing anything', async () => {
    const { src, parent } = source();
    const db = join(src, 'chroma.sqlite3');
    const holder = spawn(process.execPath, ['-e', "require('fs').openSync(process.argv[1], 'r'); setInterval(() => {}, 1000)", db], { stdio: 'ignore' });
    try {
      const until = Date.now() + 10_000;
      while (!processesHolding(db).includes(holder.pid!) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const before = hashTree(src);
      const err = await caught(fixInPlace(src));
      expect(err.code).toBe('FOLDER_BUSY');
      expect(err.message).toMatch(new RegExp(`pid ${holder.pid}`));
      expect(hashTree(src)).toEqual(before);
      expect(readdirSync(parent)).toEqual(['chroma-1.3.4-seed7-data']);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
