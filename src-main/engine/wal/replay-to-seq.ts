import { resolve } from 'node:path';
import type { ReplayCollection, ReplayOutcome } from '../../../shared/models.js';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { ProgressReporter, asCancelled, throwIfAborted, type TaskOptions } from '../backup/task.js';
import { removeQuietly } from '../backup/temp-dir.js';
import { asSqliteError, prepareNewFolder, publishNewFolder } from '../migrate/new-folder.js';
import { EmbeddedFolder } from '../write/embedded-folder.js';
import { QUEUE_CONFIG_JSON } from '../write/create-folder.js';
import { WalApplier } from './wal-applier.js';
import { decodeWalRow, type RawWalRow } from './decode-row.js';
import { WAL_COLUMNS } from './read-wal.js';
import { walCoverage } from './wal-coverage.js';

export interface ReplayOptions extends TaskOptions {
  /** The WAL seq to stop at: entries with seq_id ≤ seq are applied. */
  seq: number;
}

const PAGE = 2000;

function purgeSetting(src: ChromaFolder): boolean {
  const { db, probe } = src.ctx;
  if (!probe.hasTable('embeddings_queue_config')) return false; // before 0.5.6 Chroma never purged
  const row = db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config ORDER BY id LIMIT 1').get() as { j: string | null } | undefined;
  try {
    return Boolean(row && (JSON.parse(row.j ?? '{}') as { automatically_purge?: unknown }).automatically_purge);
  } catch {
    return false;
  }
}

/** First WAL seq per topic: rows at or below the replay seq disappear only by purging, so an unchanged first seq means none did. */
const firstSeqs = (src: ChromaFolder) =>
  new Map((src.ctx.db.prepare('SELECT topic, min(seq_id) AS s FROM embeddings_queue GROUP BY topic').all() as { topic: string; s: number }[]).map((r) => [r.topic, Number(r.s)]));

/**
 * Point-in-time restore (docs/format.md §4.7): a new folder holding what `source` held after WAL
 * entry `seq`. Every collection is created anew with the write engine (its name, tenant, database,
 * metadata and HNSW configuration), then every WAL entry with seq_id ≤ seq is applied in seq
 * order with Chroma's rules (docs/format.md §5.3), and the HNSW checkpoints are persisted, so
 * real Chroma opens the result. Only a WAL that still holds every entry of every collection from
 * its start can be replayed; a purged one is refused, naming the collections. The source is
 * only read; the new folder is built in a staging folder beside `newFolder` and renamed at the end.
 */
export async function replayToSeq(source: string, newFolder: string, opts: ReplayOptions): Promise<ReplayOutcome> {
  if (!Number.isSafeInteger(opts.seq) || opts.seq < 0) throw invalidArgument(`the seq to replay to must be a whole number ≥ 0, got ${opts.seq}`);
  const src = ChromaFolder.open(resolve(source));
  let nf: Awaited<ReturnType<typeof prepareNewFolder>> | null = null;
  let out: EmbeddedFolder | null = null;
  try {
    const { coverage, first, total, maxSeq } = src.snapshot(() => {
      const stats = src.ctx.db.prepare('SELECT max(seq_id) AS m, count(*) FILTER (WHERE seq_id <= ?) AS n FROM embeddings_queue').get(opts.seq) as { m: number | null; n: number };
      return { coverage: walCoverage(src), first: firstSeqs(src), total: stats.n, maxSeq: stats.m === null ? 0 : Number(stats.m) };
    });
    const incomplete = coverage.filter((c) => !c.complete);
    if (incomplete.length > 0) {
      const list = incomplete.map((c) => `${c.collection.name} (first seq still present: ${c.firstSeq ?? 'none'}; ${c.why})`).join('; ');
      throw new InspectorError(
        'INVALID_ARGUMENT',
        `cannot replay ${source} to seq ${opts.seq}: the WAL no longer holds every entry from the start for ${list}. Chroma deletes WAL entries both ` +
          'segments have applied when purging is on (docs/format.md §4.6); a point-in-time replay needs a WAL that was never purged',
        { reason: 'wal-purged', collections: incomplete.map((c) => ({ name: c.collection.name, id: c.collection.id, firstSeq: c.firstSeq })) },
      );
    }
    if (opts.seq > maxSeq) throw invalidArgument(`seq ${opts.seq} is beyond the newest WAL entry (${maxSeq}) of ${source}`);

    nf = await prepareNewFolder(source, newFolder, 'replay');
    out = EmbeddedFolder.open(nf.staging);
    // Keep the source's purge setting: a folder that never purged keeps its whole WAL here too.
    out.writer.db.prepare('UPDATE embeddings_queue_config SET config_json_str = ? WHERE id = 1').run(purgeSetting(src) ? QUEUE_CONFIG_JSON : QUEUE_CONFIG_JSON.replace('true', 'false'));
    const applier = new WalApplier(out);
    const created = new Map<string, { source: CatalogCollection; id: string }>();
    for (const c of src.catalog.collections) created.set(c.topic, { source: c, id: await applier.createCollection(c) });

    const progress = new ProgressReporter(opts.onProgress, total);
    progress.report(`replaying ${total} WAL entries up to seq ${opts.seq}`, true);
    let after = -1;
    for (;;) {
      throwIfAborted(opts.signal);
      const rows = src.snapshot(
        () => src.ctx.db.prepare(`SELECT ${WAL_COLUMNS} FROM embeddings_queue WHERE seq_id > ? AND seq_id <= ? ORDER BY seq_id LIMIT ${PAGE}`).all(after, opts.seq) as RawWalRow[],
      );
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1]!.seq_id);
      await applier.apply(rows.map(decodeWalRow), (topic) => created.get(topic)?.id ?? null);
      progress.advance(rows.length, `replayed ${progress.done + rows.length} of ${total} WAL entries`);
    }
    await applier.finish();
    const changed = [...src.snapshot(() => firstSeqs(src))].filter(([topic, s]) => first.has(topic) && first.get(topic) !== s);
    if (changed.length > 0) {
      throw new InspectorError('FOLDER_BUSY', `${source} was purged while it was replayed (a Chroma process is writing to it); retry when it is idle`);
    }
    await out.close();
    out = null;
    throwIfAborted(opts.signal);

    progress.report('opening the new folder and counting its records', true);
    const check = ChromaFolder.open(nf.staging);
    let collections: ReplayCollection[];
    try {
      collections = [...created.values()].map(({ source: c, id }) => ({
        tenant: c.tenant,
        database: c.database,
        name: c.name,
        sourceId: c.id,
        id,
        applied: applier.applied.get(id) ?? 0,
        skipped: applier.skipped.get(id) ?? 0,
        records: check.count(id),
      }));
    } finally {
      check.close();
    }
    await publishNewFolder(nf, 'replay');
    const warnings = [...nf.cleaned.map((n) => `removed ${n}: left behind by an interrupted run`), ...applier.warnings];
    for (const c of coverage.filter((x) => x.firstSeq === null || x.firstSeq > opts.seq)) {
      warnings.push(`collection ${c.collection.name} has no WAL entry at or before seq ${opts.seq}: it is created empty (Chroma records no creation time for a collection)`);
    }
    return { source: src.dir, folder: nf.target, seq: opts.seq, collections, warnings };
  } catch (err) {
    await out?.close({ flush: false }).catch(() => undefined);
    if (nf) await removeQuietly(nf.staging);
    throw asSqliteError(asCancelled(err, opts.signal), src.ctx.sqliteFile);
  } finally {
    src.close();
  }
}
