import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkedFileRead, readFileSteps } from '../../../src-main/engine/util/chunked-file-read.js';
import { readIndexMetadata, readIndexMetadataSteps } from '../../../src-main/engine/hnsw/index-metadata-fast.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { referenceFixture } from '../../helpers/paths.js';

/** A file read a chunk at a time as a decoder asks (util/chunked-file-read.ts): what a pickle's decode reads in steps. */
describe('chunked file reads', () => {
  it("read only as far as asked, a chunk at a time, and give the file's bytes", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-chunked-')), 'bytes');
    const bytes = randomBytes(300_000);
    writeFileSync(file, bytes);
    const r = chunkedFileRead(file, 65_536);
    try {
      expect(r.buf.length).toBe(bytes.length);
      expect(r.arrive(100)).toBe(65_536);
      expect(r.arrive(65_536)).toBe(65_536);
      expect(r.arrive(65_537)).toBe(131_072);
      expect(r.arrive(bytes.length)).toBe(bytes.length);
      expect(r.buf.equals(bytes)).toBe(true);
    } finally {
      r.close();
    }
    // Cut short after it was opened: it gives what is there, and the decoder reports the rest missing.
    const cut = chunkedFileRead(file, 65_536);
    try {
      truncateSync(file, 100_000);
      expect(cut.arrive(bytes.length)).toBe(100_000);
      expect(cut.buf.subarray(0, 100_000).equals(bytes.subarray(0, 100_000))).toBe(true);
    } finally {
      cut.close();
    }
  });

  it('read a whole file a chunk per step, as readFileSync gives it (shorter when the file shrank, empty when it is)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-chunked-')), 'bytes');
    const bytes = randomBytes(300_000);
    writeFileSync(file, bytes);
    const steps = readFileSteps(file, 65_536);
    let pauses = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) pauses++;
    expect(pauses).toBe(Math.ceil(bytes.length / 65_536) - 1);
    expect(r.value.equals(readFileSync(file))).toBe(true);
    // Cut after its first chunk was read: the rest is what the file still has.
    const cutting = readFileSteps(file, 65_536);
    cutting.next();
    truncateSync(file, 100_000);
    expect(runSteps(cutting).equals(bytes.subarray(0, 100_000))).toBe(true);
    truncateSync(file, 0);
    expect(runSteps(readFileSteps(file)).length).toBe(0);
    expect(() => runSteps(readFileSteps(join(file, '..', 'missing')))).toThrow(/ENOENT/);
  });

  it('decode a pickle to what a read of the whole file decodes, in small chunks too', () => {
    const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data', '3ff36477-e20e-40a5-a49b-a4ff189f5ab7');
    const file = join(dir, 'index_metadata.pickle');
    const whole = readIndexMetadata(readFileSync(file), 'index_metadata.pickle');
    for (const chunk of [1_024, 7_919, 1 << 20]) {
      const r = chunkedFileRead(file, chunk);
      try {
        const meta = runSteps(readIndexMetadataSteps(r.buf, 'index_metadata.pickle', r.arrive));
        expect(meta.summary).toEqual(whole.summary);
        expect([...meta.idToLabel]).toEqual([...whole.idToLabel]);
        expect([...meta.labelToId]).toEqual([...whole.labelToId]);
        expect(meta.totalElementsAdded).toBe(whole.totalElementsAdded);
      } finally {
        r.close();
      }
    }
  });
});
