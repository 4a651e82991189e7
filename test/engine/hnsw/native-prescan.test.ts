import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HnswHeader } from '../../../shared/models.js';
import { linkListBlockBytes } from '../../../src-main/engine/hnsw/header.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import { implausibleVector, PLAUSIBLE, quickPlausible } from '../../../src-main/engine/hnsw/vector-plausibility.js';
import { checkGraphConsistencySteps, graphVerdict } from '../../../src-main/engine/hnsw/graph-consistency.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';
import { fixtureSegment } from '../../helpers/fixture-segment.js';

/**
 * The addon's level-0 pass (native/level0-prescan.cc) called directly, its answers checked
 * against the files read here by hand: every label, deleted flag and row verdict, the link lists'
 * walk, and a quick "plausible" only where the reader's exact check agrees. That the checkpoint
 * reader finds the same with it as without it, under every mutant, is level0-prescan.test.ts's.
 */
const { prescanLevel0, prescanStop } = addonFunctions();
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A job over a segment's files, in fresh shared memory, with chunks of `perChunk` elements. */
function jobFor(segDir: string, h: HnswHeader, perChunk: number, extra: Record<string, unknown> = {}) {
  const count = h.curElementCount;
  const chunks = Math.ceil(count / perChunk);
  const linksSize = readFileSync(join(segDir, 'link_lists.bin')).length;
  const job = {
    dataFile: join(segDir, 'data_level0.bin'),
    lengthFile: join(segDir, 'length.bin'),
    count,
    size: h.sizeDataPerElement,
    labelOffset: h.labelOffset,
    offsetData: h.offsetData,
    dim: h.dim,
    maxM0: h.maxM0,
    cosine: true,
    bounds: PLAUSIBLE,
    perChunk,
    pauseMs: 0,
    labels: new Float64Array(new SharedArrayBuffer(count * 8)),
    flags: new Uint8Array(new SharedArrayBuffer(count)),
    status: new Int32Array(new SharedArrayBuffer(40)),
    badRow: new Float64Array(new SharedArrayBuffer(24)),
    chunkRows: new Float64Array(new SharedArrayBuffer(chunks * 24)),
    pickle: null,
    graphSpace: null as 'l2' | 'ip' | 'cosine' | null,
    graph: null as Float64Array | null,
    links: {
      file: join(segDir, 'link_lists.bin'),
      bytes: new Uint8Array(new SharedArrayBuffer(linksSize)),
      upperAt: new Int32Array(new SharedArrayBuffer(count * 4)),
      block: linkListBlockBytes(h),
      maxLevel: h.maxLevel,
    },
    ...extra,
  };
  return job;
}

/** Runs a job to its end (the level-0 state leaves RUNNING), then joins its thread. */
function runToEnd(job: ReturnType<typeof jobFor>) {
  const handle = prescanLevel0!(job);
  expect(handle).not.toBeNull();
  for (let t = 0; t < 1000 && Atomics.load(job.status, 0) === 0; t++) Atomics.wait(job.status, 0, 0, 5);
  prescanStop!(handle!);
  return job;
}

const missing = addonMissing('prescanLevel0', 'prescanStop');

describe.skipIf(missing !== null)(addonSuite('the level-0 pass on the addon’s thread', missing), () => {
  it('reads every label and deleted flag, walks the link lists, and calls plausible only what the exact check passes', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', null);
    const h = readHeaderFile(segDir, 'header.bin');
    const level0 = readFileSync(join(segDir, 'data_level0.bin'));
    const norms = readFileSync(join(segDir, 'length.bin'));
    const job = runToEnd(jobFor(segDir, h, 37));
    expect(Atomics.load(job.status, 0)).toBe(1);
    expect(Atomics.load(job.status, 1)).toBe(h.curElementCount);
    let plausible = 0;
    let live = 0;
    for (let id = 0; id < h.curElementCount; id++) {
      const base = id * h.sizeDataPerElement;
      expect(job.labels[id]).toBe(Number(level0.readBigUInt64LE(base + h.labelOffset)));
      const deleted = (level0[base + 2]! & 1) !== 0;
      expect(job.flags[id]! & 1, `element ${id}`).toBe(deleted ? 1 : 0);
      if (!deleted) live++;
      if (deleted || (job.flags[id]! & 2) === 0) continue;
      plausible++;
      expect(implausibleVector(level0, base + h.offsetData, h.dim, 'cosine', norms.readFloatLE(id * 4)), `element ${id}`).toBeNull();
    }
    // A sound fixture, no vector near a bound: the quick check passes every live element.
    expect(live).toBeGreaterThan(1000);
    expect(plausible).toBe(live);
    for (let i = 0; i < job.chunkRows.length; i += 3) expect(job.chunkRows[i]).toBe(0);
    // The link lists, walked here: Σ(4 + size), each level-1 block's start + 1.
    const links = readFileSync(join(segDir, 'link_lists.bin'));
    expect(Buffer.from(job.links.bytes)).toEqual(links);
    let pos = 0;
    const upper = new Int32Array(h.curElementCount);
    for (let i = 0; i < h.curElementCount; i++) {
      const size = links.readUInt32LE(pos);
      if (size > 0) upper[i] = pos + 5;
      pos += 4 + size;
    }
    expect(Atomics.load(job.status, 7)).toBe(1);
    expect(job.badRow[2]).toBe(pos);
    expect(Array.from(job.links.upperAt)).toEqual(Array.from(upper));
  });

  it('names each chunk’s first bad row: too many neighbours, or a link past the last element', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const h = readHeaderFile(segDir, 'header.bin');
    const file = join(segDir, 'data_level0.bin');
    const bytes = readFileSync(file);
    bytes.writeUInt16LE(h.maxM0 + 1, 41 * h.sizeDataPerElement);
    bytes.writeUInt16LE(2, 45 * h.sizeDataPerElement);
    bytes.writeUInt32LE(h.curElementCount + 3, 45 * h.sizeDataPerElement + 8);
    bytes.writeUInt16LE(1, 47 * h.sizeDataPerElement);
    bytes.writeUInt32LE(h.curElementCount, 47 * h.sizeDataPerElement + 4);
    writeFileSync(file, bytes);
    const job = runToEnd(jobFor(segDir, h, 4));
    const rows = (chunk: number) => Array.from(job.chunkRows.subarray(chunk * 3, chunk * 3 + 3));
    expect(rows(10)).toEqual([1, 41, h.maxM0 + 1]);
    expect(rows(11)).toEqual([2, 45, h.curElementCount + 3]);
    // Chunk 11 holds 44–47: its first bad row is 45, though 47 is bad too.
    expect(rows(9)[0]).toBe(0);
    expect(rows(12)[0]).toBe(0);
  });

  it('takes the graph consistency sample the reader takes: the same counts, sound or with its vectors shuffled', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const h = readHeaderFile(segDir, 'header.bin');
    const file = join(segDir, 'data_level0.bin');
    const sampleBoth = (space: 'l2' | 'ip' | 'cosine') => {
      const job = runToEnd(jobFor(segDir, h, 64, { graphSpace: space, graph: new Float64Array(new SharedArrayBuffer(16)) }));
      expect(Atomics.load(job.status, 6)).toBe(1);
      const graph = job.graph!;
      return { native: graphVerdict(graph[0]!, graph[1]!), own: runSteps(checkGraphConsistencySteps(file, h, space)) };
    };
    for (const space of ['cosine', 'l2', 'ip'] as const) {
      const { native, own } = sampleBoth(space);
      expect(native, space).toEqual(own);
      expect(native.consistent).toBe(true);
      expect(native.neighbourWins).toBeGreaterThan(0.9);
    }
    // Every element's vector moved to another element: the graph no longer fits its vectors.
    const bytes = readFileSync(file);
    const shuffled = Buffer.from(bytes);
    const vectorBytes = 4 * h.dim;
    for (let id = 0; id < h.curElementCount; id++) {
      const from = (id * 7919) % h.curElementCount;
      bytes.copy(shuffled, id * h.sizeDataPerElement + h.offsetData, from * h.sizeDataPerElement + h.offsetData, from * h.sizeDataPerElement + h.offsetData + vectorBytes);
    }
    writeFileSync(file, shuffled);
    const { native, own } = sampleBoth('cosine');
    expect(native).toEqual(own);
    expect(native.consistent).toBe(false);
  });

  it('walks an empty link_lists.bin to its failure (-1), as the worker does, rather than leaving the reader waiting', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const h = readHeaderFile(segDir, 'header.bin');
    writeFileSync(join(segDir, 'link_lists.bin'), Buffer.alloc(0));
    const job = runToEnd(jobFor(segDir, h, 64));
    expect(Atomics.load(job.status, 7)).toBe(1);
    expect(job.badRow[2]).toBe(-1);
  });

  it('calls plausible exactly what the quick JavaScript test calls plausible, at the unit-length bound', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const h = readHeaderFile(segDir, 'header.bin');
    const file = join(segDir, 'data_level0.bin');
    const bytes = readFileSync(file);
    // Elements 0–399 scaled around the quick test's unit-length margin (1e-6): its answers flip
    // within the range, where the last bits of each sum decide.
    for (let id = 0; id < 400; id++) {
      const scale = 1 + (id - 200) * 1e-8;
      for (let i = 0; i < h.dim; i++) {
        const at = id * h.sizeDataPerElement + h.offsetData + 4 * i;
        bytes.writeFloatLE(bytes.readFloatLE(at) * scale, at);
      }
    }
    writeFileSync(file, bytes);
    const job = runToEnd(jobFor(segDir, h, 64));
    const norms = readFileSync(join(segDir, 'length.bin'));
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    let yes = 0;
    for (let id = 0; id < 400; id++) {
      if ((bytes[id * h.sizeDataPerElement + 2]! & 1) !== 0) continue;
      const js = quickPlausible(floats, (id * h.sizeDataPerElement + h.offsetData) >> 2, h.dim, true, norms.readFloatLE(id * 4), PLAUSIBLE);
      expect((job.flags[id]! & 2) !== 0, `element ${id}`).toBe(js);
      if (js) yes++;
    }
    // Both answers occur in the range.
    expect(yes).toBeGreaterThan(20);
    expect(yes).toBeLessThan(380);
  });

  it('marks a read that fails (a data file shorter than the header says) as failed, for the reader to scan itself', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const h = readHeaderFile(segDir, 'header.bin');
    const file = join(segDir, 'data_level0.bin');
    writeFileSync(file, readFileSync(file).subarray(0, 100 * h.sizeDataPerElement + 7));
    const job = runToEnd(jobFor(segDir, h, 64));
    expect(Atomics.load(job.status, 0)).toBe(2);
  });

  it('stops between chunks when asked, and its handle cannot be confused with another', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', null);
    const h = readHeaderFile(segDir, 'header.bin');
    const job = jobFor(segDir, h, 4, { pauseMs: 20, links: null });
    const handle = prescanLevel0!(job)!;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 70);
    prescanStop!(handle);
    const done = Atomics.load(job.status, 1);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(h.curElementCount);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60);
    expect(Atomics.load(job.status, 1)).toBe(done);
    expect(Atomics.load(job.status, 0)).toBe(0);
    // Stopping twice, or with anything but a handle, does nothing.
    prescanStop!(handle);
    for (const notOurs of [{}, 5, null, undefined, 'x', new Uint8Array(4)]) expect(() => prescanStop!(notOurs as object)).not.toThrow();
  });

  it('declines every job whose arrays or layout it would read or write outside of (null: the caller scans itself)', () => {
    const { segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', null);
    const h = readHeaderFile(segDir, 'header.bin');
    const declined = (change: Record<string, unknown>) => prescanLevel0!({ ...jobFor(segDir, h, 64), ...change });
    expect(prescanLevel0!({})).toBeNull();
    expect(declined({ count: 0 })).toBeNull();
    expect(declined({ count: -1 })).toBeNull();
    expect(declined({ count: 1.5 })).toBeNull();
    expect(declined({ count: h.curElementCount + 1 })).toBeNull(); // labels too short
    const shared = <T>(make: (b: SharedArrayBuffer) => T, bytes: number) => make(new SharedArrayBuffer(bytes));
    expect(declined({ labels: shared((b) => new Float64Array(b).subarray(1), h.curElementCount * 8) })).toBeNull();
    expect(declined({ flags: shared((b) => new Int8Array(b), h.curElementCount) })).toBeNull();
    // Memory that is not shared could be detached or shrunk while the thread writes it.
    expect(declined({ labels: new Float64Array(h.curElementCount) })).toBeNull();
    const Resizable = ArrayBuffer as unknown as new (bytes: number, opts: { maxByteLength: number }) => ArrayBuffer;
    expect(declined({ flags: new Uint8Array(new Resizable(h.curElementCount, { maxByteLength: h.curElementCount })) })).toBeNull();
    expect(declined({ status: new Int32Array(new SharedArrayBuffer(36)) })).toBeNull();
    expect(declined({ chunkRows: new Float64Array(new SharedArrayBuffer(8)) })).toBeNull();
    expect(declined({ maxM0: h.sizeDataPerElement / 4 })).toBeNull(); // a row's links past the row
    expect(declined({ offsetData: h.offsetData + 2 })).toBeNull();
    expect(declined({ labelOffset: h.sizeDataPerElement - 4 })).toBeNull();
    expect(declined({ dim: h.dim + 1000 })).toBeNull();
    expect(declined({ dataFile: 'a\u0000b' })).toBeNull();
    expect(declined({ cosine: 'yes' })).toBeNull();
    expect(declined({ bounds: null })).toBeNull();
    expect(declined({ links: { file: join(segDir, 'link_lists.bin'), bytes: new Uint8Array(8), upperAt: new Int32Array(1), block: 4, maxLevel: 1 } })).toBeNull();
    expect(declined({ pickle: { file: 'x', bytes: new Uint8Array(10), done: new Int32Array(0), chunkBytes: 4 } })).toBeNull();
    expect(declined({ graphSpace: 'l2', graph: new Float64Array(new SharedArrayBuffer(8)) })).toBeNull();
    expect(declined({ graphSpace: 'l2', graph: new Float64Array(2) })).toBeNull();
    expect(declined({ graphSpace: 'l2', graph: null })).toBeNull();
  });
});
