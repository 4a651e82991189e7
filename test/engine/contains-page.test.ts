import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';
import { containsPage } from '../../src-main/engine/query/contains-page.js';

// A `$contains` page (limit set) reads only as far as it needs: documents in rowid order, then the
// trigram index. Its answer must be the general path's (every match as a bit set, then the page),
// which the recorded-answer suites check against real Chroma. The fixtures share one embeddings
// table between collections and have WAL tails, so segment and overlay rules are exercised.
const FIXTURES = ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7', 'workload-1.3.4-seed7'];
const folders: ChromaFolder[] = [];
afterAll(() => folders.forEach((f) => f.close()));

describe.each(FIXTURES)('$contains pages: %s', (name) => {
  const folder = ChromaFolder.open(join(referenceFixture(name), 'data'));
  folders.push(folder);
  const collections = folder.info().tenants.flatMap((t) => t.databases.flatMap((d) => d.collections));

  it('equal the page cut from all matches, for common, rare and absent texts at any offset', () => {
    let compared = 0;
    for (const c of collections) {
      const docs = folder.get(c.id, { include: ['documents'] }).documents.filter((d): d is string => typeof d === 'string');
      // Texts drawn from the collection's own documents (common and rare), plus one that is nowhere.
      const texts = new Set<string>(['zzq-not-there']);
      for (const d of docs.slice(0, 12)) {
        if (d.length >= 3) texts.add(d.slice(0, 3));
        if (d.length >= 12) texts.add(d.slice(4, 12));
      }
      for (const text of texts) {
        const all = folder.get(c.id, { whereDocument: { $contains: text }, include: [] }).ids;
        for (const [offset, limit] of [
          [0, 1],
          [0, 7],
          [3, 50],
          [Math.max(0, all.length - 2), 10],
          [all.length + 5, 10],
        ] as const) {
          const page = folder.get(c.id, { whereDocument: { $contains: text }, limit, offset, include: ['documents', 'metadatas'] });
          expect(page.ids, `${c.name} "${text}" @${offset}+${limit}`).toEqual(all.slice(offset, offset + limit));
          if (page.ids.length === 0) continue;
          const whole = folder.get(c.id, { ids: page.ids, include: ['documents', 'metadatas'] });
          const byId = new Map(whole.ids.map((id, i) => [id, [whole.documents[i], whole.metadatas[i]]]));
          expect(page.ids.map((id, i) => [page.documents[i], page.metadatas[i]])).toEqual(page.ids.map((id) => byId.get(id)));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(60);
  });

  it('take over from the rowid scan with the trigram index past any budget, with the same ids', () => {
    let compared = 0;
    for (const c of collections) {
      const reader = folder.collection(c.id);
      const docs = folder.get(c.id, { include: ['documents'], limit: 30 }).documents.filter((d): d is string => typeof d === 'string' && d.length >= 8);
      for (const text of new Set(docs.map((d) => d.slice(2, 8)))) {
        const ids = folder.get(c.id, { whereDocument: { $contains: text }, include: [] }).ids;
        for (const budget of [1, 2, 17, 500]) {
          const got = containsPage(reader, text, ids.length + 3, budget);
          expect(got.length, `${c.name} "${text}" budget ${budget}`).toBe(ids.length);
          expect(got.map((iid) => reader.userIdOf(iid))).toEqual(ids);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
