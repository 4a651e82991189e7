import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { HNSW_MIN_ELEMENTS, vectorTuning } from '../../src-main/engine/collection/vector-state.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * Large collections answer unfiltered queries from the HNSW graph loaded from Chroma's own files,
 * plus the WAL tail (updates, deletes, new records) replayed onto it. The fixtures are small, so
 * the threshold is lowered here to run that path against Chroma's recorded answers.
 */
const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;

describe('queries through the HNSW graph (checkpoint + WAL tail)', () => {
  let folder: ChromaFolder;
  beforeAll(() => {
    vectorTuning.hnswMinElements = 0;
    folder = ChromaFolder.open(join(fixture, 'data'));
  });
  afterAll(() => {
    vectorTuning.hnswMinElements = HNSW_MIN_ELEMENTS;
    folder.close();
  });

  for (const name of ['articles', 'inner']) {
    it(`${name}: every recorded query answers as Chroma did`, () => {
      const queries = cases.filter((c) => c.collection === name && c.op === 'query' && !c.error);
      expect(queries.length).toBeGreaterThan(5);
      // The first query is exact by design; run one so the rest go through the graph.
      folder.query({ name }, queries[0]!.args);
      const vectors = folder.collection({ name }).vectors();
      for (const c of queries) expect(compareCase(c, folder.query({ name }, c.args)), c.label).toBeNull();
      expect((vectors as unknown as { hnswIndex: unknown }).hnswIndex).toBeTruthy();
    });
  }
});
