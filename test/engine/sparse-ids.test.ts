import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { MAX_BITSET_SPAN } from '../../src-main/engine/filter/sql-column-source.js';
import { eachMapValue } from '../../src-main/engine/map/map-values.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

// Filters run over bit sets spanning a segment's internal ids (filter/id-bitset.ts). A record whose
// id sits far beyond the others (2^40 here: an edited folder; Chroma's own ids grow by one) would
// need a set of 128 GB and alias ids past 2^32: that segment's filters go through SQL instead, and
// still answer as real Chroma did. A query's order is by distance, so moving a record's internal
// id changes none of the recorded query answers.
describe('a segment whose internal ids spread too wide for bit sets', () => {
  const fixture = referenceFixture('chroma-1.3.4-seed7');
  const far = 2 ** 40;
  const { dir, moved } = withRecordMoved(fixture, far, 'chroma-inspector-sparse-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { cases } = JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
  const filtered = cases.filter((c) => c.op === 'query' && c.error === undefined && ('where' in c.args || 'whereDocument' in c.args));

  it('moved a record of articles past the span bit sets hold', () => {
    expect(far - moved).toBeGreaterThan(MAX_BITSET_SPAN);
    expect(filtered.filter((c) => c.collection === 'articles').length).toBeGreaterThan(5);
  });

  it("answers every recorded filtered get as real Chroma did, the moved record last", () => {
    // A get's order is the records' internal ids: the moved record comes last now. Compared as
    // real Chroma's answer and ours, each put in id order, and the moved record's place checked.
    const gets = cases.filter((c) => c.op === 'get' && c.error === undefined && ('where' in c.args || 'whereDocument' in c.args));
    expect(gets.filter((c) => c.collection === 'articles').length).toBeGreaterThan(15);
    const byId = (r: Record<string, unknown>) => {
      const ids = r.ids as string[];
      const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
      const out: Record<string, unknown> = { ...r };
      for (const [k, v] of Object.entries(r)) if (Array.isArray(v) && v.length === ids.length) out[k] = order.map((i) => v[i]);
      return out;
    };
    const folder = ChromaFolder.open(dir);
    try {
      const probe = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
      const movedId = probe.prepare('SELECT embedding_id FROM embeddings WHERE id = ?').pluck().get(BigInt(far)) as string;
      probe.close();
      let lastSeen = 0;
      const bad = gets.map((c) => {
        const got = folder.get(splitCollection(c.collection), c.args) as unknown as Record<string, unknown>;
        // The moved record, when in an answer, is its last (the largest internal id).
        const ids = got.ids as string[];
        if (ids.includes(movedId)) {
          expect(ids.indexOf(movedId), c.label).toBe(ids.length - 1);
          lastSeen++;
        }
        const d = compareCase({ ...c, result: byId(c.result as Record<string, unknown>) }, byId(got));
        return d ? `${c.collection} | ${c.label}: ${d}` : null;
      });
      expect(bad.filter((x) => x !== null)).toEqual([]);
      expect(lastSeen).toBeGreaterThan(3);
    } finally {
      folder.close();
    }
  });

  it("colours the embedding map by every stored record's value", () => {
    const folder = ChromaFolder.open(dir);
    try {
      const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
      const stored = (key: string) =>
        db
          .prepare(
            `SELECT count(*) FROM embedding_metadata m JOIN embeddings e ON e.id = m.id JOIN segments s ON s.id = e.segment_id
             JOIN collections c ON c.id = s.collection WHERE c.name = 'articles' AND m.key = ?`,
          )
          .pluck()
          .get(key) as number;
      for (const key of ['category', 'year', 'rating']) {
        let taken = 0;
        eachMapValue(folder.collection({ name: 'articles' }), key, () => taken++);
        expect(taken, key).toBe(stored(key));
        expect(taken, key).toBeGreaterThan(100);
      }
      db.close();
    } finally {
      folder.close();
    }
  });

  it("answers every recorded filtered query as real Chroma did, articles' filters through SQL", () => {
    const folder = ChromaFolder.open(dir);
    try {
      const bad = filtered.map((c) => {
        const d = compareCase(c, folder.query(splitCollection(c.collection), c.args));
        return d ? `${c.collection} | ${c.label}: ${d}` : null;
      });
      expect(bad.filter((x) => x !== null)).toEqual([]);
      expect(folder.collection({ name: 'articles' }).columnSource()).toBeNull();
      expect(folder.collection({ name: 'points' }).columnSource()).not.toBeNull();
    } finally {
      folder.close();
    }
  });
});

// A record whose internal id is past Number.MAX_SAFE_INTEGER (2^53 + 2: a double still holds it
// exactly). Its segment spreads too wide for bit sets, so the labels table has no universe to
// bound its pages: RecordLabels.whole() must still read every record of the segment, as its old
// `WHERE segment_id = ?` did, not stop at ±MAX_SAFE_INTEGER.
describe('a record whose internal id is past 2^53', () => {
  const far = 2 ** 53 + 2;
  const { dir, movedId } = withRecordMoved(referenceFixture('chroma-1.3.4-seed7'), far, 'chroma-inspector-past-2-53-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has its label in the whole labels table', () => {
    const folder = ChromaFolder.open(dir);
    try {
      folder.snapshot(() => {
        const reader = folder.collection({ name: 'articles' });
        expect(reader.columnSource(), 'filters through SQL: no universe bounds the pages').toBeNull();
        const label = reader.vectors().idToLabel.get(movedId);
        expect(label).toBeDefined();
        expect(reader.recordLabels().whole().get(far)).toBe(label);
      });
    } finally {
      folder.close();
    }
  });
});

/**
 * A copy of `fixture`'s folder where the first record of articles that has a document gets
 * internal id `far` in every table that keys on it; the copy's folder, the id it had, and its
 * record id.
 */
function withRecordMoved(fixture: string, far: number, prefix: string): { dir: string; moved: number; movedId: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(fixture, 'data'), dir, { recursive: true });
  const db = new Database(join(dir, 'chroma.sqlite3'));
  try {
    const moved = db
      .prepare(
        `SELECT e.id FROM embeddings e JOIN segments s ON s.id = e.segment_id JOIN collections c ON c.id = s.collection
         WHERE c.name = 'articles' AND e.id IN (SELECT id FROM embedding_fulltext_search_content) ORDER BY e.id LIMIT 1`,
      )
      .pluck()
      .get() as number;
    db.pragma('foreign_keys = OFF'); // not inside a transaction, where SQLite ignores it
    db.transaction(() => {
      for (const table of ['embeddings', 'embedding_metadata', 'embedding_metadata_array']) db.prepare(`UPDATE ${table} SET id = ? WHERE id = ?`).run(BigInt(far), moved);
      db.prepare('UPDATE embedding_fulltext_search SET rowid = ? WHERE rowid = ?').run(BigInt(far), moved);
    })();
    const movedId = db.prepare('SELECT embedding_id FROM embeddings WHERE id = ?').pluck().get(BigInt(far)) as string;
    return { dir, moved, movedId };
  } finally {
    db.close();
  }
}
