import type { Window, WalRow, WalOperation } from '../../../shared/models.js';
import type { ChromaFolder } from '../chroma-folder.js';
import { decodeWalRow, OPERATIONS, type RawWalRow } from './decode-row.js';
import { WAL_COLUMNS } from './read-wal.js';
import { shortestFloat32Array } from '../util/float32-text.js';
import { typedMetadataToPlain } from '../collection/plain-metadata.js';

export interface WalQuery {
  collectionId?: string | undefined;
  operation?: WalOperation | undefined;
  id?: string | undefined;
  offset?: number;
  limit?: number;
}

const PREVIEW = 8;

/** A page of decoded WAL rows, with whether each row is already applied to each segment. */
export function readWalWindow(folder: ChromaFolder, q: WalQuery): Window<WalRow> {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readWalWindowInSnapshot(folder, q));
}

function readWalWindowInSnapshot(folder: ChromaFolder, q: WalQuery): Window<WalRow> {
  const { db, probe } = folder.ctx;
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.min(Math.max(1, q.limit ?? 100), 5000);
  if (!probe.hasTable('embeddings_queue')) return { rows: [], total: 0, offset };
  const readers = folder.collectionReaders();
  const byTopic = new Map(readers.map((r) => [r.catalog.topic, r]));
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (q.collectionId) {
    const r = folder.collection(q.collectionId);
    clauses.push('topic = ?');
    params.push(r.catalog.topic);
  }
  if (q.operation) {
    const code = Object.entries(OPERATIONS).find(([, op]) => op === q.operation)?.[0];
    clauses.push('operation = ?');
    params.push(code === undefined ? -1 : Number(code));
  }
  if (q.id) {
    clauses.push('id = ?');
    params.push(q.id);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM embeddings_queue ${where}`).get(...params) as { n: number }).n;
  const raw = db
    .prepare(`SELECT ${WAL_COLUMNS} FROM embeddings_queue ${where} ORDER BY seq_id LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as RawWalRow[];
  const seqs = new Map<string, { m: number; v: number }>();
  const seqsOf = (topic: string) => {
    const r = byTopic.get(topic);
    if (!r) return null;
    let s = seqs.get(topic);
    if (!s) seqs.set(topic, (s = { m: r.metadataSeq(), v: r.vectorSeq() }));
    return s;
  };
  const rows = raw.map((row): WalRow => {
    const rec = decodeWalRow(row);
    const reader = byTopic.get(row.topic);
    const s = seqsOf(row.topic);
    let sum = 0;
    if (rec.vector) for (const x of rec.vector) sum += x * x;
    const out: WalRow = {
      seqId: rec.seqId,
      createdAt: rec.createdAt,
      operation: rec.operation,
      topic: rec.topic,
      collectionId: reader?.id ?? null,
      collectionName: reader?.catalog.name ?? null,
      id: rec.id,
      dimension: rec.vector?.length ?? null,
      norm: rec.vector ? Math.sqrt(sum) : null,
      vectorPreview: rec.vector ? shortestFloat32Array(rec.vector.subarray(0, PREVIEW)) : null,
      encoding: rec.encoding,
      metadata: typedMetadataToPlain(rec.metadata),
      deletedKeys: rec.deletedKeys,
      document: rec.document ?? null,
      uri: rec.uri ?? null,
      appliedToMetadata: s ? rec.seqId <= s.m : false,
      appliedToVector: s ? rec.seqId <= s.v : false,
    };
    if (rec.problem) out.problem = rec.problem;
    return out;
  });
  return { rows, total, offset };
}

/** The full vector of one WAL row, for "values on demand". */
export function readWalVector(folder: ChromaFolder, seqId: number): number[] | null {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readWalVectorInSnapshot(folder, seqId));
}

function readWalVectorInSnapshot(folder: ChromaFolder, seqId: number): number[] | null {
  const row = folder.ctx.db.prepare(`SELECT ${WAL_COLUMNS} FROM embeddings_queue WHERE seq_id = ?`).get(seqId) as RawWalRow | undefined;
  if (!row) return null;
  const rec = decodeWalRow(row);
  return rec.vector ? shortestFloat32Array(rec.vector) : null;
}
