/** Deterministic batch contents for the crash test: the child writes them, the parent checks them. */
export const CRASH_DIM = 24;

/** A deterministic value in [-1, 1) per (batch, record, dimension): an integer hash, so vectors are spread out. */
function noise(batch: number, i: number, d: number): number {
  let h = Math.imul(batch, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b) ^ Math.imul(d + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 31 - 1;
}

export function batchRecords(batch: number, size: number) {
  const ids: string[] = [];
  const embeddings: number[][] = [];
  const metadatas: { batch: number; i: number; half: number; even: boolean }[] = [];
  const documents: string[] = [];
  for (let i = 0; i < size; i++) {
    ids.push(`b${batch}-r${i}`);
    embeddings.push(Array.from({ length: CRASH_DIM }, (_, d) => noise(batch, i, d)));
    metadatas.push({ batch, i, half: i + 0.5, even: i % 2 === 0 });
    documents.push(`batch ${batch} record ${i}`);
  }
  return { ids, embeddings, metadatas, documents };
}
