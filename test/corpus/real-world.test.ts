import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { InspectorError } from '../../shared/errors.js';
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';
import { hashTree } from '../helpers/hash-tree.js';

interface ManifestCollection {
  id: string;
  name: string;
  dimension: number | null;
  space: string;
  records: number;
  documents: number;
  wal_rows: number;
  wal_rows_not_in_hnsw: number;
}
interface ManifestEntry {
  name: string;
  era_by_migrations: string;
  collections: ManifestCollection[];
  orphan_segment_dirs: string[];
  orphan_embedding_rows: [string, number][];
  vector_segments_without_dir: string[];
}

// Our era labels against the manifest's (which names release ranges slightly differently).
const ERA_MATCH: Record<string, RegExp> = {
  '0.4.0': /^0\.4\.0/,
  '0.4.1-0.4.3': /^0\.4\.0-0\.4\.3/,
  '0.4.4-0.4.5': /^0\.4\.4-0\.4\.5/,
  '0.4.6-0.4.14': /^0\.4\.6-0\.4\.14/,
  '0.4.15-0.4.24': /^0\.4\.15-0\.4\.24/,
  '0.5.0': /^0\.5\.0$/,
  '0.5.1-0.5.3': /^0\.5\.1-0\.5\.3/,
  '0.5.4-0.5.5': /^0\.5\.4-0\.5\.5/,
  '0.5.6-0.6.3': /^0\.5\.6-0\.6\.3/,
  '1.0-1.2': /^1\.0\.x-1\.2\.x/,
  '1.3-1.4': /^1\.3\.x-1\.4\.x/,
  '1.5+': /^1\.5\.x/,
};

const manifest: ManifestEntry[] = hasRealWorld ? JSON.parse(readFileSync(join(realWorldDir, 'manifest.json'), 'utf8')) : [];

describe.skipIf(!hasRealWorld)(corpusSuite('real-world folders against their manifest'), () => {
  // Without the corpus there is no manifest to list folders from: one entry stands for them all.
  if (!hasRealWorld) it('every folder of the corpus', () => {});
  for (const entry of manifest) {
    describe(entry.name, () => {
      const dir = join(realWorldDir, entry.name);
      const before = hashTree(dir);
      const folder = ChromaFolder.open(dir);
      afterAll(() => {
        folder.close();
        expect(hashTree(dir), 'opening and querying must not change one byte').toEqual(before);
      });

      it('detects the era that wrote it', () => {
        const era = folder.info().era;
        const pattern = ERA_MATCH[era.label];
        expect(pattern, `unknown era label ${era.label}`).toBeDefined();
        expect(entry.era_by_migrations).toMatch(pattern!);
      });

      it('reports orphans as the manifest lists them', () => {
        const { orphans } = folder.info();
        expect(orphans.segmentFolders.sort()).toEqual([...entry.orphan_segment_dirs].sort());
        expect(orphans.embeddingRows.map((r) => [r.segmentId, r.rows])).toEqual(entry.orphan_embedding_rows);
        expect(orphans.vectorSegmentsWithoutFolder).toEqual(entry.vector_segments_without_dir);
      });

      for (const mc of entry.collections) {
        describe(`collection ${mc.name}`, () => {
          const reader = () => folder.collection(mc.id);

          it('has the manifest name, count, dimension and space', () => {
            const info = folder.collectionInfo(mc.id);
            expect(info.name).toBe(mc.name);
            expect(info.count).toBe(mc.records);
            expect(info.dimension).toBe(mc.dimension);
            expect(info.hnsw.space).toBe(mc.space.split(' ')[0]);
          });

          it('has the manifest WAL figures', () => {
            const info = folder.collectionInfo(mc.id);
            expect(info.walRows).toBe(mc.wal_rows);
            expect(info.vectorLag).toBe(mc.wal_rows_not_in_hnsw);
          });

          it('has a vector for every live record, and documents as counted', () => {
            const got = folder.get(mc.id, { include: ['documents'] });
            expect(got.ids.length).toBe(mc.records);
            expect(got.documents.filter((d) => d !== null).length).toBe(mc.documents);
            if (mc.dimension !== null && mc.records > 0) {
              const vectors = reader().vectors();
              expect(vectors.size).toBe(mc.records);
              for (const id of got.ids) expect(vectors.idToLabel.has(id)).toBe(true);
            }
          });

          // Only where there are documents (an empty collection has nothing to search, so no test).
          if (mc.documents > 0) it('full-text $contains finds exactly the documents holding the text', () => {
            // The oracle reads chroma:document rows straight from SQLite; the engine goes through
            // the full-text table (embedding_fulltext_search, or embedding_fulltext before 0.4.6).
            const seg = reader().catalog.metadataSegment!.id;
            const docs = folder.db
              .prepare(
                `SELECT e.embedding_id AS id, m.string_value AS doc FROM embeddings e JOIN embedding_metadata m ON m.id = e.id
                 WHERE e.segment_id = ? AND m.key = 'chroma:document' ORDER BY e.id`,
              )
              .all(seg) as { id: string; doc: string }[];
            const sample = docs.find((d) => d.doc && d.doc.length > 12)?.doc ?? docs[0]!.doc;
            const needle = sample.slice(Math.floor(sample.length / 2), Math.floor(sample.length / 2) + 5);
            const got = folder.get(mc.id, { whereDocument: { $contains: needle }, include: [] });
            expect(got.ids).toEqual(docs.filter((d) => d.doc?.includes(needle)).map((d) => d.id));
            const not = folder.get(mc.id, { whereDocument: { $not_contains: needle }, include: [] });
            expect(got.ids.length + not.ids.length).toBe(mc.records);
          });

          if (mc.records > 0) it('finds each sampled record as its own nearest neighbour', () => {
            const sample = folder.get(mc.id, { limit: 3, include: ['embeddings'] });
            for (let i = 0; i < sample.ids.length; i++) {
              const res = folder.query(mc.id, { queryEmbeddings: [sample.embeddings[i]!], nResults: 1, include: ['distances'] });
              expect(res.distances[0]![0]!).toBeLessThan(1e-3);
              // Exact duplicates can tie at distance 0; the hit must be the record or a twin.
              const twin = folder.get(mc.id, { ids: [res.ids[0]![0]!], include: ['embeddings'] }).embeddings[0]!;
              expect(twin.every((x, k) => Math.abs(x - sample.embeddings[i]![k]!) < 1e-4)).toBe(true);
            }
          });
        });
      }
    });
  }

  it('the two SCARF snapshots (WAL-only and flushed HNSW) show identical records', () => {
    const a = ChromaFolder.open(join(realWorldDir, '22-JWL-SCARF-chroma_db-6cbf936'));
    const b = ChromaFolder.open(join(realWorldDir, '22-JWL-SCARF-chroma_db-8c5682d'));
    try {
      const args = { include: ['documents', 'metadatas', 'embeddings'] };
      const ga = a.get({ name: 'commands' }, args);
      const gb = b.get({ name: 'commands' }, args);
      expect(gb.ids.slice().sort()).toEqual(ga.ids.slice().sort());
      const byId = new Map(gb.ids.map((id, i) => [id, i]));
      ga.ids.forEach((id, i) => {
        const j = byId.get(id)!;
        expect(gb.documents[j]).toBe(ga.documents[i]);
        expect(gb.metadatas[j]).toEqual(ga.metadatas[i]);
        ga.embeddings[i]!.forEach((x, k) => expect(gb.embeddings[j]![k]!).toBeCloseTo(x, 5));
      });
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses the pre-0.4 duckdb+parquet folder with a specific error', () => {
    const dir = join(realWorldDir, 'legacy-duckdb', 'baptiste-pasquier-LangChain-Chat-with-Your-Data-docs_chroma');
    let err: unknown;
    try {
      ChromaFolder.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('UNSUPPORTED_FORMAT');
    expect((err as InspectorError).message).toMatch(/duckdb\+parquet/);
  });
});
