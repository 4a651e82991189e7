import type { DoctorCollection } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { plural, type CollectionFindings, type Findings } from './findings.js';

type WalFacts = DoctorCollection['wal'];

/**
 * The WAL as each of a collection's segments sees it (docs/format.md §4.5–§4.7): rows above the
 * metadata segment's M, above the vector segment's V ("not in HNSW"), and below min(M, V), which
 * Chroma's automatic purge deletes (the row at min(M, V) itself stays, §4.6). V is 0 while there
 * is no usable checkpoint, as in Rust, so nothing is purgeable then.
 */
export function walFacts(reader: CollectionReader): WalFacts & { purgeableBytes: number } {
  const M = reader.metadataSeq();
  const V = reader.vectorSeq();
  const floor = Math.min(M, V);
  const row = reader.ctx.db
    .prepare(
      `SELECT count(*) AS n, min(seq_id) AS lo, max(seq_id) AS hi,
        coalesce(sum(seq_id > ?), 0) AS aboveM, coalesce(sum(seq_id > ?), 0) AS aboveV,
        coalesce(sum(seq_id < ?), 0) AS purgeable,
        coalesce(sum(CASE WHEN seq_id < ? THEN coalesce(length(vector), 0) + coalesce(length(metadata), 0) + length(id) END), 0) AS bytes
       FROM embeddings_queue WHERE topic = ?`,
    )
    .get(M, V, floor, floor, reader.catalog.topic) as { n: number; lo: number | null; hi: number | null; aboveM: number; aboveV: number; purgeable: number; bytes: number };
  return {
    rows: row.n,
    seqRange: row.lo === null || row.hi === null ? null : [row.lo, row.hi],
    metadataSeq: M,
    vectorSeq: V,
    metadataLag: row.aboveM,
    vectorLag: row.aboveV,
    purgeable: floor > 0 ? row.purgeable : 0,
    purgeableBytes: floor > 0 ? row.bytes : 0,
  };
}

/** Whether Chroma purges this folder's WAL: true/false from embeddings_queue_config, null when the row (or table) is missing. */
export function purgeSetting(db: SqliteDatabase, probe: SchemaProbe): boolean | null {
  if (!probe.hasTable('embeddings_queue_config')) return null;
  const row = db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config WHERE id = 1').get() as { j: string | null } | undefined;
  if (!row) return null;
  try {
    return Boolean((JSON.parse(row.j ?? '{}') as { automatically_purge?: unknown }).automatically_purge);
  } catch {
    return false;
  }
}

/** A collection's backlog and the rows its purge would drop. */
export function checkCollectionWal(reader: CollectionReader, wal: WalFacts & { purgeableBytes: number }, purge: boolean | null, out: CollectionFindings): void {
  const seg = reader.catalog.vectorSegment;
  if (wal.vectorLag > 0 || wal.metadataLag > 0) {
    const sync = reader.params.syncThreshold;
    out.add({
      code: 'wal.backlog',
      severity: 'info',
      title:
        `${plural(wal.vectorLag, 'WAL row')} not in the HNSW checkpoint` +
        (wal.metadataLag > 0 ? `, ${plural(wal.metadataLag, 'row')} not applied to the metadata segment` : ''),
      chromaWould:
        `Every Chroma start replays these rows: the ${wal.vectorLag} above the checkpoint (V = ${wal.vectorSeq}) into the in-memory index, ` +
        `the ${wal.metadataLag} above M = ${wal.metadataSeq} into the records (docs/format.md §4.7). ` +
        `It persists the index only once ${sync} rows were applied in one process (sync_threshold, §6.8), ` +
        'and purges nothing above the checkpoint, so a collection that never reaches it keeps its whole WAL (§9.2, F5).',
      fix: wal.vectorLag > 0 ? 'purge-wal' : null,
      remedy:
        wal.vectorLag > 0
          ? 'Nothing is wrong. To persist the backlog, re-checkpoint and purge on a copy (`fix --only purge-wal` writes the waiting vectors into the checkpoint first).'
          : 'Nothing needed: Chroma applies the rows at its next start.',
      evidence: {
        numbers: { walRows: wal.rows, vectorLag: wal.vectorLag, metadataLag: wal.metadataLag, vectorSeq: wal.vectorSeq, metadataSeq: wal.metadataSeq, syncThreshold: sync },
        segments: seg ? [seg.id] : [],
      },
    });
  }
  if (wal.purgeable > 0) {
    const on = purge === true;
    out.add({
      code: 'wal.purgeable',
      severity: on ? 'info' : 'warning',
      title: `${plural(wal.purgeable, 'WAL row')} both segments applied are still kept${on ? '' : ' (purging is off)'}`,
      chromaWould: on
        ? `Chroma deletes rows below min(M, V) = ${Math.min(wal.metadataSeq, wal.vectorSeq)} after its next write or first read of the collection (docs/format.md §4.6).`
        : 'With automatically_purge off (or its row missing), Chroma never deletes them: the WAL and the database keep growing until `chroma utils vacuum` (docs/format.md §4.6, §9.2, F5).',
      fix: 'purge-wal',
      remedy: 'Purge the applied rows and VACUUM on a copy (`fix --only purge-wal`); `--measure` says how many bytes that gives back.',
      evidence: {
        numbers: { purgeableRows: wal.purgeable, payloadBytes: wal.purgeableBytes, walRows: wal.rows, metadataSeq: wal.metadataSeq, vectorSeq: wal.vectorSeq },
        files: [SQLITE_FILE],
      },
    });
  }
}

/** Folder-wide WAL facts: purging switched off, and rows no Chroma can apply. */
export function checkFolderWal(db: SqliteDatabase, probe: SchemaProbe, purge: boolean | null, findings: Findings): void {
  if (!probe.hasTable('embeddings_queue')) return;
  const total = (db.prepare('SELECT count(*) AS n FROM embeddings_queue').get() as { n: number }).n;
  if (purge !== true && total > 0) {
    findings.add({
      code: 'wal.purge-off',
      severity: 'info',
      title: purge === false ? 'automatic WAL purging is off' : 'the folder has no WAL purge setting (written before Chroma 0.5.6)',
      chromaWould:
        purge === false
          ? 'Chroma keeps every WAL row, applied or not, until `chroma utils vacuum` turns purging on (docs/format.md §4.6).'
          : 'Chroma 0.5.6+ creates the setting with purging off because the WAL is not empty, so the WAL keeps growing after an upgrade until `chroma utils vacuum` (docs/format.md §4.6, §9.2, F5).',
      fix: null,
      remedy: 'Run `chroma utils vacuum` with Chroma stopped to switch purging on; `fix --only purge-wal` purges a copy.',
      evidence: { numbers: { walRows: total }, files: [SQLITE_FILE] },
    });
  }
  const bad = db
    .prepare(
      `SELECT coalesce(sum(operation NOT IN (0, 1, 2, 3, 4)), 0) AS ops,
        coalesce(sum(vector IS NOT NULL AND length(vector) % 4 != 0), 0) AS lengths,
        coalesce(sum(vector IS NOT NULL AND encoding IS NOT NULL AND encoding != 'FLOAT32'), 0) AS encodings
       FROM embeddings_queue`,
    )
    .get() as { ops: number; lengths: number; encodings: number };
  if (bad.ops + bad.lengths + bad.encodings > 0) {
    findings.add({
      code: 'wal.bad-rows',
      severity: 'error',
      title: `${plural(bad.ops + bad.lengths + bad.encodings, 'WAL row')} no Chroma can apply`,
      chromaWould: 'Rust Chroma panics on an unknown operation code and rejects a vector that is not whole float32 values or not FLOAT32 (docs/format.md §4.1, §4.2): the collection cannot be read.',
      fix: null,
      remedy: 'Delete those rows from a copy (the inspector\'s WAL view lists them), then re-add the records.',
      evidence: { numbers: { unknownOperations: bad.ops, badVectorLengths: bad.lengths, otherEncodings: bad.encodings }, files: [SQLITE_FILE] },
    });
  }
}

/** A BLOB seq in a Rust-core folder's max_seq_id (docs/format.md §4.5, §9.2, F7): a pre-1.0 Chroma wrote after the 1.0 migration. */
export function checkSeqEncoding(reader: CollectionReader, out: CollectionFindings): void {
  const { db, probe, era } = reader.ctx;
  if (!era.rustCore || !probe.hasTable('max_seq_id')) return;
  const blobs = reader.catalog.segments.filter((s) => {
    const row = db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(s.id) as { seq_id: unknown } | undefined;
    return Buffer.isBuffer(row?.seq_id);
  });
  if (blobs.length === 0) return;
  out.add({
    code: 'seq.blob-in-rust-era',
    severity: 'error',
    title: `${plural(blobs.length, 'max_seq_id row')} hold a BLOB in a Rust-core folder`,
    chromaWould: 'Chroma 1.x fails on this collection with "mismatched types; Rust type `u64` (as SQL type `INTEGER`) is not compatible with SQL type `BLOB`" (docs/format.md §4.5, §9.2, F7).',
    fix: null,
    remedy: 'Convert the 8-byte big-endian BLOBs to integers on a copy (`UPDATE max_seq_id SET seq_id = <decoded value>`).',
    evidence: { numbers: { rows: blobs.length }, segments: blobs.map((s) => s.id), files: [SQLITE_FILE] },
  });
}
