import { norm32 } from '../hnsw/vector-math.js';
import type { BuildExtensions } from './build-extensions.js';
import { packInserts } from './checkpoint-build.js';
import type { FolderWriter } from './folder-writer.js';
import type { PreparedPersist } from './vector-persist.js';

/** A build takes extensions until it holds this many inserts; later rows wait for the next one, so a checkpoint still lands during endless writes. */
export const MAX_BUILD_INSERTS = 100_000;

/**
 * Hands a running build the rows written since it began (its prepared tail's end), when every one
 * of them only adds an id the index does not hold (ADD, or UPSERT of a new id; rows a replay skips
 * are fine). They get the next labels, as the next persist's replay would give them. Any other
 * change (an update, a delete, an upsert of a held id) ends the build's extensions: it and the rows
 * after it wait for the next persist. Returns how many inserts were handed over.
 */
export function extendVectorPersist(w: FolderWriter, p: PreparedPersist, extensions: BuildExtensions): number {
  if (!p.extendable || !extensions.open || p.inserts >= MAX_BUILD_INSERTS) return 0;
  const t = p.target;
  const tail = w.recent.tail(w.db, t.topic, p.lastSeq);
  if (tail.length === 0) return 0;
  const held = p.pickle.idToLabel;
  const added = new Map<string, { vector: Float32Array; seqId: number }>();
  const stop = () => {
    p.extendable = false;
    return 0;
  };
  for (const row of tail) {
    const known = held.has(row.id) || added.has(row.id);
    const vector = row.vector && row.vector.length === t.dimension ? row.vector : null;
    switch (row.operation) {
      case 'ADD':
        if (known || !vector) continue;
        break;
      case 'UPSERT':
        if (!vector) continue;
        if (known) return stop();
        break;
      case 'UPDATE':
        if (!known || !vector) continue;
        return stop();
      case 'DELETE':
        if (!known) continue;
        return stop();
      default:
        continue;
    }
    added.set(row.id, { vector, seqId: row.seqId });
  }
  const lastSeq = tail[tail.length - 1]!.seqId;
  const totalBefore = p.pickle.totalElementsAdded;
  const inserts = [...added.values()].map(({ vector }, i) => ({ label: totalBefore + 1 + i, vector }));
  // Sent even with no inserts (rows a replay skips still move the seq): the build counts what it
  // took and settleExtensions counts what was handed, so the two must match one for one.
  const packed = packInserts({ dim: t.dimension, space: t.space, vectorForm: 'original' }, inserts);
  const norms = t.space === 'cosine' ? Float32Array.from(inserts, ({ vector }) => norm32(vector)) : null;
  if (!extensions.offer({ ...packed, norms })) return 0;
  p.handed.push({ ids: [...added.keys()], lastSeqBefore: p.lastSeq, totalBefore });
  let label = totalBefore;
  for (const [id, { seqId }] of added) {
    held.set(id, ++label);
    if (p.keepSeqIds) p.pickle.idToSeqId.set(id, seqId);
  }
  p.pickle.totalElementsAdded = label;
  p.pickle.maxSeqId = lastSeq;
  p.lastSeq = lastSeq;
  p.inserts += inserts.length;
  return inserts.length;
}

/**
 * Undoes the extensions a build did not take (it takes the first `taken`, in order), so the pickle
 * and the seq to publish describe what it built.
 */
export function settleExtensions(p: PreparedPersist, taken: number): void {
  while (p.handed.length > taken) {
    const undo = p.handed.pop()!;
    for (const id of undo.ids) {
      p.pickle.idToLabel.delete(id);
      p.pickle.idToSeqId.delete(id);
    }
    p.pickle.totalElementsAdded = undo.totalBefore;
    p.pickle.maxSeqId = undo.lastSeqBefore;
    p.lastSeq = undo.lastSeqBefore;
  }
}
