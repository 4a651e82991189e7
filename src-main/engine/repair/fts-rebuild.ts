import type { FixStepReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { chromaMigrations } from '../write/migration-files.js';
import { count, emptyReport, type FixContext } from './fix-step.js';

const FTS = 'embedding_fulltext_search';
const DOCUMENT = 'chroma:document';

export interface FtsMismatch {
  /** Documents with no full-text row holding their text under their record's id. */
  missing: number;
  /** Full-text rows that are not a document's text under its record's id (deleted records, shifted rowids, other text). */
  stale: number;
}

/**
 * How far the full-text table is from what Chroma writes (docs/format.md §5.2): one row per record
 * with a document, rowid = embeddings.id (= embedding_metadata.id), text = the document. Python 0.x
 * also wrote NULL rows for None documents; those never match a filter and are not counted.
 */
export function ftsMismatch(db: SqliteDatabase): FtsMismatch {
  const missing = db
    .prepare(
      `SELECT count(*) AS n FROM embedding_metadata m WHERE m.key = ? AND m.string_value IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM ${FTS} f WHERE f.rowid = m.id AND f.string_value = m.string_value)`,
    )
    .get(DOCUMENT) as { n: number };
  const stale = db
    .prepare(
      `SELECT count(*) AS n FROM ${FTS} f WHERE f.string_value IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM embedding_metadata m WHERE m.id = f.rowid AND m.key = ? AND m.string_value = f.string_value)`,
    )
    .get(DOCUMENT) as { n: number };
  return { missing: missing.n, stale: stale.n };
}

/** FTS5's own check of its index against its stored text; the message when it fails. */
function integrityProblem(db: SqliteDatabase): string | null {
  try {
    db.prepare(`INSERT INTO ${FTS}(${FTS}, rank) VALUES ('integrity-check', 0)`).run();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The table's DDL exactly as Chroma's metadb/00003 creates it (docs/format.md §2.3). */
function ftsDdl(): string {
  const m = chromaMigrations().find((x) => x.dir === 'metadb' && x.version === 3);
  const ddl = m?.sql.split('\n').find((line) => line.startsWith(`CREATE VIRTUAL TABLE ${FTS}`));
  if (!ddl) throw new InspectorError('INTERNAL', `metadb/00003 does not create ${FTS}`);
  return ddl;
}

/**
 * Rebuilds `embedding_fulltext_search` from the `chroma:document` rows, as Chroma writes it
 * (docs/format.md §5.2, §5.3): rows removed, shifted to other rowids or holding other text (F10)
 * make `$contains` / `$regex` filters miss or invent matches. A table whose index fails FTS5's
 * integrity check is dropped and created again with Chroma's own DDL.
 */
export async function rebuildFts(ctx: FixContext): Promise<FixStepReport> {
  const report = emptyReport('fts-rebuild');
  const { db, probe } = ctx.writer;
  if (!probe.hasTable(FTS) || !probe.hasTable('embedding_metadata')) {
    report.skipped.push(`no ${FTS} table (a folder of Chroma before 0.4.6 keeps its own full-text table, which is not rebuilt)`);
    return report;
  }
  ctx.say('fts-rebuild: comparing the full-text index with the documents');
  const before = ftsMismatch(db);
  const broken = integrityProblem(db);
  report.counts.documentsWithoutRow = before.missing;
  report.counts.staleRows = before.stale;
  if (before.missing === 0 && before.stale === 0 && !broken) {
    report.skipped.push('the full-text index already matches every document');
    return report;
  }
  ctx.say('fts-rebuild: rebuilding the full-text index');
  const rows = ctx.writer.immediate(() => {
    if (broken) {
      db.exec(`DROP TABLE ${FTS}`);
      db.exec(ftsDdl());
    } else {
      db.exec(`DELETE FROM ${FTS}`);
    }
    return db
      .prepare(`INSERT INTO ${FTS} (rowid, string_value) SELECT id, string_value FROM embedding_metadata WHERE key = ? AND string_value IS NOT NULL ORDER BY id`)
      .run(DOCUMENT).changes;
  });
  const after = ftsMismatch(db);
  const stillBroken = integrityProblem(db);
  if (after.missing > 0 || after.stale > 0 || stillBroken) {
    throw new InspectorError(
      'INTERNAL',
      `the rebuilt ${FTS} still disagrees with the documents (${after.missing} missing, ${after.stale} stale${stillBroken ? `; ${stillBroken}` : ''})`,
      { reason: 'fix.unverified' },
    );
  }
  count(report, 'rowsWritten', rows);
  if (broken) report.actions.push(`${FTS} failed FTS5's integrity check (${broken}): dropped and created again with Chroma's DDL`);
  report.actions.push(
    `rebuilt ${FTS} from the documents: ${rows} row(s); before, ${before.missing} document(s) had no matching row and ${before.stale} row(s) matched no document`,
  );
  report.changed = true;
  return report;
}
