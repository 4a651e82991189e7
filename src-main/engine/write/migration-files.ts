import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InspectorError } from '../../../shared/errors.js';
import { MIGRATIONS, type KnownMigration } from '../folder/migration-catalogue.js';
import { cryptoModule } from '../util/node-on-demand.js';

/** One of Chroma's migration files, with the exact text Chroma stores in `migrations.sql`. */
export interface MigrationFile extends KnownMigration {
  sql: string;
}

/**
 * Where the verbatim .sql files live: next to this module in the source tree
 * (`write/migrations/`), and next to the bundle in `dist/` (the build copies them to
 * `dist/migrations/`; the Electron bundles sit one level deeper).
 */
function migrationsDir(): string {
  const candidates = ['./migrations/', '../migrations/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((dir) => existsSync(`${dir}sysdb/00001-collections.sqlite.sql`));
  if (!found) {
    throw new InspectorError('INTERNAL', `Chroma's migration files are missing (looked in ${candidates.join(', ')})`);
  }
  return found;
}

export const md5 = (text: string) => cryptoModule().createHash('md5').update(Buffer.from(text, 'utf8')).digest('hex');

let cache: MigrationFile[] | null = null;

/**
 * The 18 migrations in the order Rust core applies them (sysdb, metadb, embeddings_queue; each
 * by version). The text is checked against the catalogue's MD5 on load: a file damaged by an
 * editor or a line-ending conversion would make real Chroma refuse every folder we create.
 */
export function chromaMigrations(): MigrationFile[] {
  if (cache) return cache;
  const dir = migrationsDir();
  const order = { sysdb: 0, metadb: 1, embeddings_queue: 2 } as const;
  const sorted = [...MIGRATIONS].sort((a, b) => order[a.dir] - order[b.dir] || a.version - b.version);
  cache = sorted.map((m) => {
    // Rust removes every CR before hashing and storing; the shipped files have none.
    const sql = readFileSync(`${dir}${m.dir}/${m.filename}`, 'utf8').replace(/\r/g, '');
    const hash = md5(sql);
    if (hash !== m.md5) {
      throw new InspectorError('INTERNAL', `migration ${m.dir}/${m.filename} has MD5 ${hash}, expected ${m.md5}: the file was altered`);
    }
    return { ...m, sql };
  });
  return cache;
}
