/**
 * Finds vectors whose bytes repeat, one vector at a time, in a few bytes of memory per vector: an
 * open-addressing table of 52-bit hashes of their bytes, each equal hash confirmed by comparing
 * the bytes (two different vectors with one hash are both kept). Groups come out in the order
 * their first vector was added, each in the order its vectors were added.
 */
export class DuplicateFinder {
  private readonly mask: number;
  private readonly hashes: Float64Array;
  /** The label in each slot, -1 when empty. */
  private readonly slots: Float64Array;
  /** The order in which each slot's label was added. */
  private readonly order: Float64Array;
  private added = 0;
  private readonly repeats = new Map<number, number[]>();

  constructor(expected: number) {
    let size = 16;
    while (size < expected * 2) size *= 2;
    this.mask = size - 1;
    this.hashes = new Float64Array(size);
    this.slots = new Float64Array(size).fill(-1);
    this.order = new Float64Array(size);
  }

  /** Adds `label`'s vector; `vectorOf` gives an earlier label's vector when hashes are equal. */
  add(label: number, vector: Float32Array, vectorOf: (label: number) => Float32Array): void {
    const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
    const [h1, h2] = hashBytes(bytes);
    const hash = h1 * 0x100000 + (h2 & 0xfffff);
    const order = this.added++;
    for (let slot = h1 & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]!;
      if (held === -1) {
        if (order >= this.slots.length >> 1) throw new RangeError('DuplicateFinder holds more vectors than it was sized for');
        this.slots[slot] = label;
        this.hashes[slot] = hash;
        this.order[slot] = order;
        return;
      }
      if (this.hashes[slot] === hash && sameBytes(bytes, vectorOf(held))) {
        const first = this.order[slot]!;
        const group = this.repeats.get(first);
        if (group) group.push(label);
        else this.repeats.set(first, [held, label]);
        return;
      }
    }
  }

  /** The labels of each set of equal vectors (two or more), in the order described above. */
  groups(): number[][] {
    return [...this.repeats].sort((a, b) => a[0] - b[0]).map(([, labels]) => labels);
  }
}

function sameBytes(a: Uint8Array, v: Float32Array): boolean {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Two independent 32-bit FNV-1a style hashes of the bytes. */
function hashBytes(bytes: Uint8Array): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return [h1 >>> 0, h2 >>> 0];
}
