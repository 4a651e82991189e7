import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'ci-live-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('another process writes while the folder is open', () => {
  it('the next read sees the new WAL row (as a freshly started Chroma would)', () => {
    const dir = join(scratch, 'data');
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    const folder = ChromaFolder.open(dir);
    try {
      const before = folder.count({ name: 'tiny' });
      const q = { queryEmbeddings: [[0.25, 0.25, 0.25, 0.25]], nResults: 1, include: ['documents', 'distances'] };
      expect(folder.query({ name: 'tiny' }, q).ids[0]).not.toEqual(['tiny-live']);
      expect(folder.get({ name: 'tiny' }, { where: { n: 1 } }).ids).toEqual([]);

      // A writer appends to the WAL, as Chroma does before applying it.
      const writer = new Database(join(dir, 'chroma.sqlite3'));
      const id = folder.collection({ name: 'tiny' }).id;
      const vec = Buffer.from(new Float32Array([0.25, 0.25, 0.25, 0.25]).buffer);
      writer
        .prepare("INSERT INTO embeddings_queue (operation, topic, id, vector, encoding, metadata) VALUES (0, ?, 'tiny-live', ?, 'FLOAT32', ?)")
        .run(`persistent://default/default/${id}`, vec, '{"n":1,"chroma:document":"live doc"}');
      writer.close();

      expect(folder.count({ name: 'tiny' })).toBe(before + 1);
      expect(folder.get({ name: 'tiny' }, { where: { n: 1 }, include: ['documents'] })).toMatchObject({ ids: ['tiny-live'], documents: ['live doc'] });
      const hit = folder.query({ name: 'tiny' }, q);
      expect(hit.ids[0]).toEqual(['tiny-live']);
      expect(hit.distances[0]![0]).toBeCloseTo(0, 6);
    } finally {
      folder.close();
    }
  });
});
