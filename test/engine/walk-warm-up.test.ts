import { afterEach, describe, expect, it } from 'vitest';
import { walkWarmUp, warmUpWalk } from '../../src-main/engine/collection/walk-warm-up.js';
import { testGraphLinks } from '../helpers/graph-links.js';

const DIM = 4;
const defaults = { ...walkWarmUp };

/** A graph of `count` elements whose element i sits at slab slot count − 1 − i, except the private copies. */
function graph(count: number, privateIds: number[] = []) {
  const vectorAt = new Int32Array(count);
  for (let id = 0; id < count; id++) vectorAt[id] = count - 1 - id;
  privateIds.forEach((id, n) => (vectorAt[id] = -(n + 1)));
  const storage = new Float32Array(count * DIM);
  for (let slot = 0; slot < count; slot++) storage.fill(slot, slot * DIM, (slot + 1) * DIM);
  const links = testGraphLinks({ count, maxM0: 2, level0: new Uint32Array(count * 3), labels: new Float64Array(count), vectorAt, extra: new Float32Array(0) });
  return { links, storage };
}

describe('warming up the walk when a graph is loaded', () => {
  afterEach(() => Object.assign(walkWarmUp, defaults));

  it('leaves graphs below the size where it pays alone', () => {
    const { links, storage } = graph(walkWarmUp.minElements - 1);
    const asked: Float32Array[] = [];
    expect(warmUpWalk(links, storage, DIM, (q) => asked.push(q))).toBe(0);
    expect(asked).toEqual([]);
  });

  it('searches from stored vectors at evenly spread elements, copied, skipping private copies', () => {
    Object.assign(walkWarmUp, { minElements: 100, searches: 4 });
    // Elements 12, 37, 62 and 87 are the spread ones; 62 keeps a private copy (no slab slot).
    const { links, storage } = graph(100, [62]);
    const asked: Float32Array[] = [];
    expect(warmUpWalk(links, storage, DIM, (q) => asked.push(q))).toBe(3);
    // Element i sits at slot 99 − i, whose vector is filled with the slot number.
    expect(asked.map((q) => Array.from(q))).toEqual([87, 62, 12].map((slot) => Array(DIM).fill(slot)));
    // Copies: a search may not write into the slab through its query.
    asked[0]![0] = -1;
    expect(storage[87 * DIM]).toBe(87);
  });

  it('stops once its searches have taken its time budget', () => {
    Object.assign(walkWarmUp, { minElements: 100, searches: 16, budgetMs: 10 });
    const { links, storage } = graph(100);
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const ran = warmUpWalk(links, storage, DIM, () => busy(4));
    // 0, 4 and 8 ms in: three searches, unless the machine stalled one of them.
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(3);
  });
});
