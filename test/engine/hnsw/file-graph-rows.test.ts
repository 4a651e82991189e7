import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { freshMappedBytes, HUGE_PAGE_BYTES } from '../../../src-main/engine/util/huge-pages.js';
import { referenceFixture } from '../../helpers/paths.js';
import { compareCase, isPlainQuery, splitCollection, type RecordedCase } from '../../helpers/compare.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';

/**
 * A first query's walk through the files reads its rows into an arena of whole huge pages
 * (FileGraph.rowSpace). Every search of the query reuses it: made per search, a query of many
 * vectors mapped 4 MB for each, all left for the collector while the vector load that follows
 * wanted the same budget of mappings (util/huge-pages.ts FRESH_MAPPED_BUDGET_BYTES).
 */
const missing = addonMissing('hugePagedBuffer');

describe('the rows a first query reads from the files', () => {
  const dir = referenceFixture('chroma-1.3.4-seed7');
  const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
  const plain = cases.find((c) => isPlainQuery(c) && c.error === undefined && c.collection.endsWith('articles'))!;

  it.skipIf(missing !== null)(addonSuite('go to one arena for all of a query’s vectors, and the answers are Chroma’s', missing), () => {
    const args = plain.args as { queryEmbeddings: number[][]; nResults?: number };
    const vectors = args.queryEmbeddings;
    // The recorded vectors, over and over: 24 searches in one first query.
    const many = Array.from({ length: 24 }, (_, i) => vectors[i % vectors.length]!);
    const folder = ChromaFolder.open(join(dir, 'data'));
    try {
      const ref = splitCollection(plain.collection);
      const before = freshMappedBytes();
      const answer = folder.query(ref, { ...args, queryEmbeddings: many });
      const mapped = freshMappedBytes() - before;
      expect(folder.collection(ref).vectorsLoaded).toBe(false);
      // One arena (two huge pages), not one per search.
      expect(mapped).toBeGreaterThan(0);
      expect(mapped).toBeLessThanOrEqual(2 * HUGE_PAGE_BYTES);
      // Each answer is the recorded one for its vector.
      for (let i = 0; i < many.length; i++) {
        const one = { ...answer, ids: [answer.ids[i]!], distances: answer.distances && [answer.distances[i]!], documents: answer.documents && [answer.documents[i]!], metadatas: answer.metadatas && [answer.metadatas[i]!], embeddings: answer.embeddings && [answer.embeddings[i]!], uris: answer.uris && [answer.uris[i]!] };
        const recorded = i % vectors.length;
        const expected = { ...plain, args: { ...args, queryEmbeddings: [vectors[recorded]!] }, result: pick(plain.result, recorded) };
        expect(compareCase(expected as RecordedCase, one as never), `vector ${i}`).toBeNull();
      }
    } finally {
      folder.close();
    }
  });
});

/** Row `i` of every per-vector list of a recorded query result. */
function pick(result: unknown, i: number): unknown {
  const r = result as Record<string, unknown>;
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) && v.length > 0 && Array.isArray(v[0]) ? [v[i]] : v]));
}
