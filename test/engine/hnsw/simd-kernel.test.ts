import { describe, expect, it } from 'vitest';
import { forkDistance } from '../../../src-main/engine/hnsw/fork-distance.js';
import { sleb, VectorArena } from '../../../src-main/engine/hnsw/simd-kernel.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';

// The SIMD kernel against the JavaScript one (itself checked against Chroma's answers by the
// recorded-case and graph suites): the same float32 bits for every space and for dimensions that
// exercise the 4-lane loop, the scalar tail, and both.
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
const vector = (dim: number, scale = 1) => Float32Array.from({ length: dim }, () => (rand() * 2 - 1) * scale);

describe('the WebAssembly SIMD distance kernel', () => {
  it('writes i32.const immediates as signed LEB128 (64 unsigned would read back as −64)', () => {
    expect(sleb(0)).toEqual([0x00]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(8192)).toEqual([0x80, 0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
  });

  it('refuses a batch larger than its output (it would write over the vectors)', () => {
    const arena = VectorArena.create('l2', 4, 4)!;
    const batch = arena.batch();
    expect(() => batch.run(batch.out.length + 1)).toThrow(RangeError);
    expect(() => batch.runRange(0, batch.out.length + 1)).toThrow(RangeError);
  });

  it('is available here (Node 20 and Electron both run WebAssembly SIMD)', () => {
    expect(VectorArena.create('l2', 8, 4)).not.toBeNull();
  });

  it('can live in shared memory, which another thread can touch (prefault.ts)', () => {
    expect(VectorArena.create('l2', 8, 4)!.sharedVectors()).toBeNull();
    const region = VectorArena.create('l2', 8, 4, true)!.sharedVectors()!;
    expect(region.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(region.byteLength).toBe(8 * 4 * 4);
    expect(region.byteOffset + region.byteLength).toBeLessThanOrEqual(region.buffer.byteLength);
  });

  for (const [space, shared] of [['l2', false], ['ip', false], ['cosine', false], ['l2', true], ['cosine', true]] as const) {
    it(`gives the JavaScript kernel's float32 bits: ${space}${shared ? ', in shared memory' : ''}`, () => {
      for (const dim of [1, 3, 4, 5, 8, 15, 16, 17, 33, 100, 128, 384, 1536]) {
        const slots = 40;
        const arena = VectorArena.create(space, dim, slots, shared)!;
        expect(arena.sharedVectors() !== null).toBe(shared);
        const data = arena.data();
        for (let s = 0; s < slots; s++) data.set(vector(dim, s % 7 === 0 ? 1e19 : s % 5 === 0 ? 1e-20 : 1), s * dim);
        const js = forkDistance(space, dim);
        for (let t = 0; t < 5; t++) {
          const q = vector(dim);
          arena.setQuery(q);
          for (let s = 0; s < slots; s++) {
            const want = js(q, data, s * dim);
            const got = arena.distance(s);
            expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${space} dim ${dim} slot ${s}: ${got} vs ${want}`).toBe(true);
          }
          // The batch call: any slots, in any order, repeated, give the same bits as one by one.
          const batch = arena.batch();
          const order = Array.from({ length: 25 }, () => Math.floor(rand() * slots));
          order.forEach((slot, i) => (batch.slots[i] = slot));
          batch.run(order.length);
          order.forEach((slot, i) => {
            const want = js(q, data, slot * dim);
            const got = batch.out[i]!;
            expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${space} dim ${dim} batch ${i} (slot ${slot}): ${got} vs ${want}`).toBe(true);
          });
          // A run of consecutive slots, in one call.
          for (const [from, n] of [[0, slots], [3, 29], [slots - 1, 1]] as const) {
            batch.out.fill(-7);
            batch.runRange(from, n);
            for (let i = 0; i < n; i++) {
              const want = js(q, data, (from + i) * dim);
              const got = batch.out[i]!;
              expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${space} dim ${dim} run from ${from}, slot ${from + i}: ${got} vs ${want}`).toBe(true);
            }
            expect(batch.out[n], 'nothing past the run is written').toBe(-7);
          }
        }
      }
    });
  }

  for (const shared of [false, true]) {
    it(`keeps every vector when the slab grows its memory, and searches the same as without SIMD${shared ? ' (shared memory)' : ''}`, () => {
      const dim = 20;
      const slab = new VectorSlab('cosine', dim, 2, { shared });
      expect(slab.sharedVectors() !== null).toBe(shared);
      const stored: Float32Array[] = [];
      for (let label = 1; label <= 3000; label++) {
        const v = vector(dim);
        stored.push(v);
        slab.put(label, v, 1);
      }
      for (let label = 1; label <= 3000; label += 97) expect(slab.stored(label)).toEqual(stored[label - 1]);
      const q = vector(dim);
      const js = forkDistance('cosine', dim);
      const expected = stored
        .map((v, i) => ({ label: i + 1, distance: js(q, v, 0) }))
        .sort((a, b) => a.distance - b.distance || a.label - b.label)
        .slice(0, 10);
      expect(slab.search(q, 10, null)).toEqual(expected);
    });
  }
});
