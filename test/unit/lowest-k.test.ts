import { describe, expect, it } from 'vitest';
import { LowestK } from '../../src-main/engine/util/lowest-k.js';

describe('LowestK', () => {
  it('keeps the k smallest keys in ascending order, earlier offers first among equal keys, as a stable sort of all would', () => {
    let s = 7;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % 50);
    for (const k of [1, 3, 5]) {
      for (let round = 0; round < 20; round++) {
        const offers = Array.from({ length: 1 + (round * 7) % 40 }, (_, i) => ({ key: next(), item: `o${i}` }));
        const lowest = new LowestK<string>(k);
        for (const o of offers) lowest.offer(o.key, o.item);
        const want = [...offers].sort((a, b) => a.key - b.key).slice(0, k).map((o) => o.item);
        expect(lowest.items()).toEqual(want);
      }
    }
  });
});
