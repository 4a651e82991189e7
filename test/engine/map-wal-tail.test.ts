import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MapColors, Metadata } from '../../shared/models.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { createChromaFolder } from '../../src-main/engine/write/create-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';

/**
 * The map's colours on a folder whose metadata segment lags its WAL: the records added, updated,
 * upserted and deleted after the segment's last applied seq are in the WAL tail only (a writer
 * that stopped before its backfill). Each point's colour must be the value `get` returns for it:
 * the segment's for records it holds up to date, the replayed tail's for the rest.
 *
 * Made by writing a first batch, keeping a copy of the database, writing a second batch, then
 * putting the first copy's metadata segment (its rows and max_seq_id) back: the WAL keeps both
 * batches (purging is off), the vector segment has them all.
 */
const work = mkdtempSync(join(tmpdir(), 'map-wal-tail-'));
const dir = join(work, 'data');
const NAME = 'lagging';
let seed = 9;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const vec = () => Array.from({ length: 8 }, rand);
let folder: ChromaFolder;

beforeAll(async () => {
  createChromaFolder(dir);
  const sqlite = join(dir, 'chroma.sqlite3');
  const config = new Database(sqlite);
  config.prepare("UPDATE embeddings_queue_config SET config_json_str = '{\"automatically_purge\":false,\"_type\":\"EmbeddingsQueueConfigurationInternal\"}'").run();
  config.close();

  let client = new PersistentClient({ path: dir });
  let col = await client.createCollection({ name: NAME, embeddingFunction: null });
  const first = Array.from({ length: 120 }, (_, i) => i);
  await col.add({ ids: first.map((i) => `r${i}`), embeddings: first.map(vec), metadatas: first.map((i) => ({ group: `g${i % 3}`, weight: i })) });
  await client.close();
  const snapshot = join(work, 'snapshot.sqlite3');
  const db = new Database(sqlite);
  db.prepare('VACUUM INTO ?').run(snapshot);
  db.close();

  client = new PersistentClient({ path: dir });
  col = await client.getCollection({ name: NAME, embeddingFunction: null });
  const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `r${from + k}`);
  await col.update({ ids: ids(0, 10), metadatas: ids(0, 10).map((_, k) => ({ group: 'g-updated', weight: 1000 + k })) });
  await col.upsert({ ids: ids(10, 15), embeddings: ids(10, 15).map(vec), metadatas: ids(10, 15).map(() => ({ group: 'g-upserted' })) });
  await col.delete({ ids: ids(15, 20) });
  await col.update({ ids: ['r20'], metadatas: [{ group: true, weight: -5.5 }] });
  // Half the new records without a weight (the client drops a null, as chromadb's does).
  await col.add({ ids: ids(120, 140), embeddings: ids(120, 140).map(vec), metadatas: ids(120, 140).map((_, k) => (k % 2 ? { group: 'g-new', weight: 2000 + k } : { group: 'g-new', weight: null })) });
  await client.close();

  // The metadata segment back as it was after the first batch: the second is in the WAL only.
  const out = new Database(sqlite);
  out.pragma('foreign_keys = OFF');
  out.prepare('ATTACH ? AS snap').run(snapshot);
  const seg = out.prepare("SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE s.scope = 'METADATA' AND c.name = ?").pluck().get(NAME) as string;
  const mine = (schema: string) => `SELECT id FROM ${schema}.embeddings WHERE segment_id = @seg`;
  out.transaction(() => {
    for (const table of ['embedding_metadata', 'embedding_metadata_array']) {
      out.prepare(`DELETE FROM main.${table} WHERE id IN (${mine('main')})`).run({ seg });
    }
    out.prepare(`DELETE FROM main.embedding_fulltext_search WHERE rowid IN (${mine('main')})`).run({ seg });
    out.prepare('DELETE FROM main.embeddings WHERE segment_id = @seg').run({ seg });
    out.prepare('INSERT INTO main.embeddings SELECT * FROM snap.embeddings WHERE segment_id = @seg').run({ seg });
    for (const table of ['embedding_metadata', 'embedding_metadata_array']) {
      out.prepare(`INSERT INTO main.${table} SELECT * FROM snap.${table} WHERE id IN (${mine('snap')})`).run({ seg });
    }
    out.prepare(`INSERT INTO main.embedding_fulltext_search (rowid, string_value) SELECT rowid, string_value FROM snap.embedding_fulltext_search WHERE rowid IN (${mine('snap')})`).run({ seg });
    out.prepare('UPDATE main.max_seq_id SET seq_id = (SELECT seq_id FROM snap.max_seq_id WHERE segment_id = @seg) WHERE segment_id = @seg').run({ seg });
  })();
  out.close();
  folder = ChromaFolder.open(dir);
}, 60_000);
afterAll(() => {
  folder?.close();
  rmSync(work, { recursive: true, force: true });
});

/** What `get` returns for each of `ids`, by id. */
function metadataOf(ids: string[]): Map<string, Metadata | null> {
  const got = folder.get({ name: NAME }, { ids, include: ['metadatas'] });
  return new Map(got.ids.map((id, i) => [id, got.metadatas![i] ?? null]));
}

/** The value a colour stands for: a category name, a number back from [0, 1], or null (no value). */
function valueOf(c: MapColors, i: number): string | number | null {
  const v = c.values[i]!;
  if (v === -1) return null;
  return c.kind === 'number' ? c.min! + v * (c.max! - c.min!) : c.categories[v]!;
}

describe('map colours with the metadata segment behind its WAL', () => {
  it('the folder really lags: the second batch is in the WAL tail only, and get replays it', () => {
    const info = folder.collectionInfo({ name: NAME });
    expect(info.metadataLag).toBeGreaterThanOrEqual(41);
    const seg = folder.collection({ name: NAME }).catalog.metadataSegment!.id;
    expect(folder.db.prepare('SELECT count(*) FROM embeddings WHERE segment_id = ?').pluck().get(seg)).toBe(120);
    const md = metadataOf(['r0', 'r10', 'r15', 'r20', 'r121', 'r50']);
    expect(md.get('r0')).toEqual({ group: 'g-updated', weight: 1000 });
    expect(md.get('r10')).toEqual({ group: 'g-upserted', weight: 10 });
    expect(md.has('r15')).toBe(false);
    expect(md.get('r20')).toEqual({ group: true, weight: -5.5 });
    expect(md.get('r121')).toEqual({ group: 'g-new', weight: 2001 });
    expect(md.get('r50')).toEqual({ group: 'g2', weight: 50 });
  });

  for (const method of ['pca', 'umap'] as const) {
    it(`on the ${method.toUpperCase()} map, each point's colour is the value get returns for its record`, () => {
      const map = folder.embeddingMap({ name: NAME });
      const md = metadataOf(map.ids);
      expect(map.count).toBe(135);
      expect(md.size).toBe(135);
      // The UMAP layout's points are known without laying it out (umapLabels): here, the same records.
      const colours = (key: string) => (method === 'pca' ? folder.mapColors({ name: NAME }, key) : folder.umapColors({ name: NAME }, key));
      const group = colours('group');
      expect(group.kind).toBe('category');
      expect(new Set(group.categories)).toEqual(new Set(['g0', 'g1', 'g2', 'g-updated', 'g-upserted', 'g-new', 'true']));
      const weight = colours('weight');
      expect(weight.kind).toBe('number');
      const weights = [...md.values()].map((m) => m?.weight).filter((w): w is number => typeof w === 'number');
      expect([weight.min, weight.max]).toEqual([Math.min(...weights), Math.max(...weights)]);
      map.ids.forEach((id, i) => {
        const m = md.get(id)!;
        expect(valueOf(group, i), id).toBe(m.group === undefined ? null : String(m.group));
        const w = valueOf(weight, i);
        if (m.weight === undefined) expect(w, id).toBeNull();
        else expect(w, id).toBeCloseTo(m.weight as number, 6);
      });
    });
  }
});
