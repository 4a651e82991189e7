// A stand-in for a Chroma process writing while a backup runs: appends ADD rows to the WAL of
// collection `points` and, every few rows, applies them to the metadata segment the way Chroma
// does (embeddings + embedding_metadata + FTS + max_seq_id in one transaction). Every so often it
// also rewrites a vector segment's files in place and bumps its max_seq_id, like a persist.
// Runs until killed; prints "ready" after its first commit.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, persistEvery = '40'] = process.argv.slice(2);
const db = new Database(join(dir, 'chroma.sqlite3'), { timeout: 60_000 });
db.pragma('foreign_keys = OFF');
const coll = db.prepare("SELECT id FROM collections WHERE name = 'points'").get().id;
const segs = db.prepare('SELECT id, scope FROM segments WHERE collection = ?').all(coll);
const metaSeg = segs.find((s) => s.scope === 'METADATA').id;
const topic = `persistent://default/default/${coll}`;
const persistSeg = '3ff36477-e20e-40a5-a49b-a4ff189f5ab7'; // articles' persisted checkpoint

const nextSeq = db.prepare('SELECT max(seq_id) AS m FROM embeddings_queue');
const addWal = db.prepare("INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (?, 0, ?, ?, ?, 'FLOAT32', ?)");
const addEmb = db.prepare('INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?)');
const addMeta = db.prepare('INSERT INTO embedding_metadata (id, key, string_value, int_value) VALUES (?, ?, ?, ?)');
const addFts = db.prepare('INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (?, ?)');
const setMax = db.prepare('INSERT OR REPLACE INTO max_seq_id (segment_id, seq_id) VALUES (?, ?)');
const bumpVector = db.prepare('UPDATE max_seq_id SET seq_id = seq_id WHERE segment_id = ?');
const pending = [];

let i = 0;
for (;;) {
  db.transaction(() => {
    const seq = Number(nextSeq.get().m) + 1;
    const id = `w-${i}`;
    const doc = `written while backing up ${i}`;
    const vec = Buffer.from(new Float32Array([i, i + 0.5, -i]).buffer);
    addWal.run(seq, topic, id, vec, JSON.stringify({ 'chroma:document': doc, i }));
    pending.push({ seq, id, doc, i });
    if (pending.length >= 5) {
      for (const p of pending) {
        const rowid = Number(addEmb.run(metaSeg, p.id, p.seq).lastInsertRowid);
        addMeta.run(rowid, 'chroma:document', p.doc, null);
        addMeta.run(rowid, 'i', null, p.i);
        addFts.run(rowid, p.doc);
      }
      setMax.run(metaSeg, pending.at(-1).seq);
      pending.length = 0;
    }
  })();
  if (i === 0) process.stdout.write('ready\n');
  if (Number(persistEvery) > 0 && i % Number(persistEvery) === 0) {
    // "Persist": rewrite the files in place (same bytes, new mtime), then touch the seq row.
    for (const f of ['header.bin', 'data_level0.bin', 'length.bin', 'link_lists.bin', 'index_metadata.pickle']) {
      const p = join(dir, persistSeg, f);
      writeFileSync(p, readFileSync(p));
    }
    bumpVector.run(persistSeg);
  }
  i++;
  await new Promise((r) => setTimeout(r, 2));
}
