import { describe, expect, it } from 'vitest';
import { implausibleVector, NON_FINITE } from '../../../src-main/engine/hnsw/vector-plausibility.js';

/**
 * implausibleVector has a quick path (four partial sums) in front of its ordered per-component
 * loop. These cases sit on each bound, where the two could disagree; the random ones compare it
 * with the plain rule written out here, component by component.
 */

const DIM = 8;

function bufferOf(values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf;
}

/** The rule as docs/format.md states it, without any shortcut. */
function reference(values: number[], space: 'cosine' | 'l2', norm: number | null): string | null {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    if (!Number.isFinite(v)) return NON_FINITE;
    if (Math.abs(v) > 1e18) return `component ${i} is ${v}`;
    sum += v * v;
  }
  if (space !== 'cosine') return null;
  const len = Math.sqrt(sum);
  if (sum !== 0 && Math.abs(len - 1) > 2e-6) return `stored cosine vector has length ${len}, not 1`;
  if (norm !== null) {
    if (!Number.isFinite(norm) || norm < 0 || norm > 1e18) return `norm ${norm} in length.bin`;
    if (sum !== 0 && norm < 1e-35) return `norm ${norm} in length.bin for a non-zero vector`;
  }
  return null;
}

const unit = (): number[] => {
  const v = Array.from({ length: DIM }, (_, i) => Math.sin(i * 1.7 + 0.3));
  const len = Math.hypot(...v);
  return v.map((x) => Math.fround(x / len));
};

describe('implausibleVector', () => {
  const cases: { name: string; values: number[]; space: 'cosine' | 'l2'; norm: number | null; want: string | null | 'message' }[] = [
    { name: 'a unit cosine vector', values: unit(), space: 'cosine', norm: 3.5, want: null },
    { name: 'the zero vector', values: new Array(DIM).fill(0), space: 'cosine', norm: 0, want: null },
    { name: 'NaN in an l2 vector', values: [1, 2, NaN, 4, 5, 6, 7, 8], space: 'l2', norm: null, want: NON_FINITE },
    { name: 'Infinity', values: [1, 2, 3, Infinity, 5, 6, 7, 8], space: 'l2', norm: null, want: NON_FINITE },
    { name: 'a component beyond 1e18', values: [1, 2, 3, 4, 5, 6, 7, 2e18], space: 'l2', norm: null, want: 'message' },
    // Each component is plausible but their squares add up beyond the quick path's bound.
    { name: 'eight components of 9e17', values: new Array(DIM).fill(9e17), space: 'l2', norm: null, want: null },
    { name: 'a cosine vector of length 1.01', values: unit().map((x) => x * 1.01), space: 'cosine', norm: 1, want: 'message' },
    { name: 'a cosine vector just inside the tolerance', values: unit().map((x) => x * (1 + 1.5e-6)), space: 'cosine', norm: 1, want: null },
    { name: 'a NaN norm', values: unit(), space: 'cosine', norm: NaN, want: 'message' },
    { name: 'a negative norm', values: unit(), space: 'cosine', norm: -1, want: 'message' },
    { name: 'a denormal norm for a non-zero vector', values: unit(), space: 'cosine', norm: 1e-40, want: 'message' },
    { name: 'a tiny norm for the zero vector', values: new Array(DIM).fill(0), space: 'cosine', norm: 1e-40, want: null },
  ];
  for (const c of cases) {
    it(`answers ${c.name} as the plain rule does`, () => {
      const got = implausibleVector(bufferOf(c.values), 0, DIM, c.space, c.norm);
      expect(got).toBe(reference(c.values, c.space, c.norm));
      if (c.want === 'message') expect(got).toMatch(/component|length|norm/);
      else expect(got).toBe(c.want);
    });
  }

  it('agrees with the plain rule on random vectors near every bound, at unaligned offsets too', () => {
    let state = 12345;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const specials = [NaN, Infinity, -Infinity, 1.1e18, 9.9e17, 1e-40, 0];
    for (let n = 0; n < 3000; n++) {
      const space = rand() < 0.5 ? 'cosine' : 'l2';
      const scale = [1, 1 + 3e-6 * (rand() - 0.5), 1e17, 1e-20][Math.floor(rand() * 4)]!;
      const values = unit().map((x) => Math.fround(x * scale * (rand() < 0.9 ? 1 : rand() * 2)));
      if (rand() < 0.2) values[Math.floor(rand() * DIM)] = specials[Math.floor(rand() * specials.length)]!;
      const norm = rand() < 0.3 ? null : [1, 0, 1e-40, -2, NaN, 2e18][Math.floor(rand() * 6)]!;
      const shift = rand() < 0.5 ? 0 : 2;
      const buf = Buffer.alloc(shift + DIM * 4);
      bufferOf(values).copy(buf, shift);
      expect(implausibleVector(buf, shift, DIM, space, norm)).toBe(reference(values, space, norm));
    }
  });
});
