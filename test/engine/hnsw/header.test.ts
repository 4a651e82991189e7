import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import { parseHnswHeader } from '../../../src-main/engine/hnsw/header.js';
import { ARTICLES, INNER, POINTS, seed7 } from './helpers.js';

const headerOf = (seg: string) => fs.readFileSync(path.join(seed7, seg, 'header.bin'));

function expectCorrupt(buf: Buffer, pattern: RegExp): void {
  try {
    parseHnswHeader(buf, 'seg/header.bin');
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    const e = err as InspectorError;
    expect(e.code).toBe('CORRUPT_HNSW');
    expect(e.details).toEqual({ file: 'seg/header.bin' });
    expect(e.message).toMatch(/^seg\/header\.bin: /);
    expect(e.message).toMatch(pattern);
    return;
  }
  throw new Error('expected CORRUPT_HNSW');
}

describe('parseHnswHeader', () => {
  it('reads a populated cosine index header (articles, 16-d)', () => {
    const h = parseHnswHeader(headerOf(ARTICLES), 'x');
    expect(h).toEqual({
      persistenceVersion: 1, offsetLevel0: 0, maxElements: 2048, curElementCount: 1502, sizeDataPerElement: 204,
      labelOffset: 196, offsetData: 132, maxLevel: 4, enterpointNode: 1310, maxM: 16, maxM0: 32, M: 16,
      mult: 1 / Math.log(16), efConstruction: 100, dim: 16,
    });
  });

  it('derives dim = (label_offset − offsetData) / 4', () => {
    expect(parseHnswHeader(headerOf(INNER), 'x').dim).toBe(32);
    expect(parseHnswHeader(headerOf(POINTS), 'x').dim).toBe(3);
  });

  it('accepts an empty index header (cur 0, maxlevel −1, no entry point)', () => {
    const h = parseHnswHeader(headerOf(POINTS), 'x');
    expect(h.curElementCount).toBe(0);
    expect(h.maxLevel).toBe(-1);
    expect(h.enterpointNode).toBe(0xffffffff);
  });

  it('rejects a wrong size, naming the size', () => {
    expectCorrupt(Buffer.alloc(0), /header is 0 bytes, expected 100/);
    expectCorrupt(headerOf(ARTICLES).subarray(0, 99), /99 bytes/);
    expectCorrupt(Buffer.concat([headerOf(ARTICLES), Buffer.alloc(1)]), /101 bytes/);
  });

  it('rejects persistence version ≠ 1', () => {
    const b = Buffer.from(headerOf(ARTICLES));
    b.writeInt32LE(2, 0);
    expectCorrupt(b, /persistence version is 2, expected 1/);
  });

  it('rejects inconsistent offsets and counts', () => {
    let b = Buffer.from(headerOf(ARTICLES));
    b.writeBigUInt64LE(205n, 28);
    expectCorrupt(b, /size_data_per_element is 205, expected label_offset \+ 8 = 204/);

    b = Buffer.from(headerOf(ARTICLES));
    b.writeBigUInt64LE(136n, 44);
    expectCorrupt(b, /offsetData is 136, expected 4 \+ 4·maxM0 = 132/);

    b = Buffer.from(headerOf(ARTICLES));
    b.writeBigUInt64LE(1000n, 12);
    expectCorrupt(b, /cur_element_count 1502 exceeds max_elements 1000/);

    b = Buffer.from(headerOf(ARTICLES));
    b.writeUInt32LE(5000, 56);
    expectCorrupt(b, /enterpoint_node 5000 is outside/);

    b = Buffer.from(headerOf(ARTICLES));
    b.writeBigUInt64LE(1n << 60n, 20);
    expectCorrupt(b, /cur_element_count is \d+, which is not a plausible value/);
  });

  it('rejects garbage', () => {
    const b = Buffer.alloc(100, 0xab);
    b.writeInt32LE(1, 0);
    expectCorrupt(b, /not a plausible value|offset/);
    expectCorrupt(Buffer.alloc(100, 0x37), /persistence version/);
  });
});
