import type { EraInfo } from '../../../shared/models.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';

/** What every per-collection reader needs to know about the open folder. */
export interface FolderContext {
  readonly dir: string;
  readonly sqliteFile: string;
  readonly db: SqliteDatabase;
  readonly probe: SchemaProbe;
  readonly era: EraInfo;
  readonly filterContext: FilterContext;
}

export interface FilterContext {
  hasArrayTable: boolean;
  ftsTable: 'embedding_fulltext_search' | 'embedding_fulltext' | null;
  hasBoolColumn: boolean;
}
