import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { readCheckpoint } from '../../../src-main/engine/hnsw/checkpoint.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { referenceFixture } from '../../helpers/paths.js';
import { ARTICLES, copySegment, seed7, type TempCopy } from './helpers.js';

// A label is a u64 in data_level0.bin; a damaged one must be reported against that file, never
// used to size an allocation (which failed as "INTERNAL: Invalid typed array length").

const GARBAGE = 0xfffffff0;
let copies: TempCopy[] = [];
afterEach(() => {
  for (const c of copies) c.cleanup();
  copies = [];
});

/** Overwrites element `internal`'s label; returns the label it had. */
function setLabel(file: string, seg: string, root: string, internal: number, label: number): number {
  const h = readHeaderFile(path.join(root, seg), `${seg}/header.bin`);
  const buf = fs.readFileSync(file);
  const at = internal * h.sizeDataPerElement + h.labelOffset;
  const old = buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 2 ** 32;
  buf.writeUInt32LE(label, at);
  buf.writeUInt32LE(0, at + 4);
  fs.writeFileSync(file, buf);
  return old;
}

describe('a garbage label in data_level0.bin', () => {
  it('is a problem naming the file, with vectors streamed into a slab', () => {
    const c = copySegment(seed7, ARTICLES);
    copies.push(c);
    const old = setLabel(c.file('data_level0.bin'), ARTICLES, c.root, 3, GARBAGE);
    const slab = new VectorSlab('cosine', 16);
    const r = readCheckpoint(c.root, ARTICLES, {
      space: 'cosine',
      sink: { vector: (label, buf, offset, norm) => slab.putFromBuffer(label, buf, offset, norm) },
    });
    // Chroma would load the index: only the record whose label was lost has no vector.
    expect(r.usable).toBe(true);
    expect([...r.damagedLabels]).toEqual([old]);
    const rel = `${ARTICLES}/data_level0.bin`;
    const bad = r.problems.find((p) => p.code === 'hnsw.bad-label');
    expect(bad?.file).toBe(rel);
    expect(bad?.message).toContain(String(GARBAGE));
    const missing = r.problems.find((p) => p.code === 'hnsw.missing-labels');
    expect(missing?.file).toBe(rel);
    expect(missing?.message).toContain(`label ${old} `);
    expect(slab.has(GARBAGE)).toBe(false);
  });

  it('the folder still opens and answers; the problem is listed', () => {
    const root = fs.mkdtempSync(path.join(path.dirname(copySegment(seed7, ARTICLES).root), 'bad-label-'));
    const dir = path.join(root, 'data');
    fs.cpSync(path.join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    copies.push({ root, segDir: '', file: () => '', cleanup: () => fs.rmSync(root, { recursive: true, force: true }) });
    setLabel(path.join(dir, ARTICLES, 'data_level0.bin'), ARTICLES, dir, 3, GARBAGE);
    const folder = ChromaFolder.open(dir);
    try {
      // Vectors load on first use, and the checkpoint's problems with them. One record has no
      // vector: a query fails naming the file, unless a partial answer (with warnings) is allowed.
      const args = { queryEmbeddings: [Array.from({ length: 16 }, () => 0.1)], nResults: 3 };
      expect(() => folder.query({ name: 'articles' }, args)).toThrow(/1 of 1349 records have no usable vector.*data_level0\.bin/);
      const q = folder.query({ name: 'articles' }, args, { allowPartial: true });
      expect(q.ids[0]!.length).toBe(3);
      expect(q.warnings?.map((w) => w.code)).toContain('vectors.missing');
      const info = folder.info();
      const p = info.problems.find((x) => x.code === 'hnsw.bad-label');
      expect(p?.file, JSON.stringify(info.problems)).toBe(`${ARTICLES}/data_level0.bin`);
      expect(p?.message).toContain(String(GARBAGE));
      expect(folder.collectionInfo({ name: 'articles' }).segments.find((s) => s.scope === 'VECTOR')?.vector?.checkpointUsable).toBe(true);
    } finally {
      folder.close();
    }
  });

  it('a slab holds any label without a huge table', () => {
    const slab = new VectorSlab('l2', 2);
    slab.put(1, new Float32Array([0, 0]), null);
    slab.put(GARBAGE, new Float32Array([1, 1]), null);
    slab.put(2 ** 52, new Float32Array([2, 2]), null);
    expect(slab.search(new Float32Array([0, 0]), 3, null).map((h) => h.label)).toEqual([1, GARBAGE, 2 ** 52]);
    slab.delete(GARBAGE);
    expect(slab.has(GARBAGE)).toBe(false);
    expect(slab.size).toBe(2);
  });
});
