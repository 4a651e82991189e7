import type { CollectionReader } from '../collection/collection-reader.js';
import type { DocumentNode } from '../filter/where-ast.js';

/** Rows of the full-text table read in order before the trigram index takes over. */
const SCAN_BUDGET = 20_000;

/**
 * The text of a `where_document` that is one positive `$contains` this module can page, or null.
 * (Shorter texts and texts with a NUL keep the general path, as the SQL compiler does.)
 */
export function pageableContains(doc: DocumentNode | null, reader: CollectionReader): string | null {
  if (!doc || doc.kind !== 'doc-contains' || doc.negate) return null;
  if (reader.ctx.filterContext.ftsTable !== 'embedding_fulltext_search') return null;
  return [...doc.text].length >= 3 && !doc.text.includes('\0') ? doc.text : null;
}

/**
 * The first `need` internal ids, in Chroma's order (ascending), of this collection's records whose
 * document contains `text` as Chroma's `LIKE '%text%'` sees it: case-sensitive, and only the text
 * before a NUL (SQLite's LIKE reads a C string). Used for `get` pages, which need a hundred ids,
 * not all of them:
 *
 * - a common text is found fastest by reading documents in rowid order and stopping at `need`
 *   (at 8% of documents, about 1,300 rows for a page of 100);
 * - a rare one would make that read the whole table, so after SCAN_BUDGET rows the rest comes
 *   from the trigram index (MATCH, candidates only), past the last row read.
 * Both yield candidates that instr() found anywhere; the exact rule is applied here.
 */
export function containsPage(reader: CollectionReader, text: string, need: number, scanBudget = SCAN_BUDGET): number[] {
  const seg = reader.catalog.metadataSegment;
  if (!seg || need <= 0) return [];
  const db = reader.ctx.db;
  const excluded = reader.overlay().shadowedInternalIds;
  const segmentOf = db.prepare('SELECT segment_id FROM embeddings WHERE id = ?').pluck();
  const out: number[] = [];
  const accept = (iid: number, doc: unknown) => {
    if (typeof doc !== 'string') return;
    const nul = doc.indexOf('\0');
    if (!(nul < 0 ? doc : doc.slice(0, nul)).includes(text)) return;
    if (excluded.has(iid) || segmentOf.get(iid) !== seg.id) return;
    out.push(iid);
  };
  const first = db.prepare('SELECT rowid FROM embedding_fulltext_search ORDER BY rowid LIMIT 1').pluck().get() as number | undefined;
  if (first === undefined) return out;
  const bound = first + scanBudget - 1;
  const scan = db
    .prepare('SELECT rowid, string_value FROM embedding_fulltext_search WHERE rowid <= ? AND instr(string_value, ?) > 0 ORDER BY rowid')
    .raw(true);
  for (const [iid, doc] of scan.iterate(bound, text) as Iterable<[number, unknown]>) {
    accept(iid, doc);
    if (out.length >= need) return out;
  }
  const indexed = db
    .prepare(
      'SELECT rowid, string_value FROM embedding_fulltext_search WHERE embedding_fulltext_search MATCH ? AND rowid > ? AND instr(string_value, ?) > 0 ORDER BY rowid',
    )
    .raw(true);
  for (const [iid, doc] of indexed.iterate(`"${text.replace(/"/g, '""')}"`, bound, text) as Iterable<[number, unknown]>) {
    accept(iid, doc);
    if (out.length >= need) break;
  }
  return out;
}
