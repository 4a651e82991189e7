import type { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { bruteDistance } from './brute-distance.js';

/** Mean recall@k of folder.query (k + 1, own record left out) against brute force, for `sampleIds`. */
export function independentRecall(folder: ChromaFolder, name: string, sampleIds: string[], k: number): number {
  const ref = { name };
  const space = folder.collectionInfo(ref).hnsw.space;
  const all = folder.get(ref, { include: ['embeddings'] });
  const vectorOf = new Map(all.ids.map((id, i) => [id, all.embeddings![i]!]));
  let sum = 0;
  for (const id of sampleIds) {
    const q = vectorOf.get(id)!;
    const exact = all.ids
      .filter((other) => other !== id)
      .map((other) => ({ id: other, d: bruteDistance(space, q, vectorOf.get(other)!) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k)
      .map((x) => x.id);
    const got = new Set(folder.query(ref, { queryEmbeddings: [q], nResults: k + 1, include: [] }).ids[0]!.filter((x) => x !== id).slice(0, k));
    sum += exact.filter((x) => got.has(x)).length / exact.length;
  }
  return sum / sampleIds.length;
}

