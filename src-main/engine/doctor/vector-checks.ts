import type { CollectionReader } from '../collection/collection-reader.js';
import type { VectorState } from '../collection/vector-state.js';
import { SAMPLE_IDS, plural, type CollectionFindings } from './findings.js';

/** 52 bits of FNV-1a over a vector's float32 bits (two 32-bit lanes): a Map key, checked against the vectors on a hit. */
function vectorHash(v: Float32Array): number {
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ v.length;
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ ((x >>> 16) | (x << 16)), 0x01000193);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

const sameVector = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]) || v === y[i]);

/**
 * Duplicate and zero vectors among the records' vectors (checkpoint + WAL tail, as a query sees
 * them). Memory stays at one number and one label per distinct vector: vectors are hashed, and
 * only a hash hit fetches the earlier vector to compare.
 */
export function checkVectors(reader: CollectionReader, vectors: VectorState, out: CollectionFindings): void {
  const firstByHash = new Map<number, number>();
  /** label → the label of its first identical vector. */
  let duplicates = 0;
  const groups = new Set<number>();
  const duplicateIds: string[] = [];
  let zero = 0;
  const zeroIds: string[] = [];
  // By label (the order the records were added), not the pickle's: Rust's id map pickles in its
  // hash order, another one each persist, which would change the sample ids between two runs.
  for (const label of vectors.slab.labelsAscending()) {
    const id = vectors.idOf(label);
    const v = id === undefined ? undefined : vectors.slab.original(label);
    if (id === undefined || !v) continue;
    if (v.every((x) => x === 0)) {
      zero++;
      if (zeroIds.length < SAMPLE_IDS) zeroIds.push(id);
    }
    const h = vectorHash(v);
    const first = firstByHash.get(h);
    if (first === undefined) {
      firstByHash.set(h, label);
      continue;
    }
    const earlier = vectors.slab.original(first);
    if (earlier && sameVector(earlier, v)) {
      duplicates++;
      groups.add(first);
      if (duplicateIds.length < SAMPLE_IDS) {
        const firstId = vectors.idOf(first);
        if (firstId !== undefined && !duplicateIds.includes(firstId)) duplicateIds.push(firstId);
        if (duplicateIds.length < SAMPLE_IDS) duplicateIds.push(id);
      }
    }
  }
  const space = reader.params.space;
  if (duplicates > 0) {
    out.add({
      code: 'vectors.duplicates',
      severity: 'info',
      title: `${plural(duplicates, 'record')} share their vector with another record (${plural(groups.size, 'distinct vector')})`,
      chromaWould: 'Chroma ranks identical vectors at the same distance and lists them by label (insertion order) (docs/format.md §6.6); which of them make the cut when not all fit in the results is the index\'s internal order. A query for one returns its twins as well.',
      fix: null,
      remedy: 'Usually the same text embedded twice (re-ingested chunks); delete the copies if they are not meant.',
      evidence: { numbers: { duplicateRecords: duplicates, distinctVectors: groups.size, vectors: vectors.slab.size }, ids: duplicateIds },
    });
  }
  if (zero > 0) {
    out.add({
      code: 'vectors.zero-norm',
      severity: space === 'cosine' ? 'warning' : 'info',
      title: `${plural(zero, 'record')} with an all-zero vector`,
      chromaWould:
        space === 'cosine'
          ? 'In the cosine space a zero vector stays zero after normalising (x / (|x| + 1e-30), docs/format.md §6.6): its distance to every query is 1, so it is never meaningfully near anything.'
          : `In the ${space} space a zero vector is an ordinary point; it usually means the embedding failed.`,
      fix: null,
      remedy: 'Re-embed those records.',
      evidence: { numbers: { zeroVectors: zero, vectors: vectors.slab.size }, ids: zeroIds },
    });
  }
}
