import { describe, expect, it } from 'vitest';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';
import { idLayout } from '../../helpers/id-layout.js';

/**
 * The addon's plain-pair loops (native/pickle-pairs.cc) called directly: what they take from
 * bytes written here by hand, where they stop, and that every argument that could make them
 * read or write outside an array is declined (−1) before anything is read. Their agreement with
 * the decoder's own loops, pickle for pickle, is index-metadata-fast.test.ts's.
 */
const { plainIdEntries, plainLabelPairs, idSlots } = addonFunctions();
const BININT = 0x4a;
const BININT1 = 0x4b;
const BININT2 = 0x4d;
const BINUNICODE = 0x58;
const SHORT_BINUNICODE = 0x8c;
const SETITEMS = 0x75;

/** FNV-1a over the id's bytes, as Int32 (the decoder's id hash), computed here independently. */
function fnv(id: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(id, 'utf8')) h = Number((BigInt(h ^ byte) * 0x01000193n) & 0xffffffffn);
  return h | 0;
}

const shortStr = (id: string) => [SHORT_BINUNICODE, Buffer.byteLength(id), ...Buffer.from(id)];
const longStr = (id: string) => [BINUNICODE, Buffer.byteLength(id), 0, 0, 0, ...Buffer.from(id)];

function arrays(n: number) {
  return { idStart: new Int32Array(n), idEnd: new Int32Array(n), hash: new Int32Array(n), label: new Float64Array(n), state: new Int32Array(8) };
}

const missing = addonMissing('plainIdEntries', 'plainLabelPairs', 'idSlots');

describe.skipIf(missing !== null)(addonSuite('plainIdEntries / plainLabelPairs (native)', missing), () => {
  it("take id_to_label's pairs of every label width and stop at another opcode, the position before it", () => {
    const bytes = Uint8Array.from([...shortStr('a'), BININT1, 7, ...longStr('héllo'), BININT2, 0x34, 0x12, ...shortStr('z9'), BININT, 0x78, 0x56, 0x34, 0x12, SETITEMS]);
    const a = arrays(10);
    const taken = plainIdEntries!(bytes, bytes.length, a.idStart, a.idEnd, a.hash, a.label, 10, a.state);
    expect(taken).toBe(3);
    expect(Array.from(a.label.subarray(0, 3))).toEqual([7, 0x1234, 0x12345678]);
    const ids = [0, 1, 2].map((k) => Buffer.from(bytes.subarray(a.idStart[k], a.idEnd[k])).toString('utf8'));
    expect(ids).toEqual(['a', 'héllo', 'z9']);
    expect(Array.from(a.hash.subarray(0, 3))).toEqual(ids.map(fnv));
    // state: [pos, n, maxLabel, high, …digests]
    expect(a.state[0]).toBe(bytes.length - 1);
    expect(bytes[a.state[0]!]).toBe(SETITEMS);
    expect(a.state[1]).toBe(3);
    expect(a.state[2]).toBe(0x12345678);
    expect(a.state[3]! >= 0x80).toBe(true); // 'é' is not ASCII
  });

  it('stops at the limit, before bytes not there, and at a negative BININT', () => {
    const bytes = Uint8Array.from([...shortStr('a'), BININT1, 1, ...shortStr('b'), BININT1, 2, ...shortStr('c'), BININT, 0, 0, 0, 0x80]);
    let a = arrays(10);
    expect(plainIdEntries!(bytes, bytes.length, a.idStart, a.idEnd, a.hash, a.label, 1, a.state)).toBe(1);
    expect(a.state[0]).toBe(5);
    a = arrays(10);
    // The second pair's label byte is past `end`.
    expect(plainIdEntries!(bytes, 9, a.idStart, a.idEnd, a.hash, a.label, 10, a.state)).toBe(1);
    a = arrays(10);
    expect(plainIdEntries!(bytes, bytes.length, a.idStart, a.idEnd, a.hash, a.label, 10, a.state)).toBe(2);
    expect(a.state[0]).toBe(10); // before 'c': its label is negative
  });

  it("check label_to_id's pairs against the known labels: a label not known, or named twice, answers 2", () => {
    const known = new Uint32Array(2);
    const named = new Uint32Array(2);
    for (const l of [3, 40]) known[l >>> 5]! |= 1 << (l & 31);
    const pairs = Uint8Array.from([BININT1, 3, ...shortStr('a'), BININT1, 40, ...longStr('bb'), SETITEMS]);
    const state = new Int32Array(4);
    expect(plainLabelPairs!(pairs, pairs.length, known, named, 40, 100, state)).toBe(0);
    expect(state[0]).toBe(pairs.length - 1);
    expect(state[1]).toBe(2);
    // Named again: wrong, and the position stays before the pair.
    const again = Uint8Array.from([BININT1, 3, ...shortStr('a')]);
    const st2 = new Int32Array(4);
    expect(plainLabelPairs!(again, again.length, known, named, 40, 100, st2)).toBe(2);
    expect(st2[0]).toBe(0);
    // Not known, and beyond maxLabel (whose bits the arrays do not hold).
    for (const l of [5, 41, 200]) {
      const bytes = Uint8Array.from([BININT1, l, ...shortStr('x')]);
      expect(plainLabelPairs!(bytes, bytes.length, known, new Uint32Array(2), 40, 100, new Int32Array(4)), `label ${l}`).toBe(2);
    }
    expect(plainLabelPairs!(again, again.length, known, new Uint32Array(0), 40, 100, new Int32Array(4))).toBe(2);
  });

  it('decline arguments that could reach outside an array', () => {
    const bytes = Uint8Array.from([...shortStr('a'), BININT1, 1]);
    const a = arrays(4);
    const call = (over: Partial<{ buf: unknown; end: number; label: unknown; limit: number; state: Int32Array }>) =>
      (plainIdEntries as unknown as (...args: unknown[]) => number)(
        over.buf ?? bytes, over.end ?? bytes.length, a.idStart, a.idEnd, a.hash, over.label ?? a.label, over.limit ?? 4, over.state ?? a.state,
      );
    expect(call({})).toBe(1);
    a.state.fill(0);
    expect(call({ end: bytes.length + 1 })).toBe(-1);
    expect(call({ end: -1 })).toBe(-1);
    expect(call({ end: 1.5 })).toBe(-1);
    expect(call({ limit: 5 })).toBe(-1);
    expect(call({ label: new Float64Array(2), limit: 3 })).toBe(-1);
    expect(call({ label: new Int32Array(4) })).toBe(-1);
    expect(call({ buf: Array.from(bytes) })).toBe(-1);
    expect(call({ state: new Int32Array(7) })).toBe(-1);
    expect(call({ state: Int32Array.from([-1, 0, 0, 0, 0, 0, 0, 0]) })).toBe(-1);
    expect(call({ state: Int32Array.from([0, -1, 0, 0, 0, 0, 0, 0]) })).toBe(-1);
    // A position past `end` takes nothing.
    expect(call({ state: Int32Array.from([100, 0, 0, 0, 0, 0, 0, 0]) })).toBe(0);
    const pairs = (plainLabelPairs as unknown as (...args: unknown[]) => number);
    const known = new Uint32Array(1);
    expect(pairs(bytes, bytes.length + 1, known, known, 0, 10, new Int32Array(4))).toBe(-1);
    expect(pairs(bytes, bytes.length, new Int32Array(1), known, 0, 10, new Int32Array(4))).toBe(-1);
    expect(pairs(bytes, bytes.length, known, known, -1, 10, new Int32Array(4))).toBe(-1);
    expect(pairs(bytes, bytes.length, known, known, 0, 10, new Int32Array(3))).toBe(-1);
    expect(pairs(bytes, bytes.length, known, known, 0)).toBe(-1);
  });

  describe('idSlots (the id table’s inserts)', () => {
    /** Ids as one buffer of back-to-back UTF-8 bytes with their ranges, and each one's FNV-1a hash (or the hash given). */
    function idsOf(ids: string[], hashOf: (id: string, i: number) => number = fnv) {
      return { ...idLayout(ids), hashes: Int32Array.from(ids, hashOf) };
    }

    /** Linear probing written out here: entry i + 1 at the first empty slot from hash & mask; null on a repeated id. */
    function expectedSlots(ids: string[], hashes: Int32Array, size: number): Int32Array | null {
      const slots = new Int32Array(size);
      for (let i = 0; i < ids.length; i++) {
        let s = hashes[i]! & (size - 1);
        while (slots[s] !== 0) {
          if (ids[slots[s]! - 1] === ids[i]) return null;
          s = (s + 1) & (size - 1);
        }
        slots[s] = i + 1;
      }
      return slots;
    }

    it('fills the table exactly as linear probing does, in any split of the entries, colliding hashes included', () => {
      const ids = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `héllo-${i}` : `id-${i}`));
      // Every third id shares its hash with the one before: collisions whose bytes differ.
      const { buf, idStart, idEnd, hashes } = idsOf(ids, (id, i) => (i % 3 === 2 ? fnv(ids[i - 1]!) : fnv(id)));
      const expected = expectedSlots(ids, hashes, 4096)!;
      for (const split of [3000, 1000, 7]) {
        const slots = new Int32Array(4096);
        for (let from = 0; from < ids.length; from += split) {
          const to = Math.min(ids.length, from + split);
          expect(idSlots!(buf, idStart, idEnd, hashes, from, to, slots)).toBe(to - from);
        }
        expect(Array.from(slots)).toEqual(Array.from(expected));
      }
    });

    it('answers -2 at a repeated id (same hash, same bytes)', () => {
      const ids = ['a', 'b', 'c', 'b'];
      const { buf, idStart, idEnd, hashes } = idsOf(ids);
      expect(expectedSlots(ids, hashes, 8)).toBeNull();
      expect(idSlots!(buf, idStart, idEnd, hashes, 0, 4, new Int32Array(8))).toBe(-2);
    });

    it('declines arguments that could reach outside an array', () => {
      const { buf, idStart, idEnd, hashes } = idsOf(['a', 'b', 'c']);
      const call = (over: Partial<Record<'buf' | 'idStart' | 'idEnd' | 'hashes' | 'from' | 'to' | 'slots', unknown>>) =>
        (idSlots as unknown as (...args: unknown[]) => number)(
          over.buf ?? buf, over.idStart ?? idStart, over.idEnd ?? idEnd, over.hashes ?? hashes, over.from ?? 0, over.to ?? 3, over.slots ?? new Int32Array(8),
        );
      expect(call({})).toBe(3);
      expect(call({ to: 4 })).toBe(-1);
      expect(call({ from: 2, to: 1 })).toBe(-1);
      expect(call({ from: -1 })).toBe(-1);
      expect(call({ to: 2.5 })).toBe(-1);
      expect(call({ slots: new Int32Array(6) })).toBe(-1);
      expect(call({ slots: new Int32Array(0) })).toBe(-1);
      expect(call({ slots: new Uint32Array(8) })).toBe(-1);
      expect(call({ hashes: new Int32Array(2) })).toBe(-1);
      expect(call({ idEnd: Int32Array.from([1, 2, 99]) })).toBe(-1);
      expect(call({ idStart: Int32Array.from([0, 3, 2]) })).toBe(-1); // a start past its end
      // A table already full (not one sized for the entries): declined, not probed forever.
      expect(call({ slots: new Int32Array(2).fill(2), to: 1 })).toBe(-1);
      // A slot naming an entry past the arrays.
      expect(call({ slots: new Int32Array(8).fill(9) })).toBe(-1);
    });
  });
});
