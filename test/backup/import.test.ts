import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { exportCollection, type ExportFormat } from '../../src-main/engine/backup/export-records.js';
import { importRecords } from '../../src-main/engine/backup/import-records.js';
import { readJsonl, readParquet, type ImportRecord } from '../../src-main/engine/backup/import-readers.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { copyFixture, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch();
let src = '';
beforeAll(() => {
  src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
});
afterAll(() => tmp.cleanup());

async function readAll(file: string, format: ExportFormat): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const b of format === 'jsonl' ? readJsonl(file, 500) : readParquet(file, 500)) out.push(...b.records);
  return out;
}

let n = 0;
describe('export → import → export', () => {
  for (const name of ['articles', 'inner', 'points', 'tiny']) {
    for (const format of ['jsonl', 'parquet'] as ExportFormat[]) {
      it(`${name} (${format}) gives an identical file`, async () => {
        const first = join(tmp.dir, `${name}-1.${format}`);
        const second = join(tmp.dir, `${name}-2.${format}`);
        const target = join(tmp.dir, `imported-${++n}`);
        const e1 = await exportCollection(src, { name }, first, { format, pageSize: 300 });
        const progress: number[] = [];
        const imp = await importRecords(first, target, { collection: name, batchSize: 250, space: format === 'jsonl' ? e1.collection.space : undefined, onProgress: (p) => progress.push(p.done) });
        expect(imp.records).toBe(e1.records);
        expect(imp.created).toBe(true);
        expect(progress.length).toBeGreaterThan(0);
        // The imported collection answers every count and get Chroma answered for the original.
        const chromaGets = loadCases('chroma-1.3.4-seed7').filter((c) => c.collection === name && c.op !== 'query');
        expect(chromaGets.length).toBeGreaterThan(20);
        expect(runCases(target, chromaGets)).toEqual([]);
        const e2 = await exportCollection(target, { name }, second, { format, pageSize: 77 });
        expect(e2.collection.space).toBe(e1.collection.space);
        if (e1.collection.space !== 'cosine') {
          expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
          return;
        }
        // Cosine: Chroma stores (unit vector, norm) and get returns their product, so a vector
        // re-added through the API comes back within an ulp or two (Chroma's own get → add does
        // the same). Everything else must be identical, embeddings equal to float32 precision.
        const a = await readAll(first, format);
        const b = await readAll(second, format);
        expect(b.map(({ embedding: _e, ...rest }) => rest)).toEqual(a.map(({ embedding: _e, ...rest }) => rest));
        let worst = 0;
        b.forEach((r, i) => r.embedding!.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - a[i]!.embedding![j]!) / Math.max(1, Math.abs(v))))));
        expect(worst).toBeLessThanOrEqual(4e-7);
      });
    }
  }

  it('imports into an existing collection (upsert), and a folder real Chroma layout opens', async () => {
    const file = join(tmp.dir, 'tiny-up.jsonl');
    await exportCollection(src, { name: 'tiny' }, file, { format: 'jsonl' });
    const target = join(tmp.dir, `imported-${++n}`);
    await importRecords(file, target, { collection: 'tiny' });
    const again = await importRecords(file, target, { collection: 'tiny', mode: 'upsert' });
    expect(again.created).toBe(false);
    const f = ChromaFolder.open(target);
    expect(f.count({ name: 'tiny' })).toBe(5);
    f.close();
  });

  it('a bad record fails with its line, and a collection the import created is removed again', async () => {
    const file = join(tmp.dir, 'bad.jsonl');
    const lines = readFileSync(join(tmp.dir, 'tiny-1.jsonl'), 'utf8').trim().split('\n');
    lines.splice(2, 0, '{"id":"x","metadata":{"k":[]},"embedding":[1,2,3,4]}');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const target = join(tmp.dir, `imported-${++n}`);
    const err = await importRecords(file, target, { collection: 'fresh', batchSize: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/bad\.jsonl:3: metadata key "k" is an empty array/);
    expect(existsSync(target)).toBe(true);
    const client = new PersistentClient({ path: target });
    expect((await client.listCollections()).map((c) => c.name)).not.toContain('fresh');
    await client.close();
  });

  it('cancel rolls back a collection the import created', async () => {
    const file = join(tmp.dir, 'articles-1.jsonl');
    const target = join(tmp.dir, `imported-${++n}`);
    const ac = new AbortController();
    const err = await importRecords(file, target, {
      collection: 'articles',
      batchSize: 100,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('CANCELLED');
    const client = new PersistentClient({ path: target });
    expect(await client.countCollections()).toBe(0);
    await client.close();
  });
});
