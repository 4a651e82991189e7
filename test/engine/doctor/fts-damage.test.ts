import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/models.js';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { CHROMA_VERSION, chromaClients, realChromaProblem, reportSkip, startChroma, type ChromaServer } from '../../helpers/reference-chroma.js';
import { SOUND, byName, damagedCopy, documents, onDb, only, scratch } from './helpers.js';

// Full-text rows removed, swapped between two records, and moved to an id no record has, on a
// copy of a sound folder: the doctor names exactly those records, and real Chroma's own
// `$contains` answers on the same damaged folder prove they are the ones Chroma misses.

const problem = realChromaProblem();
reportSkip('doctor full-text', problem);

const tmp = scratch();
const servers: ChromaServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => tmp.cleanup());

interface Picked {
  removed: { id: string; doc: string }[];
  swapped: [{ id: string; doc: string }, { id: string; doc: string }];
  moved: { id: string; doc: string };
}

let picked!: Picked;
let dir!: string;
let report!: DoctorReport;

beforeAll(async () => {
  dir = damagedCopy(tmp.dir, SOUND, (d) => {
    const docs = documents(d, byName(d, 'articles').metadataSegment);
    // Documents no other document contains: `$contains` with the whole text can find only its own record.
    const unique = docs.filter((r) => r.doc.length >= 12 && docs.filter((o) => o.doc.includes(r.doc)).length === 1);
    const [a, b, c, x, y, m] = unique;
    picked = { removed: [a!, b!, c!], swapped: [x!, y!], moved: m! };
    onDb(d, (db) => {
      // FTS5 wants an INTEGER rowid: bind BigInts (a JS number binds as REAL).
      const move = db.prepare('UPDATE embedding_fulltext_search SET rowid = ? WHERE rowid = ?');
      const to = (from: number, rowid: number) => move.run(BigInt(rowid), BigInt(from));
      db.prepare(`DELETE FROM embedding_fulltext_search WHERE rowid IN (${[a, b, c].map((r) => r!.iid).join(',')})`).run();
      to(x!.iid, 2_000_000_000);
      to(y!.iid, x!.iid);
      to(2_000_000_000, y!.iid);
      to(m!.iid, 1_000_000_000);
    });
  });
  report = await runDoctor(dir);
});

const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();

describe('a damaged full-text index', () => {
  it('names the records whose document is not indexed (removed, or moved to an id no record has)', () => {
    const missing = only(report, 'fts.missing', 'articles');
    expect(missing.severity).toBe('error');
    expect(missing.fix).toBe('fts-rebuild');
    expect([...missing.evidence.ids].sort()).toEqual(ids([...picked.removed, picked.moved]));
    expect(missing.evidence.numbers).toMatchObject({ missing: 4, wrong: 2 });
    expect(missing.evidence.samples.map((s) => s.fields.document)).toContain(picked.removed[0]!.doc.slice(0, 120));
  });

  it('names the records indexed under each other\u2019s text', () => {
    const wrong = only(report, 'fts.wrong-text', 'articles');
    expect([...wrong.evidence.ids].sort()).toEqual(ids(picked.swapped));
    const [x, y] = picked.swapped;
    expect(wrong.evidence.samples).toContainEqual({ id: x.id, fields: { document: x.doc.slice(0, 120), indexed: y.doc.slice(0, 120) } });
  });

  it('counts the full-text row that belongs to no record, and no other collection is touched', () => {
    expect(only(report, 'fts.orphan-rows').evidence.numbers).toEqual({ rows: 1 });
    expect(report.collections.find((c) => c.name === 'articles')!.fts).toMatchObject({ missing: 4, wrong: 2 });
    for (const c of report.collections.filter((c) => c.name !== 'articles')) expect(c.fts?.missing ?? 0, c.name).toBe(0);
    expect(report.findings.filter((f) => f.code.startsWith('fts.') && f.collection && f.collection.name !== 'articles')).toEqual([]);
  });

  it('our where_document answers as Chroma does: the named records are exactly the ones it misses', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const contains = (text: string) => folder.get({ name: 'articles' }, { whereDocument: { $contains: text }, include: [] }).ids;
      for (const r of [...picked.removed, picked.moved]) expect(contains(r.doc)).toEqual([]);
      const [x, y] = picked.swapped;
      expect(contains(x.doc)).toEqual([y.id]);
      expect(contains(y.doc)).toEqual([x.id]);
    } finally {
      folder.close();
    }
  });

  it.skipIf(problem !== null)(`real Chroma ${CHROMA_VERSION} misses the same records on the same damaged folder`, async () => {
    const copy = join(tmp.dir, 'for-chroma');
    cpSync(dir, copy, { recursive: true });
    const server = await startChroma(copy);
    servers.push(server);
    const client = (await chromaClients(server.port)).client() as {
      getCollection(a: { name: string; embeddingFunction: null }): Promise<{ get(a: unknown): Promise<{ ids: string[] }>; count(): Promise<number> }>;
    };
    const articles = await client.getCollection({ name: 'articles', embeddingFunction: null });
    const contains = async (text: string) => (await articles.get({ whereDocument: { $contains: text }, include: [] })).ids;
    expect(await articles.count()).toBe(1349);
    for (const r of [...picked.removed, picked.moved]) expect(await contains(r.doc), r.id).toEqual([]);
    const [x, y] = picked.swapped;
    expect(await contains(x.doc)).toEqual([y.id]);
    expect(await contains(y.doc)).toEqual([x.id]);
    // And a record the doctor does not name is found by its own text.
    const sound = documents(dir, byName(dir, 'articles').metadataSegment).find((r) => r.doc.length >= 12 && ![...picked.removed, picked.moved, x, y].some((p) => p.id === r.id))!;
    expect(await contains(sound.doc)).toContain(sound.id);
  });
});
