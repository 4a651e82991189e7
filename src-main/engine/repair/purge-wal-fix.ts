import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FixStepReport } from '../../../shared/models.js';
import { vectorProblems } from '../collection/vector-coverage.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { throwIfAborted } from '../backup/task.js';
import { QUEUE_CONFIG_JSON } from '../write/create-folder.js';
import type { FolderWriter } from '../write/folder-writer.js';
import { pendingVectorRows, persistVectorSegment, type VectorTarget } from '../write/vector-persist.js';
import { purgeWal } from '../write/wal-purge.js';
import type { WriteEra } from '../write/write-era.js';
import { count, emptyReport, forEachCollection, writeEraOrSkip, type FixContext } from './fix-step.js';

/** Python wrote the row with json.dumps separators, Rust compactly (docs/format.md §4.6). */
const PYTHON_QUEUE_CONFIG = '{"automatically_purge": true, "_type": "EmbeddingsQueueConfigurationInternal"}';

/** Turns automatic purging on, as `chroma utils vacuum` does; returns whether it was off. */
function enablePurging(w: FolderWriter, era: WriteEra): boolean {
  const row = w.db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config WHERE id = 1').get() as { j: string | null } | undefined;
  let on: boolean;
  try {
    on = row ? (JSON.parse(row.j ?? '{}') as { automatically_purge?: unknown }).automatically_purge === true : false;
  } catch {
    on = false; // unreadable: written anew below
  }
  if (on) return false;
  const json = era.walStyle === 'python' ? PYTHON_QUEUE_CONFIG : QUEUE_CONFIG_JSON;
  w.db.prepare('INSERT INTO embeddings_queue_config (id, config_json_str) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET config_json_str = excluded.config_json_str').run(json);
  return true;
}

const walRows = (w: FolderWriter) => (w.db.prepare('SELECT count(*) AS n FROM embeddings_queue').get() as { n: number }).n;

/**
 * `chroma utils vacuum` for every tenant and database (Chroma's own CLI purges only
 * default_tenant/default_database; docs/format.md §4.6, F5): turn automatic purging on; persist
 * the vectors still waiting in the WAL into each collection's checkpoint, as Chroma does at
 * sync_threshold (a collection whose index never reached it could otherwise never be purged);
 * delete every collection's WAL rows below min(M, V), keeping the row at the minimum; VACUUM;
 * log it in maintenance_log. A collection whose vectors are damaged is left alone: its WAL rows
 * may be the only copy of its vectors (run hnsw-rebuild first).
 */
export async function purgeWalFix(ctx: FixContext): Promise<FixStepReport> {
  const report = emptyReport('purge-wal');
  const era = writeEraOrSkip(ctx, report);
  if (!era) return report;
  const w = ctx.writer;
  const file = join(ctx.dir, SQLITE_FILE);
  const rowsBefore = walRows(w);
  const bytesBefore = statSync(file).size;
  if (w.immediate(() => enablePurging(w, era))) report.actions.push('turned automatic WAL purging on (embeddings_queue_config), as `chroma utils vacuum` does');

  await forEachCollection(ctx, async (reader, label) => {
    const c = reader.catalog;
    if (!c.metadataSegment || !c.vectorSegment) return;
    const target: VectorTarget = {
      topic: c.topic,
      metadataSegmentId: c.metadataSegment.id,
      vectorSegmentId: c.vectorSegment.id,
      dimension: reader.dimension ?? 0,
      space: reader.params.space,
      maxNeighbors: reader.params.maxNeighbors,
      efConstruction: reader.params.efConstruction,
      efSearch: reader.params.efSearch,
    };
    if (reader.dimension !== null) {
      // Records hnsw-rebuild found no vector for anywhere (the WAL included) cannot lose more by a purge.
      const rebuilt = ctx.vectorsRewritten.has(c.id);
      const damage = vectorProblems(reader).filter((p) => p.severity === 'error' && !(rebuilt && p.code === 'vectors.missing'));
      if (damage.length > 0) {
        report.skipped.push(`${label}: its vectors are damaged (${damage[0]!.message}); its WAL is kept, run hnsw-rebuild first`);
        return;
      }
      // A 0.4–0.5.5 checkpoint keeps its seq only in the pickle: vacuum moves it into the table (docs/format.md §4.5).
      const cp = reader.vectors().checkpoint;
      if (cp?.usable && cp.maxSeqId !== null && w.readSeq(c.vectorSegment.id) === null) {
        w.immediate(() => w.setSeq(c.vectorSegment!.id, cp.maxSeqId!));
        report.actions.push(`${label}: moved the vector seq ${cp.maxSeqId} from index_metadata.pickle into max_seq_id`);
      }
      const pending = pendingVectorRows(w, target);
      if (pending > 0) {
        ctx.say(`purge-wal: persisting the vectors of ${label}`);
        if (await persistVectorSegment(w, target)) {
          ctx.vectorsRewritten.add(c.id);
          report.actions.push(`${label}: persisted the checkpoint with the ${pending} WAL row(s) it did not hold yet, so they can be purged`);
        }
      }
    }
    const deleted = w.immediate(() => purgeWal(w, target));
    if (deleted > 0) report.actions.push(`${label}: deleted ${deleted} applied WAL row(s)`);
  });
  const rowsAfter = walRows(w);
  count(report, 'walRowsDeleted', rowsBefore - rowsAfter);
  throwIfAborted(ctx.signal);
  ctx.say('purge-wal: VACUUM');
  w.db.exec('VACUUM');
  if (w.probe.hasTable('maintenance_log')) w.db.prepare("INSERT INTO maintenance_log (operation, timestamp) VALUES ('vacuum', CURRENT_TIMESTAMP)").run();
  const bytesAfter = statSync(file).size;
  report.counts.walRowsBefore = rowsBefore;
  report.counts.walRowsAfter = rowsAfter;
  report.counts.bytesBefore = bytesBefore;
  report.counts.bytesAfter = bytesAfter;
  report.actions.push(`VACUUM: chroma.sqlite3 went from ${bytesBefore} to ${bytesAfter} bytes; the WAL from ${rowsBefore} to ${rowsAfter} row(s)`);
  report.changed = true;
  return report;
}
