import { ChromaFolder } from '../chroma-folder.js';
import { backupError } from './backup-errors.js';
import type { Manifest } from './manifest.js';
import type { BackupCollectionSummary } from '../../../shared/contract.js';

/** A restored collection's count beside the one recorded at backup time (null without a manifest). */
export type RestoredCollection = BackupCollectionSummary;

/**
 * Opens an extracted folder with the read engine and compares every collection's count with the
 * manifest: the folder is only reported good when Chroma would show what was backed up.
 */
export function checkRestored(dir: string, manifest: Manifest | null): RestoredCollection[] {
  let folder: ChromaFolder;
  try {
    folder = ChromaFolder.open(dir);
  } catch (err) {
    throw backupError('INVALID_ARGUMENT', 'zip.corrupt', `the restored database does not open: ${(err as Error).message}`);
  }
  try {
    const out: RestoredCollection[] = [];
    const byId = new Map(folder.collectionReaders().map((r) => [r.id, r]));
    for (const reader of byId.values()) {
      const c = reader.catalog;
      const expected = manifest?.collections.find((m) => m.id === c.id)?.count ?? null;
      let count: number;
      try {
        count = reader.count();
      } catch (err) {
        if (expected === -1) count = -1;
        else throw backupError('INVALID_ARGUMENT', 'restore.count-mismatch', `collection ${c.name} of the restored folder cannot be read: ${(err as Error).message}`);
      }
      out.push({ tenant: c.tenant, database: c.database, name: c.name, id: c.id, count, expected });
      reader.release();
    }
    for (const m of manifest?.collections ?? []) {
      const got = out.find((c) => c.id === m.id);
      if (!got) {
        throw backupError('INVALID_ARGUMENT', 'restore.count-mismatch', `collection ${m.name} (${m.id}) is in the manifest but not in the restored database`);
      }
      if (got.count !== m.count) {
        throw backupError('INVALID_ARGUMENT', 'restore.count-mismatch', `collection ${m.name} has ${got.count} records after restore but ${m.count} when backed up`);
      }
    }
    return out;
  } finally {
    folder.close();
  }
}
