import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { EmbeddedFolder } from '../../src-main/engine/write/embedded-folder.js';
import { createStagingDir, publishSegmentFolder, recoverSegmentFolders, removeFolderAsync } from '../../src-main/engine/write/segment-swap.js';
import { batchRecords } from './crash-batches.js';

/** A folder whose collection has a persisted checkpoint (close flushes) and `pending` more records only in the WAL. */
async function folderWithCheckpoint(pending: number): Promise<{ dir: string; segment: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-swap-')), 'data');
  const client = new PersistentClient({ path: dir });
  const col = await client.createCollection({ name: 'swap', configuration: { hnsw: { space: 'cosine' } }, embeddingFunction: null });
  await col.add(batchRecords(1, 300));
  await client.close();
  if (pending > 0) {
    // Below the sync threshold and closed without flushing: these stay in the WAL only.
    const folder = EmbeddedFolder.open(dir);
    const id = folder.reader.catalog.collections[0]!.id;
    const more = batchRecords(2, pending);
    await folder.run(() =>
      folder.writeRecords(id, 'ADD', more.ids.map((rid, i) => ({ id: rid, vector: Float32Array.from(more.embeddings[i]!), metadata: new Map([['batch', { kind: 'int' as const, value: 2n }]]) }))),
    );
    await folder.run(() => folder.writeRecords(id, 'DELETE', batchRecords(1, 300).ids.slice(0, 10).map((rid) => ({ id: rid }))));
    await folder.close({ flush: false });
  }
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  const { id } = db.prepare("SELECT id FROM segments WHERE scope = 'VECTOR'").get() as { id: string };
  db.close();
  return { dir, segment: id };
}

async function expectIntact(dir: string, count: number): Promise<void> {
  const client = new PersistentClient({ path: dir });
  try {
    const col = await client.getCollection({ name: 'swap' });
    expect(await col.count()).toBe(count);
    const probe = batchRecords(1, 300);
    expect((await col.query({ queryEmbeddings: [probe.embeddings[42]!], nResults: 1, include: [] })).ids).toEqual([[probe.ids[42]]]);
    expect((await col.get({ ids: probe.ids.slice(0, 12), include: [] })).ids).toEqual(count === 300 ? probe.ids.slice(0, 12) : probe.ids.slice(10, 12));
  } finally {
    await client.close();
  }
  expect(readdirSync(dir).filter((n) => /\.(next|prev|trash)-/.test(n))).toEqual([]);
  const f = ChromaFolder.open(dir);
  try {
    expect(f.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
  } finally {
    f.close();
  }
}

// A checkpoint is replaced as one folder (staging, then two renames, then max_seq_id). Each
// interruption point leaves a state that reopening repairs without losing a record.
describe('interrupted checkpoint swaps are repaired on open', () => {
  it('killed while writing the staging folder: the half-written copy is dropped', async () => {
    const { dir, segment } = await folderWithCheckpoint(0);
    mkdirSync(join(dir, `${segment}.next-0123456789ab`));
    writeFileSync(join(dir, `${segment}.next-0123456789ab`, 'header.bin'), Buffer.alloc(10));
    await expectIntact(dir, 300);
  });

  it('killed between the two renames: the old folder, which max_seq_id still matches, is put back', async () => {
    const { dir, segment } = await folderWithCheckpoint(50);
    cpSync(join(dir, segment), join(dir, `${segment}.next-aaaaaaaaaaaa`), { recursive: true });
    renameSync(join(dir, segment), join(dir, `${segment}.prev-bbbbbbbbbbbb`));
    expect(existsSync(join(dir, segment))).toBe(false);
    await expectIntact(dir, 340);
  });

  it('killed after the swap, before max_seq_id moved: the WAL rows above it replay onto the new checkpoint', async () => {
    const { dir, segment } = await folderWithCheckpoint(50);
    // Build the newer checkpoint in a copy, then put only its folder in place.
    const copy = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-swap-')), 'data');
    cpSync(dir, copy, { recursive: true });
    const flush = EmbeddedFolder.open(copy);
    await flush.run(() => flush.flush({ all: true }));
    await flush.close();
    expect(existsSync(join(copy, segment, 'index_metadata.pickle'))).toBe(true);
    renameSync(join(dir, segment), join(dir, `${segment}.prev-cccccccccccc`));
    cpSync(join(copy, segment), join(dir, segment), { recursive: true });
    await expectIntact(dir, 340);
  });

  it('killed between the two renames while an older trash folder was half removed: the .prev folder is put back, never the trash', async () => {
    const { dir, segment } = await folderWithCheckpoint(50);
    // An older checkpoint, half unlinked by a background removal (which makes its folder the newest).
    const trash = join(dir, `${segment}.trash-eeeeeeeeeeee`);
    cpSync(join(dir, segment), trash, { recursive: true });
    rmSync(join(trash, 'data_level0.bin'));
    renameSync(join(dir, segment), join(dir, `${segment}.prev-ffffffffffff`));
    utimesSync(trash, new Date(), new Date(Date.now() + 60_000));
    await expectIntact(dir, 340);
  });

  it('a writer opened in the same process leaves the staging and trash folders its process is still working on', async () => {
    const { dir, segment } = await folderWithCheckpoint(0);
    const staging = createStagingDir(dir, segment);
    mkdirSync(join(dir, `${segment}.next-0123456789ab`)); // a crash's leftover: removed
    expect(recoverSegmentFolders(dir)).toEqual([`removed ${segment}.next-0123456789ab`]);
    expect(existsSync(staging)).toBe(true);
    // The same checkpoint swapped in: the old folder becomes trash, which this process removes.
    cpSync(join(dir, segment), staging, { recursive: true });
    const trash = publishSegmentFolder(dir, segment, staging)!;
    expect(trash).toMatch(/\.trash-[0-9a-f]+$/);
    const removal = removeFolderAsync(trash); // as a publish hands it over
    expect(recoverSegmentFolders(dir)).toEqual([]);
    await removal;
    expect(existsSync(trash)).toBe(false);
    await expectIntact(dir, 300);
  });

  it('knows its own staging folder through a symlinked path, and puts the old folder back when the new one cannot be moved in', async () => {
    const { dir, segment } = await folderWithCheckpoint(0);
    const link = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-swap-link-')), 'data');
    symlinkSync(dir, link);
    const staging = createStagingDir(link, segment);
    expect(recoverSegmentFolders(dir)).toEqual([]);
    expect(existsSync(staging)).toBe(true);
    // The staging folder is gone when it is moved in: the old folder must be back in place.
    rmSync(staging, { recursive: true });
    const before = readdirSync(join(dir, segment)).sort();
    expect(() => publishSegmentFolder(dir, segment, staging)).toThrow();
    expect(readdirSync(join(dir, segment)).sort()).toEqual(before);
    await expectIntact(dir, 300);
  });

  it('a leftover previous folder next to a complete one is removed', async () => {
    const { dir, segment } = await folderWithCheckpoint(0);
    cpSync(join(dir, segment), join(dir, `${segment}.prev-dddddddddddd`), { recursive: true });
    await expectIntact(dir, 300);
    rmSync(dir, { recursive: true, force: true });
  });
});
