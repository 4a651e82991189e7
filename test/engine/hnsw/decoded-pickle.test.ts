import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DISCARD_VECTORS, readCheckpoint, readHeaderOnly } from '../../../src-main/engine/hnsw/checkpoint.js';
import { ARTICLES, copySegment, seed7 } from './helpers.js';

/**
 * A decoded pickle is handed from one reader of a segment to the next (overview → first query →
 * vector load) only while its file is unchanged: the receiver must see the file, never a stale map.
 */
describe('readCheckpoint with a pickle decoded earlier', () => {
  it('takes the decoded pickle while the file is unchanged', () => {
    const overview = readHeaderOnly(seed7, ARTICLES);
    expect(overview.decodedPickle).not.toBeNull();
    const r = readCheckpoint(seed7, ARTICLES, { space: 'cosine', sink: DISCARD_VECTORS, pickle: overview.decodedPickle });
    expect(r.usable).toBe(true);
    expect(r.decodedPickle!.meta).toBe(overview.decodedPickle!.meta);
    expect(r.idToLabel).toBe(overview.decodedPickle!.meta.idToLabel);
  });

  it('decodes the file again once it changed, whatever it was handed', () => {
    const copy = copySegment(seed7, ARTICLES);
    try {
      const overview = readHeaderOnly(copy.root, ARTICLES);
      const handed = overview.decodedPickle!;
      const before = new Map(handed.meta.idToLabel);
      // The same bytes written again: a new modification time is enough to distrust the handed map.
      const file = copy.file('index_metadata.pickle');
      fs.writeFileSync(file, fs.readFileSync(file));
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const r = readCheckpoint(copy.root, ARTICLES, { space: 'cosine', sink: DISCARD_VECTORS, pickle: handed });
      expect(r.usable).toBe(true);
      expect(r.decodedPickle!.meta).not.toBe(handed.meta);
      expect(r.decodedPickle!.stamp).not.toBe(handed.stamp);
      expect(new Map(r.idToLabel)).toEqual(before);
      // A handed map that no longer matches the file is never used: here, one emptied by hand.
      const emptied = { meta: { ...handed.meta, idToLabel: new Map<string, number>() }, stamp: handed.stamp };
      const again = readCheckpoint(copy.root, ARTICLES, { space: 'cosine', sink: DISCARD_VECTORS, pickle: emptied });
      expect(new Map(again.idToLabel)).toEqual(before);
    } finally {
      copy.cleanup();
    }
  });
});
