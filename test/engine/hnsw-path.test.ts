import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * Every query of a collection with a checkpoint goes through the HNSW graph read from Chroma's own
 * files, with the WAL tail (updates, deletes, new records) searched exactly beside it, and must
 * give Chroma's recorded answers; asking again gives the same answer.
 */
const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;

describe('queries through the HNSW graph (checkpoint + WAL tail)', () => {
  let folder: ChromaFolder;
  beforeAll(() => {
    folder = ChromaFolder.open(join(fixture, 'data'));
  });
  afterAll(() => {
    folder.close();
  });

  for (const name of ['articles', 'inner']) {
    it(`${name}: every recorded query answers as Chroma did`, () => {
      const queries = cases.filter((c) => c.collection === name && c.op === 'query' && !c.error);
      expect(queries.length).toBeGreaterThan(5);
      const vectors = folder.collection({ name }).vectors();
      for (const c of queries) {
        expect(compareCase(c, folder.query({ name }, c.args)), c.label).toBeNull();
        expect(compareCase(c, folder.query({ name }, c.args)), `${c.label} (asked again)`).toBeNull();
      }
      expect((vectors as unknown as { graph: unknown }).graph).toBeTruthy();
    });
  }
});
