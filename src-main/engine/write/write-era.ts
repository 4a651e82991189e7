import type { EraInfo } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import type { WalStyle } from './wal-encode.js';

/**
 * How to write a folder in its own era's format (docs/format.md §2.5, §9.1). Folders are never
 * migrated: an era we cannot write exactly is refused with a message that says what to do.
 */
export interface WriteEra {
  label: string;
  rustCore: boolean;
  walStyle: WalStyle;
  /** max_seq_id and embeddings.seq_id as 8-byte big-endian BLOBs (before metadb/00005). */
  seqIdBlob: boolean;
  /** embedding_metadata_array exists (metadb/00006): array metadata values can be stored. */
  arrays: boolean;
  /** collections.schema_str exists (sysdb/00010): keys are added to the schema as Chroma does. */
  schemaStr: boolean;
}

const REQUIRED_TABLES = [
  'tenants',
  'databases',
  'collections',
  'collection_metadata',
  'segments',
  'segment_metadata',
  'embeddings',
  'embedding_metadata',
  'max_seq_id',
  'embedding_fulltext_search',
  'embeddings_queue',
  'embeddings_queue_config',
];

export function writeEraOf(era: EraInfo, probe: SchemaProbe): WriteEra {
  const refuse = (why: string): never => {
    throw new InspectorError('READ_ONLY', `This folder can be read but not written: ${why}`, { era: era.label });
  };
  if (!era.migrationsVerified) {
    const odd = era.migrations.filter((m) => m.status !== 'ok').map((m) => `${m.dir}/${m.filename} (${m.status})`);
    refuse(
      `its migrations table does not match a Chroma release (${odd.join(', ')}); it may come from a newer or a development ` +
        'Chroma, whose format this writer does not know',
    );
  }
  const max = (dir: string) => Math.max(0, ...era.migrations.filter((m) => m.dir === dir).map((m) => m.version));
  const metadb = max('metadb');
  const sysdb = max('sysdb');
  const queue = max('embeddings_queue');
  let python = false;
  if (era.rustCore && metadb >= 5) {
    python = false;
  } else if (sysdb === 9 && metadb === 4 && queue === 2) {
    python = true;
  } else {
    refuse(
      `it was written by Chroma ${era.chromaVersions}. Chroma Inspector writes folders of Chroma 0.5.6 and later ` +
        'in their own format and never migrates a folder silently. Open it once with the Chroma you use ' +
        '(Chroma upgrades the schema when it starts), or copy its collections into a new folder',
    );
  }
  const missing = REQUIRED_TABLES.filter((t) => !probe.hasTable(t));
  if (missing.length > 0) refuse(`tables ${missing.join(', ')} are missing`);
  return {
    label: era.label,
    rustCore: !python,
    walStyle: python ? 'python' : 'rust',
    seqIdBlob: python,
    arrays: probe.hasTable('embedding_metadata_array'),
    schemaStr: probe.hasColumn('collections', 'schema_str'),
  };
}
