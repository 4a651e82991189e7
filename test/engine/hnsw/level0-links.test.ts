import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src-main/engine/hnsw/checkpoint.js';
import { readGraphLinks } from '../../../src-main/engine/hnsw/graph-links.js';
import { Level0LinkCollector } from '../../../src-main/engine/hnsw/level0-links.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import { ARTICLES, copySegment, seed7, type TempCopy } from './helpers.js';

/**
 * The graph's level-0 rows taken during the vector load (one pass over data_level0.bin) must be
 * the file's rows: checked against a DataView parse of hnswlib's layout written here (docs/format.md §6.2),
 * including the private vectors of elements the slab does not hold, and damage must be named.
 */
const segDir = path.join(seed7, ARTICLES);
const header = readHeaderFile(segDir, `${ARTICLES}/header.bin`);

interface Element {
  neighbours: number[];
  deleted: boolean;
  label: number;
  vector: Float32Array;
}

function parseLevel0(file: string): Element[] {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Element[] = [];
  for (let id = 0; id < header.curElementCount; id++) {
    const base = id * header.sizeDataPerElement;
    const n = view.getUint16(base, true);
    const neighbours = Array.from({ length: n }, (_, j) => view.getUint32(base + 4 + 4 * j, true));
    const vector = Float32Array.from({ length: header.dim }, (_, i) => view.getFloat32(base + header.offsetData + 4 * i, true));
    out.push({ neighbours, deleted: (view.getUint8(base + 2) & 1) === 1, label: Number(view.getBigUint64(base + header.labelOffset, true)), vector });
  }
  return out;
}

/** The collector fed by the checkpoint load, as the first query's load does it. */
function collectDuringLoad(root: string): Level0LinkCollector {
  const collector = new Level0LinkCollector();
  const cp = readCheckpoint(root, ARTICLES, {
    space: 'cosine',
    sink: { vector: () => {}, chunk: (buf, first, count, h) => collector.chunk(buf, first, count, h) },
  });
  expect(cp.usable).toBe(true);
  return collector;
}

let copy: TempCopy | null = null;
afterEach(() => {
  copy?.cleanup();
  copy = null;
});

describe('level-0 rows taken during the vector load', () => {
  const expected = parseLevel0(path.join(segDir, 'data_level0.bin'));

  it('equal the file, element by element', () => {
    const collector = collectDuringLoad(seed7);
    expect('problem' in collector.result(header)).toBe(false);
    const links = readGraphLinks(segDir, header, () => 0, collector);
    expect(links.count).toBe(expected.length);
    const stride = header.maxM0 + 1;
    expected.forEach((e, id) => {
      expect(links.level0[id * stride]).toBe(e.neighbours.length);
      expect([...links.level0.subarray(id * stride + 1, id * stride + 1 + e.neighbours.length)]).toEqual(e.neighbours);
      expect(links.labels[id]).toBe(e.label);
      expect(links.deleted[id]).toBe(e.deleted ? 1 : 0);
    });
    expect(links.deletedCount).toBe(expected.filter((e) => e.deleted).length);
    expect(links.deletedCount).toBeGreaterThan(0);
    expect(links.maxLabel).toBe(Math.max(...expected.map((e) => e.label)));
  });

  it('give the same graph as a walk of its own, and private vectors by single reads or one pass', () => {
    const few = new Set([3, 700, expected.length - 1]);
    for (const privateIds of [few, new Set(expected.map((_, id) => id).filter((id) => id % 3 === 0))]) {
      const slotOf = (label: number) => {
        const id = expected.findIndex((e) => e.label === label);
        return privateIds.has(id) ? -1 : id;
      };
      const walked = readGraphLinks(segDir, header, slotOf);
      const collected = readGraphLinks(segDir, header, slotOf, collectDuringLoad(seed7));
      expect(collected.level0).toEqual(walked.level0);
      expect(collected.vectorAt).toEqual(walked.vectorAt);
      const ids = [...privateIds].sort((a, b) => a - b);
      ids.forEach((id, row) => {
        expect(collected.vectorAt[id]).toBe(-(row + 1));
        expect(collected.extra.subarray(row * header.dim, (row + 1) * header.dim)).toEqual(expected[id]!.vector);
      });
      expect(walked.extra).toEqual(collected.extra);
    }
  });

  it('name a row with more neighbours than maxM0, and a link past the elements', () => {
    for (const [patch, message] of [
      [(b: Buffer, base: number) => b.writeUInt16LE(header.maxM0 + 1, base), /element 5 has \d+ level-0 neighbours, more than maxM0/],
      [(b: Buffer, base: number) => b.writeUInt32LE(header.curElementCount + 7, base + 4), /element 5 links to \d+, past the \d+ elements/],
    ] as const) {
      copy = copySegment(seed7, ARTICLES);
      const file = copy.file('data_level0.bin');
      const buf = fs.readFileSync(file);
      if (buf.readUInt16LE(5 * header.sizeDataPerElement) === 0) throw new Error('element 5 has no neighbours to damage');
      patch(buf, 5 * header.sizeDataPerElement);
      fs.writeFileSync(file, buf);
      const collector = collectDuringLoad(copy.root);
      expect(() => readGraphLinks(copy!.segDir, header, () => 0, collector)).toThrow(message);
      expect(() => readGraphLinks(copy!.segDir, header, () => 0)).toThrow(message);
      copy.cleanup();
      copy = null;
    }
  });
});
