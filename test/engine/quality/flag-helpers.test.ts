import { describe, expect, it } from 'vitest';
import { nthSmallest } from '../../../src-main/engine/util/nth-smallest.js';
import { DuplicateFinder } from '../../../src-main/engine/quality/duplicate-finder.js';

/**
 * The recall lab's flags (quality/vector-flags.ts) find medians by selection and duplicates
 * through a table of hashes, in a few bytes a vector. Each is checked here against the plain
 * method it replaces: a sort, and grouping by the vectors' bytes as text.
 */

let seed = 11;
const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;

describe('nthSmallest', () => {
  const inputs: [string, () => Float64Array][] = [
    ['random', () => Float64Array.from({ length: 1001 }, rand)],
    ['many ties', () => Float64Array.from({ length: 999 }, () => Math.floor(rand() * 5))],
    ['ascending', () => Float64Array.from({ length: 500 }, (_, i) => i)],
    ['descending', () => Float64Array.from({ length: 500 }, (_, i) => -i)],
    ['all equal', () => new Float64Array(300).fill(2.5)],
    ['one value', () => Float64Array.of(7)],
    ['two values', () => Float64Array.of(3, -1)],
  ];
  it.each(inputs)('gives every rank of %s input as a sort does', (_, make) => {
    const values = make();
    const sorted = Float64Array.from(values).sort();
    for (let k = 0; k < values.length; k += Math.max(1, values.length >> 6)) {
      expect(nthSmallest(Float64Array.from(values), k), `rank ${k}`).toBe(sorted[k]);
    }
    expect(nthSmallest(Float64Array.from(values), values.length - 1)).toBe(sorted[values.length - 1]);
  });

  it('refuses a rank outside the values', () => {
    expect(() => nthSmallest(new Float64Array(3), 3)).toThrow(RangeError);
    expect(() => nthSmallest(new Float64Array(0), 0)).toThrow(RangeError);
  });
});

describe('DuplicateFinder', () => {
  it('groups equal vectors as grouping by their bytes does, in the order their first copy came', () => {
    const dim = 8;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < 5000; i++) {
      // About one in ten repeats an earlier vector (some several times); -0 and 0 differ in bytes, as before.
      if (i > 0 && rand() < 0.1) vectors.push(Float32Array.from(vectors[Math.floor(rand() * i)]!));
      else vectors.push(Float32Array.from({ length: dim }, () => (rand() < 0.05 ? -0 : Math.round(rand() * 3))));
    }
    const finder = new DuplicateFinder(vectors.length);
    vectors.forEach((v, label) => finder.add(label, v, (l) => vectors[l]!));
    const byBytes = new Map<string, number[]>();
    vectors.forEach((v, label) => {
      const key = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      byBytes.set(key, [...(byBytes.get(key) ?? []), label]);
    });
    const want = [...byBytes.values()].filter((g) => g.length > 1);
    expect(want.length).toBeGreaterThan(10);
    expect(finder.groups()).toEqual(want);
  });

  it('keeps vectors apart whose bytes differ, however many share the table', () => {
    const vectors = Array.from({ length: 3000 }, (_, i) => Float32Array.of(i, i + 0.5));
    const finder = new DuplicateFinder(vectors.length);
    vectors.forEach((v, label) => finder.add(label, v, (l) => vectors[l]!));
    expect(finder.groups()).toEqual([]);
  });
});
