import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'ci-readonly-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('opening a folder writes nothing to it', () => {
  for (const name of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
    it(`${name}: every read leaves every file byte-identical and adds no file`, async () => {
      const dir = join(scratch, name);
      cpSync(join(referenceFixture(name), 'data'), dir, { recursive: true });
      const before = hashTree(dir);

      const service = new EngineService();
      const h = service.handlers();
      const noop = { signal: new AbortController().signal, progress: () => {} };
      const { handle, info } = await h.openFolder({ path: dir }, noop);
      await h.tableSizes({ handle }, noop);
      await h.walRows({ handle, offset: 0, limit: 500 }, noop);
      await h.metadataRows({ handle, offset: 0, limit: 500 }, noop);
      await h.sql({ handle, sql: 'SELECT * FROM embeddings_queue', offset: 0, limit: 10 }, noop);
      for (const t of info.tenants) {
        for (const d of t.databases) {
          for (const c of d.collections) {
            await h.collectionInfo({ handle, collectionId: c.id }, noop);
            await h.records({ handle, collectionId: c.id, offset: 0, limit: 50, sort: { by: 'metadata', key: 'year', desc: true } }, noop);
            await h.metadataKeys({ handle, collectionId: c.id }, noop);
            await h.get({ handle, collectionId: c.id, args: { include: ['documents', 'metadatas', 'embeddings'] } }, noop);
            if (c.dimension) {
              await h.query({ handle, collectionId: c.id, args: { queryEmbeddings: [Array(c.dimension).fill(0.5)], nResults: 5, where: { year: { $gte: 2000 } } }, exact: false }, noop);
            }
          }
        }
      }
      await expect(async () => h.sql({ handle, sql: 'DELETE FROM embeddings', offset: 0, limit: 1 }, noop)).rejects.toThrow(/read/i);
      service.closeAll();

      expect(hashTree(dir)).toEqual(before);
    });
  }

  it('refuses SQL that writes, even through the raw console', () => {
    const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      expect(() => folder.db.prepare('INSERT INTO tenants VALUES (?)').run('x')).toThrow(/readonly/i);
    } finally {
      folder.close();
    }
  });
});
