import type { Space } from '../../../shared/models.js';
import type { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { norm32, normalizeForStorage } from '../hnsw/vector-math.js';
import { latestWalVectors } from './wal-vectors.js';

export interface StoredVector {
  /** As the index stores it: unit-normalised for cosine (docs/format.md §6.6). */
  vector: Float32Array;
  /** The original norm (length.bin) for cosine, else null. */
  norm: number | null;
}

/** Every vector a collection's records can still get, and where each came from. */
export interface VectorPlan {
  idToLabel: Map<string, number>;
  byLabel: Map<number, StoredVector>;
  /** Vectors that were sound where the reader found them: the checkpoint or the WAL rows after it. */
  sound: number;
  /** Records whose vector the reader could not use, found again in older WAL rows. */
  fromWal: string[];
  /** Records no file holds a usable vector for. */
  lost: string[];
  /** Indexed ids that are not records of the collection (a foreign or damaged pickle): left out. */
  notRecords: number;
  /** The highest label handed out, for the pickle's total_elements_added (labels are never reused). */
  totalElementsAdded: number;
}

function fromOriginal(space: Space, vector: Float32Array): StoredVector {
  return space === 'cosine' ? { vector: normalizeForStorage(vector), norm: norm32(vector) } : { vector: Float32Array.from(vector), norm: null };
}

/**
 * Decides the vectors of a rebuilt index (docs/format.md §6.9): every record keeps the label and
 * the exact stored vector the read engine found sound (the checkpoint's sound labels — damaged
 * ones are already separated by the checkpoint reader — plus the WAL tail replayed over them).
 * Records left without one get the last vector older WAL rows still hold, under their old label
 * when they had one, else a new label above every label in use, in WAL order (docs/format.md §6.8).
 * What is left is lost and reported; ids the index holds that are not records are dropped.
 */
export function planVectors(folder: ChromaFolder, reader: CollectionReader): VectorPlan {
  const state = reader.vectors();
  const space = reader.params.space;
  const records = folder.get(reader.id, { include: [] }).ids;
  const recordSet = new Set(records);
  const plan: VectorPlan = { idToLabel: new Map(), byLabel: new Map(), sound: 0, fromWal: [], lost: [], notRecords: 0, totalElementsAdded: 0 };
  let maxLabel = state.checkpoint?.totalElementsAdded ?? 0;
  for (const [id, label] of state.idToLabel) {
    maxLabel = Math.max(maxLabel, label);
    if (!recordSet.has(id)) plan.notRecords++;
  }
  const missing: string[] = [];
  for (const id of records) {
    const label = state.idToLabel.get(id);
    const vector = label === undefined ? undefined : state.slab.stored(label);
    if (label === undefined || !vector) {
      missing.push(id);
      continue;
    }
    plan.idToLabel.set(id, label);
    plan.byLabel.set(label, { vector, norm: space === 'cosine' ? state.slab.norm(label) : null });
    plan.sound++;
  }
  if (missing.length > 0 && reader.dimension !== null) {
    const found = latestWalVectors(reader.ctx.db, reader.catalog.topic, new Set(missing), reader.dimension);
    const recoverable = missing.filter((id) => found.has(id)).sort((a, b) => found.get(a)!.seqId - found.get(b)!.seqId);
    for (const id of recoverable) {
      const label = state.idToLabel.get(id) ?? ++maxLabel;
      plan.idToLabel.set(id, label);
      plan.byLabel.set(label, fromOriginal(space, found.get(id)!.vector));
      plan.fromWal.push(id);
    }
    plan.lost = missing.filter((id) => !found.has(id));
  } else {
    plan.lost = missing;
  }
  plan.totalElementsAdded = maxLabel;
  return plan;
}
