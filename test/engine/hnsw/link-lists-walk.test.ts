import { describe, expect, it } from 'vitest';
import type { HnswHeader } from '../../../shared/models.js';
import { linkListsEnd, walkLinkLists, walkLinkListsSteps } from '../../../src-main/engine/hnsw/segment-files.js';

/**
 * The walk of link_lists.bin in steps (the persist's and the join's: 15 ms in one piece at a
 * million elements) against the one-piece walk, written here the simplest way: each element's
 * 4-byte size, then that many bytes.
 */
const header = (count: number): HnswHeader => ({
  persistenceVersion: 0,
  offsetLevel0: 0,
  maxElements: count,
  curElementCount: count,
  sizeDataPerElement: 0,
  labelOffset: 0,
  offsetData: 0,
  maxLevel: 3,
  enterpointNode: 0,
  maxM: 4,
  maxM0: 8,
  M: 4,
  mult: 0,
  efConstruction: 0,
  dim: 2,
});
const BLOCK = 4 + 4 * 4;

/** A link_lists.bin of `levels` (one per element), and each element's level-1 block start + 1 (0: none), computed directly. */
function linkLists(levels: number[]): { buf: Buffer; upper: number[] } {
  const parts: Buffer[] = [];
  const upper: number[] = [];
  let pos = 0;
  for (const level of levels) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(level * BLOCK);
    parts.push(size, Buffer.alloc(level * BLOCK, 7));
    upper.push(level > 0 ? pos + 5 : 0);
    pos += 4 + level * BLOCK;
  }
  return { buf: Buffer.concat(parts), upper };
}

let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
const levels = Array.from({ length: 1000 }, () => (rand() < 0.8 ? 0 : 1 + Math.floor(rand() * 3)));

describe('the walk of link_lists.bin', () => {
  it('in steps of any size: the same end and level-1 starts as the walk in one piece, a pause between steps', () => {
    const { buf, upper } = linkLists(levels);
    const h = header(levels.length);
    expect(walkLinkLists(buf, h, 'seg/link_lists.bin')).toBe(buf.length);
    for (const perStep of [1, 7, 333, 1000, 5000]) {
      const upperAt = new Int32Array(levels.length);
      const steps = walkLinkListsSteps(buf, h, 'seg/link_lists.bin', upperAt, perStep);
      let pauses = 0;
      let r = steps.next();
      for (; !r.done; r = steps.next()) pauses++;
      expect(r.value, `${perStep} per step`).toBe(buf.length);
      expect(Array.from(upperAt)).toEqual(upper);
      expect(pauses).toBe(Math.ceil(levels.length / perStep) - 1);
    }
    // The resumable kernel itself, in two calls.
    const where = new Float64Array(3);
    const half = linkListsEnd(buf, 500, BLOCK, 3, where, null);
    expect(linkListsEnd(buf, 1000, BLOCK, 3, where, null, 500, half)).toBe(buf.length);
  });

  it('names the same damage, wherever a step ends', () => {
    const { buf } = linkLists(levels);
    const bad = Buffer.from(buf);
    // Element 600's size, not a whole number of blocks.
    let pos = 0;
    for (let i = 0; i < 600; i++) pos += 4 + levels[i]! * BLOCK;
    bad.writeUInt32LE(BLOCK + 3, pos);
    const h = header(levels.length);
    const oneShot = () => walkLinkLists(bad, h, 'seg/link_lists.bin');
    expect(oneShot).toThrow(`seg/link_lists.bin: element 600 at byte ${pos} has link list size ${BLOCK + 3}, not a multiple of ${BLOCK}`);
    for (const perStep of [1, 599, 600, 601]) {
      const steps = walkLinkListsSteps(bad, h, 'seg/link_lists.bin', undefined, perStep);
      expect(() => {
        for (let r = steps.next(); !r.done; r = steps.next());
      }).toThrow(`element 600 at byte ${pos}`);
    }
    // Cut short inside the last element's list.
    const cut = buf.subarray(0, buf.length - 2);
    const last = levels.length - 1;
    if (levels[last]! > 0) expect(() => walkLinkLists(cut, h, 'seg/link_lists.bin')).toThrow(`inside element ${last}'s`);
    else expect(() => walkLinkLists(cut, h, 'seg/link_lists.bin')).toThrow(`before the size of element ${last}`);
  });
});
