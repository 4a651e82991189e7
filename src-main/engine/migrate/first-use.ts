import type { SqliteDatabase } from '../sqlite/connection.js';
import type { ChromaRelease } from './chroma-releases.js';
import type { SchemaSnapshot } from './schema-diff.js';

/**
 * What the release does later, when a collection is first used — not part of the preview, which
 * reproduces only what happens at start (docs/format.md §2.7), but worth knowing before upgrading.
 */
export function firstUseNotes(sourceRustCore: boolean, release: ChromaRelease, after: SchemaSnapshot): string[] {
  const notes: string[] = [];
  if (release.rustCore) {
    notes.push(
      'At the first get, query or count of each collection Chroma applies the WAL rows above the metadata segment\'s max_seq_id, ' +
        'replays the vectors above the HNSW checkpoint into memory (persisted once sync_threshold rows arrive) and purges the WAL if purging is on (docs/format.md §4.7).',
    );
    if (!sourceRustCore) {
      notes.push(
        'config_json_str written by Python (or NULL) is kept as it is: Chroma reads it as the default configuration and takes the HNSW parameters from ' +
          'the hnsw:* keys of the vector segment metadata (docs/format.md §3.2, §3.6).',
      );
      notes.push('embeddings.seq_id keeps the 8-byte BLOBs Python wrote: Chroma never reads that column and writes INTEGERs for new writes (docs/format.md §4.5).');
      notes.push('A vector segment whose seq lives only in its pickle (before 0.5.6) gets a max_seq_id row when Chroma first loads it (docs/format.md §4.5).');
    }
    if (after.get('table:collections')?.columns.has('schema_str')) {
      notes.push('collections.schema_str stays NULL for existing collections: Chroma derives a schema from the configuration when it loads them (docs/format.md §3.2).');
    }
  } else if (after.has('table:embeddings_queue_config')) {
    notes.push('Python creates the embeddings_queue_config row at the first write, with purging off when the WAL is not empty (docs/format.md §4.6).');
  }
  return notes;
}

/**
 * WAL rows Rust core cannot apply (docs/format.md §4.3, §9.2 F13): metadata that is not plain
 * JSON (Python could write NaN and Infinity) and a non-string `chroma:document`. Chroma fails on
 * them at the collection's first backfill.
 */
export function walWarnings(db: SqliteDatabase, releaseName: string): string[] {
  const out: string[] = [];
  const invalid = (db.prepare('SELECT count(*) AS n FROM embeddings_queue WHERE metadata IS NOT NULL AND NOT json_valid(metadata)').get() as { n: number }).n;
  if (invalid > 0) {
    out.push(`${invalid} WAL row(s) hold metadata that is not plain JSON (e.g. NaN or Infinity written by Python): ${releaseName} cannot parse them when it applies the log (docs/format.md §4.3)`);
  }
  const docs = (
    db
      .prepare(
        `SELECT count(*) AS n FROM embeddings_queue WHERE metadata IS NOT NULL AND json_valid(metadata)
           AND json_type(metadata, '$."chroma:document"') IS NOT NULL AND json_type(metadata, '$."chroma:document"') <> 'text'`,
      )
      .get() as { n: number }
  ).n;
  if (docs > 0) out.push(`${docs} WAL row(s) carry a chroma:document that is not a string: ${releaseName}'s log reader fails on them (docs/format.md §9.2 F13)`);
  return out;
}
