import type { DoctorCollection, DoctorSample } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { SAMPLE_EXCERPTS, SAMPLE_IDS, plural, sample, type CollectionFindings, type Findings } from './findings.js';

const DOC = 'chroma:document';
const REBUILD = 'Rebuild the full-text index from the documents on a copy (`fix --only fts-rebuild`).';

/** Records whose full-text row is missing or holds other text, counted with a sample of each. */
interface Tally {
  checked: number;
  missing: number;
  wrong: number;
  missingIds: string[];
  wrongIds: string[];
  missingSamples: DoctorSample[];
  wrongSamples: DoctorSample[];
}

const emptyTally = (): Tally => ({ checked: 0, missing: 0, wrong: 0, missingIds: [], wrongIds: [], missingSamples: [], wrongSamples: [] });

type Row = { iid: number; id: string; doc: unknown; hasRow: 0 | 1; indexed: unknown };

/** Chroma's `$contains` is a LIKE on the indexed text: a record is found by its own document only if that row holds exactly it. */
function tallyRows(rows: Iterable<Row>, skip: ReadonlySet<number>): Tally {
  const t = emptyTally();
  for (const r of rows) {
    if (skip.has(r.iid)) continue; // the WAL tail rewrites this record (and its full-text row) at the next backfill
    const doc = r.doc ?? null;
    const indexed = r.indexed ?? null;
    if (doc === null && indexed === null) continue;
    t.checked++;
    if (doc !== null && !r.hasRow) {
      t.missing++;
      if (t.missingIds.length < SAMPLE_IDS) t.missingIds.push(r.id);
      if (t.missingSamples.length < SAMPLE_EXCERPTS) t.missingSamples.push(sample(r.id, { document: String(doc), indexed: null }));
    } else if (doc === null ? indexed !== null : String(indexed) !== String(doc)) {
      t.wrong++;
      if (t.wrongIds.length < SAMPLE_IDS) t.wrongIds.push(r.id);
      if (t.wrongSamples.length < SAMPLE_EXCERPTS) t.wrongSamples.push(sample(r.id, { document: doc === null ? null : String(doc), indexed: String(indexed) }));
    }
  }
  return t;
}

/**
 * The records of the collection's metadata segment against its full-text rows: every document
 * (and only documents) must be indexed under the record's internal id (docs/format.md §5.2,
 * §2.4: the trigram table's rowid is embeddings.id; 0.4.0–0.4.5's `embedding_fulltext` keys rows
 * by its `id` column, §9.1). Records the WAL tail rewrites are left out: Chroma re-indexes them.
 */
export function ftsTally(reader: CollectionReader): Tally | null {
  const { db, filterContext } = reader.ctx;
  const seg = reader.catalog.metadataSegment;
  const table = filterContext.ftsTable;
  if (!seg || !table) return null;
  const skip = reader.overlay().shadowedInternalIds;
  // Records with a document, and records with an indexed row but no document (found by text they do not hold).
  const sql =
    table === 'embedding_fulltext_search'
      ? `SELECT e.id AS iid, e.embedding_id AS id, m.string_value AS doc, f.rowid IS NOT NULL AS hasRow, f.string_value AS indexed
         FROM embeddings e
         LEFT JOIN embedding_metadata m ON m.id = e.id AND m.key = ?
         LEFT JOIN embedding_fulltext_search f ON f.rowid = e.id
         WHERE e.segment_id = ? AND (m.id IS NOT NULL OR f.rowid IS NOT NULL)`
      : // The legacy table's id is an ordinary FTS column: materialise it once so the join can index it.
        `WITH f AS MATERIALIZED (SELECT CAST(id AS INTEGER) AS fid, string_value FROM embedding_fulltext)
         SELECT e.id AS iid, e.embedding_id AS id, m.string_value AS doc, f.fid IS NOT NULL AS hasRow, f.string_value AS indexed
         FROM embeddings e
         LEFT JOIN embedding_metadata m ON m.id = e.id AND m.key = ?
         LEFT JOIN f ON f.fid = e.id
         WHERE e.segment_id = ? AND (m.id IS NOT NULL OR f.fid IS NOT NULL)`;
  return tallyRows(db.prepare(sql).iterate(DOC, seg.id) as Iterable<Row>, skip);
}

/** Reports the tally; returns the figures for the collection summary. */
export function checkCollectionFts(reader: CollectionReader, out: CollectionFindings): DoctorCollection['fts'] {
  const table = reader.ctx.filterContext.ftsTable;
  const t = ftsTally(reader);
  if (!t || !table) return null;
  const numbers = { checked: t.checked, missing: t.missing, wrong: t.wrong };
  if (t.missing > 0) {
    out.add({
      code: 'fts.missing',
      severity: 'error',
      title: `${plural(t.missing, 'document')} missing from the full-text index: \`$contains\` cannot find them`,
      chromaWould: `Chroma answers where_document \`$contains\` from ${table} (docs/format.md §7.5): records without a row there are never found, and \`$not_contains\` always matches them.`,
      fix: 'fts-rebuild',
      remedy: REBUILD,
      evidence: { numbers, ids: t.missingIds, samples: t.missingSamples, files: [SQLITE_FILE] },
    });
  }
  if (t.wrong > 0) {
    out.add({
      code: 'fts.wrong-text',
      severity: 'error',
      title: `${plural(t.wrong, 'record')} indexed under other text than their document`,
      chromaWould:
        `Chroma's \`$contains\` searches the indexed text, not the document (docs/format.md §7.5): these records are missed for words of their own document and found for words that are not in it. ` +
        'A folder created by Chroma 0.4.1–0.4.5 and upgraded looks like this (docs/format.md §9.2, F10).',
      fix: 'fts-rebuild',
      remedy: REBUILD,
      evidence: { numbers, ids: t.wrongIds, samples: t.wrongSamples, files: [SQLITE_FILE] },
    });
  }
  checkNulDocuments(reader, out);
  return { table, checked: t.checked, missing: t.missing, wrong: t.wrong };
}

/**
 * Documents holding a NUL character. SQLite's LIKE reads the stored text as a C string, so
 * Chroma's `$contains` sees only what comes before the first NUL (observed on a real 0.5.0
 * folder; docs/format.md §7.5 on NUL in the pattern).
 */
function checkNulDocuments(reader: CollectionReader, out: CollectionFindings): void {
  const seg = reader.catalog.metadataSegment;
  if (!seg) return;
  const rows = reader.ctx.db
    .prepare(
      // Bytes, not characters: SQLite's length() of text stops at the NUL as well.
      `SELECT e.embedding_id AS id, instr(CAST(m.string_value AS BLOB), x'00') - 1 AS at, length(CAST(m.string_value AS BLOB)) AS len FROM embeddings e
       JOIN embedding_metadata m ON m.id = e.id AND m.key = ? WHERE e.segment_id = ? AND instr(m.string_value, char(0)) > 0`,
    )
    .all(DOC, seg.id) as { id: string; at: number; len: number }[];
  if (rows.length === 0) return;
  const hidden = rows.reduce((s, r) => s + (r.len - r.at - 1), 0);
  out.add({
    code: 'fts.nul-in-document',
    severity: 'warning',
    title: `${plural(rows.length, 'document')} hold a NUL character: \`$contains\` cannot see the text after it`,
    chromaWould: "Chroma's `$contains` is a LIKE on the stored text, and SQLite's LIKE stops at the first NUL: words after it are never found, and `$not_contains` matches them (docs/format.md §7.5).",
    fix: null,
    remedy: 'Update these documents without the NUL characters (usually an artefact of PDF extraction).',
    evidence: { numbers: { documents: rows.length, hiddenBytes: hidden, firstNulByte: Math.min(...rows.map((r) => r.at)) }, ids: rows.map((r) => r.id), files: [SQLITE_FILE] },
  });
}

/**
 * Folder-wide: full-text rows of no record (harmless now; a record that reuses the internal id
 * would be found by their text), and what upgrading a 0.4.0–0.4.5 folder would do to it.
 */
export function checkFolderFts(db: SqliteDatabase, probe: SchemaProbe, findings: Findings): void {
  if (probe.hasTable('embedding_fulltext_search')) {
    const n = (db.prepare('SELECT count(*) AS n FROM embedding_fulltext_search f WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.id = f.rowid)').get() as { n: number }).n;
    if (n > 0) {
      findings.add({
        code: 'fts.orphan-rows',
        severity: 'warning',
        title: `${plural(n, 'full-text row')} of no record`,
        chromaWould: 'Nothing today; a record added later under a reused internal id (docs/format.md §2.4) would be found by this text, which is not its document.',
        fix: 'fts-rebuild',
        remedy: REBUILD,
        evidence: { numbers: { rows: n }, files: [SQLITE_FILE] },
      });
    }
  }
  if (probe.hasTable('embedding_fulltext') && probe.hasTable('embedding_metadata') && !probe.hasTable('embedding_fulltext_search')) {
    checkLegacyUpgrade(db, findings);
  }
}

/**
 * metadb/00003 (Chroma 0.4.6+, run at the first start of a newer Chroma) fills the trigram table
 * from every embedding_metadata row, keyed by that table's rowid rather than embeddings.id
 * (docs/format.md §2.3, §9.2, F10). After it, a record's indexed text is whatever metadata row has
 * its internal id as rowid. Counted exactly here, without migrating anything.
 */
function checkLegacyUpgrade(db: SqliteDatabase, findings: Findings): void {
  const rows = db
    .prepare(
      `SELECT e.embedding_id AS id, m.string_value AS doc, m2.string_value AS indexed
       FROM embeddings e
       LEFT JOIN embedding_metadata m ON m.id = e.id AND m.key = ?
       LEFT JOIN embedding_metadata m2 ON m2.rowid = e.id
       WHERE m.id IS NOT NULL OR m2.string_value IS NOT NULL`,
    )
    .iterate(DOC) as Iterable<{ id: string; doc: unknown; indexed: unknown }>;
  let documents = 0;
  let broken = 0;
  const ids: string[] = [];
  const samples: DoctorSample[] = [];
  for (const r of rows) {
    if (r.doc !== null && r.doc !== undefined) documents++;
    const same = r.doc !== null && r.doc !== undefined && r.indexed !== null && r.indexed !== undefined && String(r.doc) === String(r.indexed);
    if (same || ((r.doc === null || r.doc === undefined) && (r.indexed === null || r.indexed === undefined))) continue;
    broken++;
    if (ids.length < SAMPLE_IDS) ids.push(r.id);
    if (samples.length < SAMPLE_EXCERPTS) samples.push(sample(r.id, { document: r.doc === null || r.doc === undefined ? null : String(r.doc), indexedAfterUpgrade: r.indexed === null || r.indexed === undefined ? null : String(r.indexed) }));
  }
  if (broken === 0) return;
  findings.add({
    code: 'fts.upgrade-breaks',
    severity: 'warning',
    title: `upgrading to Chroma 0.4.6 or later would index ${plural(broken, 'record')} under other text (the legacy full-text table)`,
    chromaWould:
      "This folder's own Chroma (0.4.0–0.4.5) answers `$contains` correctly from embedding_fulltext. A newer Chroma migrates it at startup with metadb/00003, which " +
      'indexes every metadata value under embedding_metadata\'s rowid instead of the record\'s id (docs/format.md §2.3, §9.2, F10): afterwards `$contains` misses these records and finds others.',
    fix: 'fts-rebuild',
    remedy: 'After an upgrade, rebuild the full-text index from the documents (`fix --only fts-rebuild` on the upgraded folder); `migrate` previews the upgrade on a copy.',
    evidence: { numbers: { documents, wouldBreak: broken }, ids, samples, files: [SQLITE_FILE] },
  });
}
