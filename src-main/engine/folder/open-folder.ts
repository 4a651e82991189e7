import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import { guardSqlite, openReadOnly } from '../sqlite/connection.js';
import { SchemaProbe } from '../sqlite/schema-probe.js';
import type { FolderContext } from '../collection/folder-context.js';
import { registerRegexp } from '../filter/compile-sql.js';
import { detectEra } from './detect-era.js';
import { SQLITE_FILE } from './folder-files.js';

/**
 * The checks that make a path a Chroma persistent folder we can read, each with its own error
 * (missing, a file, pre-0.4 duckdb+parquet, no SQLite file, empty, not Chroma's tables), then
 * the read-only connection and what every reader needs to know about it. `build` turns the
 * context into the open folder; if it fails, the connection is closed again.
 */
export function openFolderContext<T>(path: string, build: (ctx: FolderContext) => T): T {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new InspectorError('NOT_FOUND', `Folder ${dir} does not exist`, { path: dir });
  if (!statSync(dir).isDirectory()) {
    throw new InspectorError('NOT_A_CHROMA_FOLDER', `${dir} is a file, not a Chroma folder`, { path: dir });
  }
  const sqliteFile = join(dir, SQLITE_FILE);
  if (!existsSync(sqliteFile)) {
    if (existsSync(join(dir, 'chroma-collections.parquet'))) {
      throw new InspectorError(
        'UNSUPPORTED_FORMAT',
        `${dir} is a pre-0.4 Chroma folder (duckdb+parquet: chroma-collections.parquet); convert it with chroma-migrate first`,
        { path: dir },
      );
    }
    throw new InspectorError('NOT_A_CHROMA_FOLDER', `${dir} has no ${SQLITE_FILE}: not a Chroma persistent folder`, { path: dir });
  }
  if (statSync(sqliteFile).size === 0) {
    throw new InspectorError('CORRUPT_SQLITE', `${sqliteFile} is empty (0 bytes)`, { file: sqliteFile });
  }
  const db = openReadOnly(sqliteFile, { register: registerRegexp });
  try {
    return guardSqlite(sqliteFile, () => {
      const probe = new SchemaProbe(db);
      if (!probe.hasTable('migrations') || !probe.hasTable('collections') || !probe.hasTable('segments')) {
        throw new InspectorError(
          'NOT_A_CHROMA_FOLDER',
          `${sqliteFile} is a SQLite database but not Chroma's (no migrations/collections/segments tables)`,
          { file: sqliteFile },
        );
      }
      const era = detectEra(db, probe);
      const ctx: FolderContext = {
        dir,
        sqliteFile,
        db,
        probe,
        era,
        filterContext: {
          hasArrayTable: probe.hasTable('embedding_metadata_array'),
          ftsTable: probe.hasTable('embedding_fulltext_search')
            ? 'embedding_fulltext_search'
            : probe.hasTable('embedding_fulltext')
              ? 'embedding_fulltext'
              : null,
          hasBoolColumn: probe.hasColumn('embedding_metadata', 'bool_value'),
        },
      };
      return build(ctx);
    });
  } catch (err) {
    db.close();
    throw err;
  }
}
