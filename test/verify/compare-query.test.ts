import { describe, expect, it } from 'vitest';
import { compareQuery } from '../../src-main/engine/verify/compare-answers.js';
import type { ExpectedQuery } from '../../src-main/engine/verify/expected-answers.js';

// The exact answer here is written out by hand: ids a…j at distances 1…10.
const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const q: ExpectedQuery = { by: 'a', vector: [0], k: 10, accept: [ids], distances: ids.map((_, i) => i + 1), skip: new Set() };
const answer = (pairs: [string, number][]) => ({ ids: pairs.map((p) => p[0]), distances: pairs.map((p) => p[1]) });
const exact = ids.map((id, i): [string, number] => [id, i + 1]);

describe("comparing Chroma's approximate answer with the exact one", () => {
  it('accepts the exact answer, and one that missed one neighbour for a farther one', () => {
    expect(compareQuery('c', q, answer(exact))).toBeNull();
    // HNSW missed d (distance 4); k = 10 still: z at 11 takes the last place.
    expect(compareQuery('c', q, answer([...exact.filter(([id]) => id !== 'd'), ['z', 11]]))).toBeNull();
  });

  it('refuses two misses, a shared id at another distance, and a stranger closer than the k-th', () => {
    expect(compareQuery('c', q, answer([...exact.filter(([id]) => id !== 'd' && id !== 'e'), ['y', 11], ['z', 12]]))).toMatch(/nearest neighbours/);
    // c comes back farther (4.5 instead of 3), after d: its vector is not the original's.
    const moved = exact.filter(([id]) => id !== 'c');
    moved.splice(3, 0, ['c', 4.5]);
    expect(compareQuery('c', q, answer(moved))).toMatch(/nearest neighbours/);
    expect(compareQuery('c', q, answer([['z', 0.5], ...exact.filter(([id]) => id !== 'j')]))).toMatch(/nearest neighbours/);
  });
});
