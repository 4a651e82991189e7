import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { checkGraphConsistencySteps } from '../../../src-main/engine/hnsw/graph-consistency.js';
import { parallelInsert } from '../../../src-main/engine/hnsw/parallel-insert.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import type { HnswHeader } from '../../../shared/models.js';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { NATIVE_ROWS_ENV, readRows } from '../../../src-main/engine/util/row-reads.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { compareCase, splitCollection, type RecordedCase } from '../../helpers/compare.js';
import { referenceFixture } from '../../helpers/paths.js';

// util/row-reads.ts: the rows a walk over data_level0.bin needs next, read in one call through the
// addon (or one readSync a row without it). Both ways must give the file's own bytes, stop where
// the file does, and leave every answer built on them as real Chroma recorded it.

const tmp = mkdtempSync(join(tmpdir(), 'row-reads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  delete process.env[NATIVE_ROWS_ENV];
});

const native = addonFunctions().readRows;
const bothWays = ['addon', 'off'] as const;
const setWay = (way: (typeof bothWays)[number]) => {
  if (way === 'off') process.env[NATIVE_ROWS_ENV] = 'off';
  else delete process.env[NATIVE_ROWS_ENV];
};

/** A file of `rows` rows of `size` bytes, each byte a function of its position (the oracle). */
function rowFile(name: string, rows: number, size: number): { path: string; bytes: Buffer } {
  const bytes = Buffer.alloc(rows * size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

describe('reading rows in one batch', () => {
  it('has the addon’s readRows wherever the addon is built, so that both ways are tested', () => {
    if (parallelInsert().available) expect(native).not.toBeNull();
  });

  it.each(bothWays)('gives each row the file holds at id × size, in the order asked (%s)', (way) => {
    setWay(way);
    const size = 652;
    const { path, bytes } = rowFile('rows.bin', 300, size);
    const ids = Uint32Array.from([299, 0, 7, 7, 150, 1]);
    const out = Buffer.alloc(ids.length * size, 0xee);
    const fd = openSync(path, 'r');
    try {
      expect(readRows(fd, ids, ids.length, size, out)).toBe(ids.length);
      // The addon took these arguments itself (a refusal would have read them the other way).
      if (way === 'addon' && native) expect(native(fd, ids, ids.length, size, Buffer.alloc(ids.length * size))).toBe(ids.length);
    } finally {
      closeSync(fd);
    }
    ids.forEach((id, k) => expect(out.subarray(k * size, (k + 1) * size).equals(bytes.subarray(id * size, (id + 1) * size)), `row ${k}`).toBe(true));
  });

  it.each(bothWays)('stops at the first row the file does not hold whole, and writes nothing past the rows asked (%s)', (way) => {
    setWay(way);
    const size = 100;
    const { path, bytes } = rowFile('short.bin', 50, size);
    truncateSync(path, 49 * size + 30); // row 49 is cut
    const ids = Uint32Array.from([3, 10, 49, 2, 80]);
    const out = Buffer.alloc(6 * size, 0xee);
    const fd = openSync(path, 'r');
    try {
      expect(readRows(fd, ids, 5, size, out)).toBe(2);
      if (way === 'addon' && native) expect(native(fd, ids, 5, size, Buffer.alloc(5 * size))).toBe(2);
      // Fewer asked than the list holds: only those.
      expect(readRows(fd, ids, 1, size, out)).toBe(1);
    } finally {
      closeSync(fd);
    }
    expect(out.subarray(0, size).equals(bytes.subarray(3 * size, 4 * size))).toBe(true);
    expect(out.subarray(size, 2 * size).equals(bytes.subarray(10 * size, 11 * size))).toBe(true);
    expect(out.subarray(5 * size).every((b) => b === 0xee)).toBe(true);
  });

  it.runIf(native !== null)('is refused by the addon, which then reads nothing, for arguments it does not accept', () => {
    const size = 64;
    const { path } = rowFile('refuse.bin', 10, size);
    const fd = openSync(path, 'r');
    const out = Buffer.alloc(4 * size, 0xee);
    try {
      const call = native as unknown as (...args: unknown[]) => number;
      expect(call(fd, Int32Array.from([1, 2]), 2, size, out)).toBe(-1); // ids must be a Uint32Array
      expect(call(fd, Uint32Array.from([1, 2]), 3, size, out)).toBe(-1); // more rows than ids
      expect(call(fd, Uint32Array.from([1, 2, 3, 4, 5]), 5, size, out)).toBe(-1); // more than out holds
      expect(call(fd, Uint32Array.from([1]), 1, 0, out)).toBe(-1);
      expect(call(-1, Uint32Array.from([1]), 1, size, out)).toBe(-1);
      expect(call(fd, Uint32Array.from([1]), 1, size, 'not bytes')).toBe(-1);
      expect(call(fd)).toBe(-1);
      expect(out.every((b) => b === 0xee)).toBe(true);
      // A descriptor that is not open reads nothing: no row whole.
      expect(call(987_654, Uint32Array.from([1]), 1, size, out)).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

const seed7 = referenceFixture('chroma-1.3.4-seed7');
// The fixture's l2 segment of 1,000 elements (docs/format.md §6).
const SEGMENT = 'f39d38a1-33ea-4baa-bed2-a6f934e4bd9a';

/**
 * The graph consistency statistic as it was computed before rows were batched (one readSync a
 * row, readFloatLE a float): the independent answer for the batched check.
 */
function neighbourWinsOneRowAtATime(file: string, header: HnswHeader): number | null {
  const cur = header.curElementCount;
  const { sizeDataPerElement: size, offsetData, dim } = header;
  const fd = openSync(file, 'r');
  const element = Buffer.alloc(size);
  const other = Buffer.alloc(size);
  const read = (id: number, into: Buffer) => readSync(fd, into, 0, size, id * size) === size;
  const distance = (a: Buffer, b: Buffer) => {
    let l2 = 0;
    for (let i = 0; i < dim; i++) l2 += (a.readFloatLE(offsetData + i * 4) - b.readFloatLE(offsetData + i * 4)) ** 2;
    return l2;
  };
  let wins = 0;
  let total = 0;
  try {
    const step = Math.max(1, Math.floor(cur / 96));
    for (let s = 0, id = 0; s < 96 && id < cur; s++, id += step) {
      if (!read(id, element) || (element[2]! & 1) !== 0) continue;
      const neighbours: number[] = [];
      for (let k = 0; k < element.readUInt16LE(0) && k < header.maxM0 && neighbours.length < 8; k++) {
        const n = element.readUInt32LE(4 + 4 * k);
        if (n < cur && n !== id) neighbours.push(n);
      }
      for (let k = 0; k < neighbours.length; k++) {
        const stranger = (id + 1 + Math.floor(((k + 1) * (s + 7) * 2654435761) % (cur - 1))) % cur;
        if (stranger === id || !read(neighbours[k]!, other)) continue;
        const dn = distance(element, other);
        if (!read(stranger, other)) continue;
        const ds = distance(element, other);
        if (!Number.isFinite(dn) || !Number.isFinite(ds) || dn === ds) continue;
        total++;
        if (dn < ds) wins++;
      }
    }
  } finally {
    closeSync(fd);
  }
  return total < 64 ? null : wins / total;
}

describe('what is built on the rows', () => {
  it('measures the graph consistency the per-row check measured, both ways, on a sound checkpoint and on one cut short', () => {
    const cut = join(tmp, 'cut');
    cpSync(join(seed7, 'data', SEGMENT), cut, { recursive: true });
    const header = readHeaderFile(cut, `${SEGMENT}/header.bin`);
    truncateSync(join(cut, 'data_level0.bin'), Math.floor(header.curElementCount * 0.6) * header.sizeDataPerElement + 17);
    for (const file of [join(seed7, 'data', SEGMENT, 'data_level0.bin'), join(cut, 'data_level0.bin')]) {
      const got = bothWays.map((way) => {
        setWay(way);
        return runSteps(checkGraphConsistencySteps(file, header, 'l2'));
      });
      const expected = neighbourWinsOneRowAtATime(file, header);
      expect(expected).not.toBeNull();
      expect(got[0]!.neighbourWins).toBe(expected);
      expect(got[1]!.neighbourWins).toBe(expected);
    }
  });

  it('gives Chroma’s recorded answer to every plain query asked first, walking the files both ways', () => {
    const { cases } = JSON.parse(readFileSync(join(seed7, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const plain = cases.filter((c) => c.op === 'query' && c.error === undefined && !(c.args as { where?: unknown }).where && !(c.args as { whereDocument?: unknown }).whereDocument && !(c.args as { ids?: unknown }).ids);
    expect(plain.length).toBeGreaterThan(3);
    for (const way of bothWays) {
      setWay(way);
      let fromFiles = 0;
      for (const c of plain) {
        const folder = ChromaFolder.open(join(seed7, 'data'));
        try {
          const ref = splitCollection(c.collection);
          expect(compareCase(c, folder.query(ref, c.args)), `${way}: ${c.collection} | ${c.label}`).toBeNull();
          if (!folder.collection(ref).vectorsLoaded) fromFiles++;
        } finally {
          folder.close();
        }
      }
      expect(fromFiles, way).toBeGreaterThan(0);
    }
  });
});
