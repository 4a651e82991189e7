import { InspectorError } from '../../../shared/errors.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { ACQUIRE_WRITE_TABLE, MIGRATIONS_TABLE, QUEUE_CONFIG_JSON } from '../write/create-folder.js';
import type { ResolvedRelease, ShippedMigration } from './chroma-releases.js';
import { PYTHON_DIRS } from './release-verdict.js';

/**
 * What a release writes to a folder when it starts on it (docs/format.md §2.7), reproduced on a
 * copy: nothing else. Collections are loaded lazily, so the WAL tail, purging, schema keys and a
 * pickle's seq reach the database only when a collection is first used — not here.
 *
 * - Rust core: creates `migrations` and `acquire_write` if missing and adds one `acquire_write`
 *   row (every start does); applies every missing migration in one transaction, each row inserted
 *   right after its SQL; then creates the `embeddings_queue_config` row if there is none, with
 *   purging on only when the WAL is empty (docs/format.md §4.6).
 * - Python 0.x: applies the missing migrations dir by dir (embeddings_queue, sysdb, metadb), one
 *   transaction per dir. Its queue configuration row is created at the first write, not at start.
 *
 * Returns what was written besides the migrations, one line each.
 */
export function applyAtStart(db: SqliteDatabase, target: ResolvedRelease, toApply: readonly ShippedMigration[]): string[] {
  const effects: string[] = [];
  const insert = () => db.prepare('INSERT INTO migrations (dir, version, filename, sql, hash) VALUES (?, ?, ?, ?, ?)');
  const run = (m: ShippedMigration) => {
    if (m.sql === null) throw new InspectorError('INTERNAL', `the SQL of ${m.dir}/${m.filename} as ${target.name} ships it is not known to this tool`);
    try {
      db.exec(m.sql);
    } catch (err) {
      throw new InspectorError(
        'UNKNOWN_SCHEMA',
        `${target.name} cannot migrate this folder: its migration ${m.dir}/${m.filename} fails on it (${(err as Error).message}); ` +
          'Chroma would stop at start with this error (docs/format.md §9.2)',
        { reason: 'migration-failed', migration: `${m.dir}/${m.filename}` },
      );
    }
    insert().run(m.dir, m.version, m.filename, m.sql, m.md5);
  };

  if (target.release.rustCore) {
    db.exec(MIGRATIONS_TABLE);
    db.exec(ACQUIRE_WRITE_TABLE);
    db.prepare('INSERT INTO acquire_write (lock_status) VALUES (TRUE)').run();
    effects.push('acquire_write: one row added (Rust core adds one at every start)');
    db.transaction(() => toApply.forEach(run))();
    if (hasTable(db, 'embeddings_queue_config') && !db.prepare('SELECT 1 FROM embeddings_queue_config LIMIT 1').get()) {
      const empty = !db.prepare('SELECT 1 FROM embeddings_queue LIMIT 1').get();
      // Rust inserts without an id, so SQLite gives the row id 1 in the empty table.
      db.prepare('INSERT INTO embeddings_queue_config (config_json_str) VALUES (?)').run(empty ? QUEUE_CONFIG_JSON : QUEUE_CONFIG_JSON.replace('true', 'false'));
      effects.push(
        empty
          ? 'embeddings_queue_config: created with automatic WAL purging on (the WAL is empty)'
          : 'embeddings_queue_config: created with automatic WAL purging OFF, because the WAL is not empty: it grows until `chroma utils vacuum` (docs/format.md §4.6)',
      );
    }
  } else {
    for (const dir of PYTHON_DIRS) {
      const mine = toApply.filter((m) => m.dir === dir);
      if (mine.length > 0) db.transaction(() => mine.forEach(run))();
    }
  }
  return effects;
}

const hasTable = (db: SqliteDatabase, name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
