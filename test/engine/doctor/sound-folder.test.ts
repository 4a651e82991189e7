import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/models.js';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { btreePages } from '../../../src-main/engine/doctor/btree-pages.js';
import { hashTree } from '../../helpers/hash-tree.js';
import { referenceFixture } from '../../helpers/paths.js';
import { dataOf, deletedFlags, findings, headerOf, problems, rawCollections, rows } from './helpers.js';

// Sound folders written by real Chroma: the doctor reports nothing wrong, its figures are what
// raw SQL and the files' own bytes say, and not one byte of the folder changes.

/** Real Chroma's own count answers, recorded in the fixture's cases.json. */
function recordedCounts(fixture: string): Map<string, number> {
  const { cases } = JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: { op: string; collection: string; result: unknown }[] };
  return new Map(cases.filter((c) => c.op === 'count').map((c) => [c.collection.split('@')[0]!, c.result as number]));
}

const seqOf = (dir: string, segment: string): number | null => rows<{ s: number }>(dir, 'SELECT seq_id AS s FROM max_seq_id WHERE segment_id = ?', segment)[0]?.s ?? null;

describe.each(['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7', 'workload-1.3.4-seed7'])('the doctor on the sound folder %s', (fixture) => {
  const dir = dataOf(fixture);
  let report: DoctorReport;

  it('reports no warning or error, and writes nothing', async () => {
    const before = hashTree(dir);
    report = await runDoctor(dir);
    expect(hashTree(dir)).toEqual(before);
    expect(problems(report)).toEqual([]);
    expect(report.summary.errors + report.summary.warnings).toBe(0);
  });

  it("has each collection's WAL figures as raw SQL computes them (M, V, lags, purgeable)", () => {
    const counts = recordedCounts(fixture);
    for (const raw of rawCollections(dir)) {
      const c = report.collections.find((x) => x.id === raw.id)!;
      const M = seqOf(dir, raw.metadataSegment) ?? 0;
      // Rust counts V as 0 while the vector segment has no pickle (docs/format.md §4.6).
      const V = existsSync(join(dir, raw.vectorSegment, 'index_metadata.pickle')) ? (seqOf(dir, raw.vectorSegment) ?? 0) : 0;
      const count = (cond: string, ...p: number[]) => rows<{ n: number }>(dir, `SELECT count(*) AS n FROM embeddings_queue WHERE topic = ? ${cond}`, raw.topic, ...p)[0]!.n;
      const expected = { metadataSeq: M, vectorSeq: V, rows: count(''), metadataLag: count('AND seq_id > ?', M), vectorLag: count('AND seq_id > ?', V), purgeable: Math.min(M, V) > 0 ? count('AND seq_id < ?', Math.min(M, V)) : 0 };
      expect({ ...c.wal, seqRange: undefined }, raw.name).toEqual({ ...expected, seqRange: undefined });
      const backlog = findings(report, 'wal.backlog', raw.name);
      expect(backlog.length, raw.name).toBe(expected.vectorLag + expected.metadataLag > 0 ? 1 : 0);
      if (backlog[0]) expect(backlog[0].evidence.numbers).toMatchObject({ vectorLag: expected.vectorLag, metadataLag: expected.metadataLag, vectorSeq: V });
      expect(c.records, raw.name).toBe(counts.get(raw.name) ?? rows<{ n: number }>(dir, 'SELECT count(*) AS n FROM embeddings WHERE segment_id = ?', raw.metadataSegment)[0]!.n);
      expect(c.documents).toBe(rows<{ n: number }>(dir, "SELECT count(*) AS n FROM embeddings e JOIN embedding_metadata m ON m.id = e.id AND m.key = 'chroma:document' WHERE e.segment_id = ?", raw.metadataSegment)[0]!.n);
    }
  });

  it("has each checkpoint's element counts and deleted elements as the files' bytes say", () => {
    for (const raw of rawCollections(dir)) {
      const c = report.collections.find((x) => x.id === raw.id)!;
      const hasFolder = existsSync(join(dir, raw.vectorSegment));
      expect(c.hnsw.folderExists, raw.name).toBe(hasFolder);
      if (!hasFolder) continue;
      const header = headerOf(dir, raw.vectorSegment);
      expect(c.hnsw.headerElements).toBe(header.cur);
      expect(c.hnsw.capacity).toBe(header.max);
      const usable = existsSync(join(dir, raw.vectorSegment, 'index_metadata.pickle'));
      expect(c.hnsw.checkpointUsable, raw.name).toBe(usable);
      if (!usable) continue;
      const deleted = deletedFlags(dir, raw.vectorSegment);
      expect(c.hnsw.deletedElements).toBe(deleted);
      expect(c.hnsw.liveElements).toBe(header.cur - deleted);
      // Every record has its vector in a sound folder.
      expect(c.hnsw.vectors).toBe(c.records);
      const finding = findings(report, 'hnsw.deleted-elements', raw.name);
      expect(finding.length).toBe(deleted > 0 ? 1 : 0);
      if (deleted > 0) expect(finding[0]!.evidence.numbers).toMatchObject({ deletedElements: deleted, elements: header.cur, wastedBytes: deleted * header.size });
    }
  });

  it('reports the orphan segment folders that are on disk', () => {
    const segments = new Set(rows<{ id: string }>(dir, 'SELECT id FROM segments').map((r) => r.id));
    const onDisk = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && /^[0-9a-f-]{36}$/.test(e.name)).map((e) => e.name);
    const orphans = onDisk.filter((f) => !segments.has(f)).sort();
    const found = findings(report, 'orphan.folder');
    expect(found.length).toBe(orphans.length > 0 ? 1 : 0);
    if (orphans.length) expect([...found[0]!.evidence.segments].sort()).toEqual(orphans);
  });

  it("measures storage: every page accounted for, dbstat's pages equal a walk of the file, HNSW files as on disk", () => {
    const s = report.storage;
    const file = join(dir, 'chroma.sqlite3');
    expect(s.method).toBe('dbstat');
    expect(s.databaseBytes).toBe(statSync(file).size);
    expect(s.objects.reduce((t, o) => t + o.bytes, 0) + s.freelistBytes).toBe(s.databaseBytes);
    const roots = rows<{ name: string; rootpage: number }>(dir, 'SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0');
    const walked = btreePages(file, [{ name: 'sqlite_schema', rootpage: 1 }, ...roots]);
    for (const o of s.objects) expect(o.pages, o.name).toBe(walked.get(o.name));
    for (const c of s.collections) {
      for (const f of c.hnswFiles) expect(f.bytes, f.file).toBe(statSync(join(dir, f.file)).size);
    }
    // The per-collection shares never add up to more than the tables hold.
    const areaTables = ['embeddings', 'embedding_metadata', 'embedding_metadata_array', 'embeddings_queue', 'embedding_fulltext_search'];
    const inAreas = s.objects.filter((o) => areaTables.includes(o.table)).reduce((t, o) => t + o.bytes, 0);
    const shared = s.collections.reduce((t, c) => t + c.sqlite.records + c.sqlite.metadata + c.sqlite.fts + c.sqlite.wal, 0) + s.orphans.sqliteBytes;
    expect(Math.abs(shared - inAreas)).toBeLessThanOrEqual(4 * s.collections.length + 4);
    expect(s.reclaim).toBeNull();
    expect(s.reclaimNote).toMatch(/--measure/);
  });
});
