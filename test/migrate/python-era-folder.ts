import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromaMigrations } from '../../src-main/engine/write/migration-files.js';

/**
 * Writes, with plain SQL, a folder as Python Chroma 0.5.0 leaves it (docs/format.md §2.3, §4, §5):
 * the migrations 0.5.0 ships (sysdb 1–5, metadb 1–3, embeddings_queue 1), collections without a
 * `topic` column or configuration, the hnsw:* keys copied into the vector segment's metadata,
 * every write in the WAL with Python's `json.dumps` metadata (NULL when empty and for deletes),
 * and the metadata segment fully applied with 8-byte big-endian BLOB seq ids. No HNSW index was
 * ever persisted (like most real 0.5 folders): the vectors live in the WAL only, which 0.5.0
 * never purges. Nothing here goes through the engine under test: the expected state is kept by
 * this model, which applies the writes with Chroma's rules.
 */

export type Scalar = string | number | boolean;
export interface ModelRecord {
  document: string | null;
  metadata: Record<string, Scalar>;
  embedding: number[];
}
export interface Write {
  op: 'ADD' | 'UPDATE' | 'UPSERT' | 'DELETE';
  id: string;
  embedding?: number[];
  document?: string;
  /** null values remove the key (update/upsert). */
  metadata?: Record<string, Scalar | null>;
}
export interface EraCollection {
  name: string;
  metadata?: Record<string, Scalar>;
  writes: Write[];
}
export interface BuiltCollection {
  id: string;
  name: string;
  records: Map<string, ModelRecord>;
  metadataSegment: string;
  vectorSegment: string;
  lastSeq: number;
}

const OPS = { ADD: 0, UPDATE: 1, UPSERT: 2, DELETE: 3 } as const;

/** Python's json.dumps: ", " and ": " separators, non-ASCII escaped. */
export function pythonJson(value: Record<string, unknown>): string {
  const body = Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ');
  return `{${body}}`.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const f32 = (v: number[]) => Buffer.from(new Float32Array(v).buffer);
const seqBlob = (seq: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
};

/** Chroma's rules for one write against the model (docs/format.md §5.3). */
function applyToModel(records: Map<string, ModelRecord & { seq: number }>, w: Write, seq: number): void {
  const merge = (r: ModelRecord) => {
    for (const [k, v] of Object.entries(w.metadata ?? {})) {
      if (v === null) delete r.metadata[k];
      else r.metadata[k] = v;
    }
    if (w.document !== undefined) r.document = w.document;
    if (w.embedding) r.embedding = w.embedding;
  };
  const existing = records.get(w.id);
  if (w.op === 'DELETE') records.delete(w.id);
  else if (w.op === 'ADD') {
    if (existing) return;
    const r = { document: w.document ?? null, metadata: {}, embedding: w.embedding!, seq };
    merge(r);
    records.set(w.id, r);
  } else if (w.op === 'UPDATE') {
    if (!existing) return;
    merge(existing);
    existing.seq = seq;
  } else if (existing) {
    merge(existing);
    existing.seq = seq;
  } else {
    const r = { document: w.document ?? null, metadata: {}, embedding: w.embedding!, seq };
    merge(r);
    records.set(w.id, r);
  }
}

export function writePython050Folder(dir: string, collections: EraCollection[]): BuiltCollection[] {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'chroma.sqlite3'));
  // As Chroma's connections: segments.collection references a table that does not exist (docs/format.md §2.1).
  db.pragma('foreign_keys = OFF');
  try {
    db.exec('CREATE TABLE migrations (dir TEXT NOT NULL, version INTEGER NOT NULL, filename TEXT NOT NULL, sql TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (dir, version))');
    const shipped = chromaMigrations().filter((m) => (m.dir === 'sysdb' ? m.version <= 5 : m.dir === 'metadb' ? m.version <= 3 : m.version === 1));
    // Python applies embeddings_queue, then sysdb, then metadb.
    for (const dir of ['embeddings_queue', 'sysdb', 'metadb']) {
      for (const m of shipped.filter((x) => x.dir === dir)) {
        db.exec(m.sql);
        db.prepare('INSERT INTO migrations VALUES (?, ?, ?, ?, ?)').run(m.dir, m.version, m.filename, m.sql, m.md5);
      }
    }
    const built: BuiltCollection[] = [];
    let internal = 0; // embeddings.id, shared by every collection's records
    const wal = db.prepare('INSERT INTO embeddings_queue (operation, topic, id, vector, encoding, metadata) VALUES (?, ?, ?, ?, ?, ?)');
    for (const c of collections) {
      const id = randomUUID();
      const vectorSegment = randomUUID();
      const metadataSegment = randomUUID();
      const dims = new Set(c.writes.filter((w) => w.embedding).map((w) => w.embedding!.length));
      db.prepare('INSERT INTO collections (id, name, dimension, database_id) VALUES (?, ?, ?, ?)').run(id, c.name, dims.size ? [...dims][0]! : null, '00000000-0000-0000-0000-000000000000');
      const typed = (v: Scalar) => (typeof v === 'string' ? [v, null, null] : typeof v === 'boolean' ? [null, v ? 1 : 0, null] : Number.isInteger(v) ? [null, v, null] : [null, null, v]);
      for (const [k, v] of Object.entries(c.metadata ?? {})) db.prepare('INSERT INTO collection_metadata VALUES (?, ?, ?, ?, ?)').run(id, k, ...typed(v));
      db.prepare('INSERT INTO segments (id, type, scope, collection) VALUES (?, ?, ?, ?)').run(vectorSegment, 'urn:chroma:segment/vector/hnsw-local-persisted', 'VECTOR', id);
      db.prepare('INSERT INTO segments (id, type, scope, collection) VALUES (?, ?, ?, ?)').run(metadataSegment, 'urn:chroma:segment/metadata/sqlite', 'METADATA', id);
      for (const [k, v] of Object.entries(c.metadata ?? {})) {
        if (k.startsWith('hnsw:')) db.prepare('INSERT INTO segment_metadata VALUES (?, ?, ?, ?, ?)').run(vectorSegment, k, ...typed(v));
      }
      const topic = `persistent://default/default/${id}`;
      const records = new Map<string, ModelRecord & { seq: number }>();
      let lastSeq = 0;
      for (const w of c.writes) {
        const md: Record<string, unknown> = { ...(w.metadata ?? {}) };
        if (w.document !== undefined) md['chroma:document'] = w.document;
        const json = w.op === 'DELETE' || Object.keys(md).length === 0 ? null : pythonJson(md);
        const vector = w.op !== 'DELETE' && w.embedding ? f32(w.embedding) : null;
        lastSeq = Number(wal.run(OPS[w.op], topic, w.id, vector, vector ? 'FLOAT32' : null, json).lastInsertRowid);
        applyToModel(records, w, lastSeq);
      }
      // The metadata segment as Python applied it: internal ids in creation order, BLOB seq ids.
      for (const [rid, r] of records) {
        internal++;
        db.prepare('INSERT INTO embeddings (id, segment_id, embedding_id, seq_id) VALUES (?, ?, ?, ?)').run(internal, metadataSegment, rid, seqBlob(r.seq));
        const entries: [string, Scalar][] = Object.entries(r.metadata);
        if (r.document !== null) entries.push(['chroma:document', r.document]);
        for (const [k, v] of entries) {
          const cols = typeof v === 'string' ? [v, null, null, null] : typeof v === 'boolean' ? [null, null, null, v ? 1 : 0] : Number.isInteger(v) ? [null, v, null, null] : [null, null, v, null];
          db.prepare('INSERT INTO embedding_metadata (id, key, string_value, int_value, float_value, bool_value) VALUES (?, ?, ?, ?, ?, ?)').run(internal, k, ...cols);
        }
        if (r.document !== null) db.prepare('INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (?, ?)').run(internal, r.document);
      }
      if (lastSeq > 0) db.prepare('INSERT INTO max_seq_id (segment_id, seq_id) VALUES (?, ?)').run(metadataSegment, seqBlob(lastSeq));
      built.push({
        id,
        name: c.name,
        metadataSegment,
        vectorSegment,
        lastSeq,
        records: new Map([...records].map(([k, { seq: _seq, ...r }]) => [k, r])),
      });
    }
    return built;
  } finally {
    db.close();
  }
}

/** Two collections with adds, updates (one removing a key), upserts, a delete, a re-add of an existing id, non-ASCII text and cosine space. */
export const SAMPLE_COLLECTIONS: EraCollection[] = [
  {
    name: 'articles',
    writes: [
      ...[0, 1, 2, 3, 4, 5].map((i): Write => ({
        op: 'ADD',
        id: `a${i}`,
        embedding: [i, i * 0.5 + 1, 10 - i, (i % 3) * 2.25],
        document: `article number ${i}`,
        metadata: { year: 2000 + i, score: i + 0.25, topic: i % 2 ? 'odd' : 'even', draft: i === 3 },
      })),
      { op: 'UPDATE', id: 'a1', document: 'article one, revised', metadata: { year: 2021 } },
      { op: 'UPDATE', id: 'a2', metadata: { topic: null } },
      { op: 'UPSERT', id: 'a3', embedding: [3.5, 2, 6.5, 1], metadata: { score: 9.75 } },
      { op: 'UPSERT', id: 'a7', embedding: [7, 4.5, 3, 2.25], document: 'article seven', metadata: { year: 2007 } },
      { op: 'DELETE', id: 'a4' },
      { op: 'ADD', id: 'a2', embedding: [0, 0, 0, 0], document: 'ignored: a2 exists' },
    ],
  },
  {
    name: 'notes',
    metadata: { 'hnsw:space': 'cosine', owner: 'me' },
    writes: [
      { op: 'ADD', id: 'n1', embedding: [1, 0, 0.5], document: 'first note', metadata: { n: 1 } },
      { op: 'ADD', id: 'n2', embedding: [0, 1, 0.25], document: 'second note' },
      { op: 'ADD', id: 'n3', embedding: [0.5, 0.5, 1] },
      { op: 'DELETE', id: 'n2' },
      { op: 'ADD', id: 'n4', embedding: [0.25, 0.75, 0.5], document: 'crème brûlée ☕', metadata: { lang: 'français', ok: true } },
    ],
  },
];
