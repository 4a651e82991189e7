import fs from 'node:fs';
import path from 'node:path';
import type { CheckpointResult } from '../hnsw/checkpoint.js';
import { SEGMENT_FILES } from '../hnsw/segment-files.js';

/** What a persist needs of the checkpoint it builds on (vector-persist.ts prepareVectorPersist). */
export type PersistBase = Pick<
  CheckpointResult,
  'usable' | 'header' | 'problems' | 'maxSeqId' | 'idToLabel' | 'totalElementsAdded' | 'phantomLabels' | 'maxGraphLabel' | 'deadLabels'
> & {
  /** The id_to_seq_id written (Python's era), when known. */
  idToSeqId: Map<string, number> | null;
};

/**
 * The checkpoint this writer has just published, per segment, so that its next persist does not
 * read back and decode what it wrote (about a second at a million ids, on the caller's thread).
 * It is used once, within a minute, and only while each of the segment's files is still the one
 * written — the same inode, size and modification time — so a checkpoint anyone else wrote or
 * changed is read from its files. The caller takes its maps over: a persist that fails leaves the
 * next to read the files.
 */
export class CheckpointMemo {
  private readonly bySegment = new Map<string, { stamp: string; base: PersistBase }>();

  /** `keepMs`: how long a memo is kept for a next persist that may never come (its maps are the checkpoint's ids). */
  constructor(private readonly keepMs = 60_000) {}

  remember(dir: string, segmentId: string, base: PersistBase): void {
    const stamp = stampOf(dir, segmentId);
    if (!stamp) return void this.bySegment.delete(segmentId);
    const memo = { stamp, base };
    this.bySegment.set(segmentId, memo);
    // A writer that stops writing should not hold a million ids for good; the timer keeps no process alive.
    setTimeout(() => {
      if (this.bySegment.get(segmentId) === memo) this.bySegment.delete(segmentId);
    }, this.keepMs).unref();
  }

  /** The remembered checkpoint, once, when the segment's files are still the ones written; else null. */
  take(dir: string, segmentId: string): PersistBase | null {
    const memo = this.bySegment.get(segmentId);
    this.bySegment.delete(segmentId);
    return memo && stampOf(dir, segmentId) === memo.stamp ? memo.base : null;
  }

  clear(): void {
    this.bySegment.clear();
  }
}

/** Each segment file's inode, size and modification time (ns), or null when one cannot be read. */
function stampOf(dir: string, segmentId: string): string | null {
  try {
    return SEGMENT_FILES.map((name) => {
      const s = fs.statSync(path.join(dir, segmentId, name), { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    }).join('|');
  } catch {
    return null;
  }
}
