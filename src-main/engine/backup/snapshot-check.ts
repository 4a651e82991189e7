import type { Problem } from '../../../shared/models.js';
import { ChromaFolder } from '../chroma-folder.js';
import { readCheckpoint, DISCARD_VECTORS } from '../hnsw/checkpoint.js';
import { decodeSeqId } from '../sqlite/seq-id.js';
import type { ManifestCollection } from './manifest.js';
import { throwIfAborted } from './task.js';

export interface SnapshotVerdict {
  /** Why the captured copy is torn (retry), or null when it is consistent. */
  torn: string | null;
  /** Damage the live folder has too: the backup reproduces it faithfully, and says so. */
  warnings: string[];
  collections: ManifestCollection[];
}

/** The checkpoint's error codes plus a pickle ahead of the DB row, as a comparable key and a message. */
function firstIssue(problems: readonly Problem[], pickleSeq: number | null, row: number | null): { key: string; message: string } | null {
  const errors = problems.filter((p) => p.severity === 'error');
  const ahead = pickleSeq !== null && row !== null && pickleSeq > row;
  if (errors.length === 0 && !ahead) return null;
  const key = [...new Set(errors.map((p) => p.code)), ...(ahead ? ['pickle-ahead'] : [])].sort().join(',');
  const message = errors[0]?.message ?? `index_metadata.pickle says max_seq_id ${pickleSeq} but the database row says ${row} (a persist was in progress)`;
  return { key, message };
}

/**
 * docs/format.md §6.9 / docs/format.md §8.4 step 5, on the captured copy: for every collection, the checkpoint copied beside the
 * backup DB must pass the checkpoint reader's checks and agree with the DB's vector max_seq_id.
 * A disagreement the live folder does not have means the copy is torn (the caller retries); one
 * the live folder has as well is pre-existing damage, kept and reported as a warning.
 * Also computes each collection's count for the manifest.
 */
export function checkSnapshot(stagedDir: string, liveDir: string, opts: { collectionIds?: ReadonlySet<string> | null; signal?: AbortSignal }): SnapshotVerdict {
  const staged = ChromaFolder.open(stagedDir);
  const verdict: SnapshotVerdict = { torn: null, warnings: [], collections: [] };
  try {
    for (const reader of staged.collectionReaders()) {
      throwIfAborted(opts.signal);
      if (opts.collectionIds && !opts.collectionIds.has(reader.id)) continue;
      const c = reader.catalog;
      const label = `${c.tenant}/${c.database}/${c.name}`;
      const seg = c.vectorSegment;
      if (seg) {
        // The sink drops vectors as they are scanned: the checks run in constant memory.
        const cp = readCheckpoint(stagedDir, seg.id, { space: reader.params.space, sink: DISCARD_VECTORS });
        const row = decodeSeqId(
          reader.ctx.probe.hasTable('max_seq_id')
            ? (reader.ctx.db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(seg.id) as { seq_id: unknown } | undefined)?.seq_id
            : null,
        );
        const stagedIssue = firstIssue(cp.problems, cp.usable ? (cp.pickle?.maxSeqId ?? null) : null, row);
        if (stagedIssue) {
          // Same check on the live folder: is this the folder's own state, or our copy's?
          const live = readCheckpoint(liveDir, seg.id, { space: reader.params.space, sink: DISCARD_VECTORS });
          const liveIssue = firstIssue(live.problems, live.usable ? (live.pickle?.maxSeqId ?? null) : null, row);
          if (liveIssue?.key !== stagedIssue.key) {
            verdict.torn = `collection ${label}, segment ${seg.id}: ${stagedIssue.message}`;
            return verdict;
          }
          verdict.warnings.push(`collection ${label}: the folder itself has this problem, backed up as is: ${stagedIssue.message}`);
        }
      }
      let count: number;
      try {
        count = reader.count();
      } catch (err) {
        verdict.warnings.push(`collection ${label}: cannot be counted (${(err as Error).message})`);
        count = -1;
      }
      verdict.collections.push({
        tenant: c.tenant,
        database: c.database,
        name: c.name,
        id: c.id,
        dimension: c.dimension,
        space: reader.params.space,
        count,
      });
      reader.release();
    }
    return verdict;
  } finally {
    staged.close();
  }
}
