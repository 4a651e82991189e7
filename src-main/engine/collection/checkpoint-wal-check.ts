import type { Problem } from '../../../shared/models.js';
import type { WalRecord } from '../wal/decode-row.js';
import type { VectorSlab } from '../hnsw/vector-slab.js';
import { DATA_LEVEL0_FILE, PICKLE_FILE } from '../hnsw/segment-files.js';

/** How many of the newest WAL rows at or below the checkpoint's seq are compared with it. */
export const OVERLAP_ROWS = 1000;

/** Float32 round trips (cosine de-normalisation) stay far inside this; damage and foreign vectors do not. */
const RELATIVE_TOLERANCE = 1e-3;

export interface OverlapCheck {
  problems: Problem[];
  /** Labels whose checkpoint vector contradicts the WAL. */
  mismatched: Set<number>;
  /** Every compared vector contradicts the WAL: nothing in the checkpoint's vectors can be trusted. */
  foreign: boolean;
}

/**
 * Purging keeps the WAL row at the checkpoint's seq (docs/format.md §4.6), and unpurged folders
 * keep more: rows the checkpoint already holds. Their vectors must be the checkpoint's vectors.
 * That catches a data_level0.bin (or whole segment) from another folder or collection with the
 * same layout, which no size or label check can: its labels look right, its vectors are not.
 * `rows` are the newest rows with seq ≤ V, newest first.
 */
export function checkCheckpointAgainstWal(
  rows: readonly WalRecord[],
  idToLabel: ReadonlyMap<string, number>,
  slab: Pick<VectorSlab, 'original'>,
  segmentId: string,
  collectionId: string,
): OverlapCheck {
  const out: OverlapCheck = { problems: [], mismatched: new Set(), foreign: false };
  const examples: string[] = [];
  let compared = 0;
  let unmapped = 0;
  for (const row of effectiveVectorRows(rows)) {
    const label = idToLabel.get(row.id);
    if (label === undefined) {
      // An UPDATE of an unknown id is skipped by Chroma too; an ADD or UPSERT must have landed.
      if (row.operation !== 'UPDATE') unmapped++;
      continue;
    }
    const vec = slab.original(label);
    if (!vec || vec.length !== row.vector!.length) continue; // already reported as damaged
    compared++;
    if (!sameVector(vec, row.vector!)) {
      out.mismatched.add(label);
      if (examples.length < 3) examples.push(`"${row.id}" (label ${label}, WAL row ${row.seqId})`);
    }
  }
  const file = (name: string) => `${segmentId}/${name}`;
  if (out.mismatched.size > 0) {
    out.foreign = out.mismatched.size === compared;
    const what = out.foreign
      ? 'no vector matches the WAL rows the checkpoint holds: the file belongs to another index (another folder or collection)'
      : 'these vectors are damaged and not used';
    out.problems.push({
      severity: 'error',
      code: out.foreign ? 'hnsw.foreign-file' : 'hnsw.wal-mismatch',
      message: `${file(DATA_LEVEL0_FILE)}: ${out.mismatched.size} of ${compared} vector(s) differ from the WAL rows the checkpoint holds (${examples.join(', ')}); ${what}`,
      file: file(DATA_LEVEL0_FILE),
      collectionId,
      segmentId,
    });
  }
  if (unmapped > 0) {
    out.problems.push({
      severity: 'warning',
      code: 'hnsw.pickle-behind-wal',
      message: `${file(PICKLE_FILE)}: ${unmapped} id(s) added by WAL rows the checkpoint holds are not in id_to_label: the pickle may belong to another index`,
      file: file(PICKLE_FILE),
      collectionId,
      segmentId,
    });
  }
  return out;
}

/**
 * A checkpoint holds WAL rows up to its seq V, and the database has seen every row it ever
 * wrote (the newest rows are never purged). A V above everything the database knows cannot be
 * this folder's: the checkpoint, or the seq it claims, came from elsewhere.
 */
export function checkSeqAhead(v: number, known: number | null, segmentId: string, collectionId: string): Problem | null {
  if (known === null || v <= known) return null;
  const file = `${segmentId}/${PICKLE_FILE}`;
  return {
    severity: 'error',
    code: 'hnsw.seq-ahead',
    message: `${file}: the checkpoint claims WAL seq ${v}, but the database has seen nothing above ${known}: the checkpoint belongs to another folder and its vectors are not used`,
    file,
    collectionId,
    segmentId,
  };
}

/**
 * Per id, the row whose vector the checkpoint must hold: the newest one that set it, replayed
 * oldest first with Chroma's rules (docs/format.md §6.8). An ADD of an id an older row in the
 * window already created is ignored by Chroma, so it decides nothing; a DELETE last means nothing
 * to compare. An id's state before the window is unknown: its rows are taken as they come.
 */
function effectiveVectorRows(rowsNewestFirst: readonly WalRecord[]): WalRecord[] {
  const state = new Map<string, { exists: boolean | null; row: WalRecord | null }>();
  for (let i = rowsNewestFirst.length - 1; i >= 0; i--) {
    const row = rowsNewestFirst[i]!;
    const s = state.get(row.id) ?? { exists: null, row: null };
    state.set(row.id, s);
    if (row.operation === 'DELETE') {
      s.exists = false;
      s.row = null;
    } else if (row.operation === 'ADD') {
      if (s.exists === true) continue;
      s.exists = true;
      s.row = row.vector ? row : null;
    } else if (row.operation === 'UPSERT' || row.operation === 'UPDATE') {
      if (row.operation === 'UPDATE' && s.exists === false) continue;
      if (row.operation === 'UPSERT' || s.exists === true) s.exists = true;
      // Metadata-only rows say nothing about the vector.
      if (row.vector) s.row = row;
    }
  }
  return [...state.values()].map((s) => s.row).filter((r): r is WalRecord => r !== null);
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Math.abs(x - y) > RELATIVE_TOLERANCE * Math.max(1e-6, Math.abs(x), Math.abs(y))) return false;
  }
  return true;
}
