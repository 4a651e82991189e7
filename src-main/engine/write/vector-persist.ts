import fs from 'node:fs';
import path from 'node:path';
import type { Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import {
  readCheckpoint,
  readCheckpointSliced,
  readHeaderOnly,
  readHeaderOnlySteps,
  type CheckpointResult,
  type DecodedPickle,
  type HeaderOnlyResult,
  DISCARD_VECTORS,
} from '../hnsw/checkpoint.js';
import { runSteps, runStepsSliced, type Steps } from '../util/steps.js';
import type { PersistBase } from './checkpoint-memo.js';
import { readPickle } from '../hnsw/pickle-reader.js';
import { EditedIdMap } from '../hnsw/edited-id-map.js';
import { PickleObject, isPickleDict, type PickleValue } from '../hnsw/pickle-values.js';
import { HEADER_FILE, LENGTH_FILE, PICKLE_FILE } from '../hnsw/segment-files.js';
import { parseHnswHeader } from '../hnsw/header.js';
import type { HnswHeader } from '../../../shared/models.js';
import { norm32 } from '../hnsw/vector-math.js';
import type { FolderWriter } from './folder-writer.js';
import { stageBuiltCheckpoint, type BuildOptions, type GraphPlan, type NormSource } from './checkpoint-build.js';
import { settleExtensions } from './persist-extension.js';
import type { PersistentDataFields } from './pickle-writer.js';
import { publishSegmentFolder, removeFolder } from './segment-swap.js';
import { purgeWalLater, type PurgeTarget } from './wal-purge.js';
import { nextTurn } from '../util/next-turn.js';

export interface VectorTarget extends PurgeTarget {
  dimension: number;
  space: Space;
  maxNeighbors: number;
  efConstruction: number;
  efSearch: number;
}

/** V as a fresh Chroma process (and our reader) sees it: the table row, only when a usable checkpoint backs it (docs/format.md §4.7). */
function checkpointSeq(w: FolderWriter, t: VectorTarget, cp: Pick<CheckpointResult, 'usable' | 'maxSeqId'>): number {
  if (!cp.usable) return 0;
  return w.readSeq(t.vectorSegmentId) ?? cp.maxSeqId ?? 0;
}

/** Python keeps `id_to_seq_id` current; carry the old values forward where the old pickle has them. */
function oldIdToSeqId(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    let v: PickleValue = readPickle(fs.readFileSync(path.join(dir, PICKLE_FILE)), PICKLE_FILE);
    if (v instanceof PickleObject) v = v.state ?? null;
    const map = isPickleDict(v) ? v.get('id_to_seq_id') : undefined;
    if (isPickleDict(map)) for (const [k, s] of map) if (typeof k === 'string' && typeof s === 'number') out.set(k, s);
  } catch {
    /* no usable old values: the checkpoint's seq is used instead */
  }
  return out;
}

/**
 * V for the persist cadence: the pickle and header only (the full docs/format.md §6.9 checks run
 * when persisting), with the decoded pickle, which a persist that starts at once can take over
 * (prepareVectorPersist) rather than decode the file again (half a second at a million ids).
 */
export function vectorCheckpointBase(w: FolderWriter, t: VectorTarget): CheckpointBase {
  return baseOf(w, t, readHeaderOnly(w.dir, t.vectorSegmentId));
}

/** vectorCheckpointBase, giving the thread back while the pickle decodes (util/steps.ts). */
export async function vectorCheckpointBaseSliced(w: FolderWriter, t: VectorTarget, signal?: AbortSignal): Promise<CheckpointBase> {
  return baseOf(w, t, await runStepsSliced(readHeaderOnlySteps(w.dir, t.vectorSegmentId), { signal }));
}

export interface CheckpointBase {
  /** V: the WAL seq the checkpoint holds. */
  seq: number;
  /** The pickle as decoded to find it, for a persist that starts at once. */
  pickle: DecodedPickle | null;
}

function baseOf(w: FolderWriter, t: VectorTarget, cp: HeaderOnlyResult): CheckpointBase {
  return { seq: checkpointSeq(w, t, { usable: cp.hasCheckpoint, maxSeqId: cp.pickle?.maxSeqId ?? null }), pickle: cp.decodedPickle };
}

/** V once `p` is published: what vectorCheckpointBase would read back (a checkpoint without ids is not usable). */
export function publishedCheckpointSeq(p: PreparedPersist): number {
  return p.pickle.idToLabel.size > 0 ? p.lastSeq : 0;
}

/** Number of WAL rows above V: what the persist cadence counts. */
export function pendingVectorRows(w: FolderWriter, t: VectorTarget, v = vectorCheckpointBase(w, t).seq): number {
  return (w.db.prepare('SELECT count(*) AS n FROM embeddings_queue WHERE topic = ? AND seq_id > ?').get(t.topic, v) as { n: number }).n;
}

/**
 * Writes a new HNSW checkpoint for a collection: the current checkpoint (graph kept, loaded with
 * hnswlib-node) plus every WAL row above it, replayed with Chroma's label rules (docs/format.md §6.8), saved as
 * the four files + the Python-form pickle (docs/format.md §6.5, §6.7) in a staging folder that replaces the
 * segment folder whole; then the vector max_seq_id moves and the WAL is purged (docs/format.md §8.3).
 * Returns false when there was nothing to persist.
 */
export async function persistVectorSegment(w: FolderWriter, t: VectorTarget, signal?: AbortSignal): Promise<boolean> {
  const prepared = await prepareVectorPersistSliced(w, t, null, signal);
  if (!prepared) return false;
  // The build reads the files on a turn of its own, not at the end of the preparation's last slice.
  await nextTurn();
  const staging = await stageVectorPersist(w, prepared);
  try {
    await w.checkOtherProcesses(signal);
  } catch (err) {
    removeFolder(staging);
    throw err;
  }
  w.whileClear(() => publishVectorPersist(w, prepared, staging));
  await w.backgroundDone();
  return true;
}

/** What a persist has read and decided before its graph is built: everything but the hnswlib work and the files. */
export interface PreparedPersist {
  target: VectorTarget;
  plan: GraphPlan;
  norms: NormSource | null;
  /** Its maps grow as the build takes extensions. */
  pickle: PersistentDataFields & { idToLabel: Map<string, number>; idToSeqId: Map<string, number> };
  /** The last WAL seq the new checkpoint holds. */
  lastSeq: number;
  /** Whether id_to_seq_id is kept (Python's era) or written empty (Rust's). */
  keepSeqIds: boolean;
  /** Rows handed to the build while it ran (extendVectorPersist), in order, with what to undo of those it did not take. */
  handed: { ids: string[]; lastSeqBefore: number; totalBefore: number }[];
  /** Inserts in the build so far, its plan's and the extensions'. */
  inserts: number;
  /** False once a row that is not a plain addition came: it and the rows after it wait for the next persist. */
  extendable: boolean;
  /** Whether the writer may remember the published checkpoint (write/checkpoint-memo.ts): not when its pickle named dead labels, which a read of the new files must find again. */
  memorable: boolean;
}

/**
 * The first, synchronous part of a persist: reads the checkpoint and the WAL tail above it and
 * replays the tail on the id map. Null when there is nothing to persist.
 */
export function prepareVectorPersist(
  w: FolderWriter,
  t: VectorTarget,
  /** The segment's pickle as vectorCheckpointBase decoded it just now (used only while the file is unchanged). */
  decoded: DecodedPickle | null = null,
): PreparedPersist | null {
  // Index files written beside a running Chroma would clash with its own persists.
  w.assertNoOtherProcess();
  // The checkpoint this writer published last, while its files are unchanged; else the files. The
  // vectors are not needed here (hnswlib loads the files itself): a no-op sink avoids copying them.
  const memo = w.checkpoints.take(w.dir, t.vectorSegmentId);
  return runSteps(prepareFrom(w, t, memo, memo ?? readCheckpoint(w.dir, t.vectorSegmentId, { space: t.space, sink: DISCARD_VECTORS, pickle: decoded })));
}

/**
 * prepareVectorPersist for a writer whose thread serves other calls meanwhile: the checkpoint's
 * files are read and checked in slices that give the thread back (a second and more at a million
 * vectors). Its caller keeps other persists of the segment away until it is done (the files must
 * not change under it); rows written meanwhile are in the tail it reads last.
 */
export async function prepareVectorPersistSliced(
  w: FolderWriter,
  t: VectorTarget,
  decoded: DecodedPickle | null,
  signal?: AbortSignal,
  sliceMs?: number,
): Promise<PreparedPersist | null> {
  await w.checkOtherProcesses(signal);
  const memo = w.checkpoints.take(w.dir, t.vectorSegmentId);
  const read = { space: t.space, sink: DISCARD_VECTORS, pickle: decoded };
  const cp = memo ?? (await readCheckpointSliced(w.dir, t.vectorSegmentId, read, { signal, sliceMs }));
  return runStepsSliced(prepareFrom(w, t, memo, cp), { signal, ...(sliceMs !== undefined ? { sliceMs } : {}) });
}

/** Tail rows replayed between two pauses of prepareFrom (~10,000 took ~40 ms at a million ids). */
const REPLAY_ROWS_PER_STEP = 1024;
/** How often prepareFrom reads the rows written while it replayed (each round gave the thread back). */
const MAX_REPLAY_ROUNDS = 4;

/**
 * The rest of a persist's preparation, once the checkpoint is read (or remembered), as steps that
 * pause every REPLAY_ROWS_PER_STEP tail rows; rows written during those pauses are read and
 * replayed after. The id map is this persist's own.
 */
function* prepareFrom(w: FolderWriter, t: VectorTarget, memo: PersistBase | null, cp: Omit<PersistBase, 'idToSeqId'>): Steps<PreparedPersist | null> {
  const segDir = path.join(w.dir, t.vectorSegmentId);
  const base = checkpointSeq(w, t, cp);
  // Ids, operations and vectors: the metadata (documents among it) is not the index's business.
  let tail = w.recent.tail(w.db, t.topic, base);
  if (tail.length === 0) return null;
  let lastSeq = tail[tail.length - 1]!.seqId;

  // A checkpoint that exists but cannot be read holds vectors the WAL no longer has (it is purged
  // below the checkpoint): building a fresh graph from the WAL would drop them for good. The rows
  // stay in the WAL, readable; a repair on a copy rebuilds the index first.
  const damage = cp.usable ? undefined : cp.problems.find((p) => p.severity === 'error');
  if (damage) {
    throw new InspectorError(
      'CORRUPT_HNSW',
      `${damage.message} — the checkpoint is not replaced, so the vectors it holds are kept; the new rows stay in the WAL. Rebuild the index on a copy first: chroma-inspector fix <folder> <new-folder> --only hnsw-rebuild`,
      { file: damage.file ?? t.vectorSegmentId },
    );
  }
  const usable = cp.usable && cp.header !== null && cp.header.dim === t.dimension;
  // The memo's map is this persist's own (taken, not shared); a read checkpoint's is edited beside
  // its pickle bytes (a copy would make a million strings at a million ids).
  const idToLabel = usable ? (memo ? memo.idToLabel : EditedIdMap.over(cp.idToLabel)) : new Map<string, number>();
  let next = 1;
  let oldCur = 0;
  if (usable) {
    const header = cp.header!;
    oldCur = header.curElementCount;
    // Labels are never reused: start above every label in the graph, deleted and phantom ones too
    // (readCheckpoint's pass over data_level0.bin found the highest).
    next = Math.max(cp.totalElementsAdded, cp.maxGraphLabel) + 1;
  }
  // Every label below it is the checkpoint's, every label from it on is new: a test, where a set of
  // the checkpoint's labels would cost a million insertions at 1M.
  const firstNew = next;
  const inCheckpoint = (label: number) => label < firstNew;
  // Pickle labels the graph does not hold live (marked deleted, or absent; docs/format.md §6.9):
  // hnswlib refuses to mark them deleted again, and a new vector for an absent one takes a slot.
  const dead = usable ? cp.deadLabels : new Set<number>();
  // Rust never reads or updates id_to_seq_id and writes it empty (docs/format.md §6.7), so in its era
  // there is nothing to carry forward — and no reason to decode the whole pickle a second time.
  const keepSeqIds = !w.era.rustCore;
  const idToSeqId = usable && keepSeqIds ? (memo?.idToSeqId ?? oldIdToSeqId(segDir)) : new Map<string, number>();
  for (const id of idToSeqId.keys()) if (!idToLabel.has(id)) idToSeqId.delete(id);
  if (keepSeqIds) for (const id of idToLabel.keys()) if (!idToSeqId.has(id)) idToSeqId.set(id, base);

  // Replay the tail on the id map (Chroma's rules), remembering the vectors to set.
  const setVectors = new Map<number, Float32Array>();
  const removed = new Set<number>();
  const assign = (id: string, vector: Float32Array) => {
    const label = next++;
    idToLabel.set(id, label);
    setVectors.set(label, vector);
  };
  for (let i = 0, rounds = 1; ; i++) {
    if (i === tail.length) {
      // Rows written while this gave the thread back are replayed too: the tail ends where the
      // preparation does, as when it ran in one piece (a few rounds at most: the rows of endless
      // writes wait for the next persist).
      if (tail.length < REPLAY_ROWS_PER_STEP || rounds++ === MAX_REPLAY_ROUNDS) break;
      tail = w.recent.tail(w.db, t.topic, lastSeq);
      if (tail.length === 0) break;
      lastSeq = tail[tail.length - 1]!.seqId;
      i = 0;
    }
    if (i % REPLAY_ROWS_PER_STEP === REPLAY_ROWS_PER_STEP - 1) yield;
    const row = tail[i]!;
    const known = idToLabel.get(row.id);
    const vector = row.vector && row.vector.length === t.dimension ? row.vector : null;
    switch (row.operation) {
      case 'ADD':
        if (known !== undefined || !vector) continue;
        assign(row.id, vector);
        break;
      case 'UPDATE':
        if (known === undefined || !vector) continue;
        setVectors.set(known, vector);
        break;
      case 'UPSERT':
        if (!vector) continue;
        if (known === undefined) assign(row.id, vector);
        else setVectors.set(known, vector);
        break;
      case 'DELETE':
        if (known === undefined) continue;
        idToLabel.delete(row.id);
        idToSeqId.delete(row.id);
        setVectors.delete(known);
        removed.add(known);
        continue;
      default:
        continue;
    }
    if (keepSeqIds) idToSeqId.set(row.id, row.seqId);
  }

  // Every label in setVectors is live: a delete removes its id's label from both maps, and no id's
  // label is ever replaced by another (a new label goes only to an id that has none).
  const toSet = [...setVectors.keys()].sort((a, b) => a - b);
  // length.bin: new vectors' norms; the others keep theirs, by internal id (labels never move).
  let norms: NormSource | null = null;
  if (t.space === 'cosine') {
    const byLabel = new Map<number, number>();
    for (let i = 0; i < toSet.length; i++) {
      if (i % REPLAY_ROWS_PER_STEP === REPLAY_ROWS_PER_STEP - 1) yield;
      byLabel.set(toSet[i]!, norm32(setVectors.get(toSet[i]!)!));
    }
    norms = { byLabel, oldLengthFile: usable ? path.join(segDir, LENGTH_FILE) : null, oldCount: oldCur };
  }
  const plan: GraphPlan = {
    space: t.space,
    dim: t.dimension,
    base: usable ? 'checkpoint' : { M: t.maxNeighbors, efConstruction: t.efConstruction },
    // Phantom labels (in the graph, in no id map) stay deleted, as hnswlib-node's load marks them.
    deleteLabels: usable ? [...cp.phantomLabels, ...[...removed].filter((l) => inCheckpoint(l) && !dead.has(l))] : [],
    inserts: toSet.map((label) => ({ label, vector: setVectors.get(label)! })),
    vectorForm: 'original',
    newCount: toSet.filter((l) => !inCheckpoint(l) || dead.has(l)).length,
  };
  return {
    target: t,
    plan,
    norms,
    pickle: { dimensionality: t.dimension, totalElementsAdded: next - 1, maxSeqId: lastSeq, idToLabel, idToSeqId },
    lastSeq,
    keepSeqIds,
    handed: [],
    inserts: plan.inserts.length,
    extendable: true,
    memorable: dead.size === 0,
  };
}

/**
 * The second part: builds the graph (in a worker thread) and writes the new checkpoint into a
 * staging folder beside the segment. It reads the segment's current files, so no other persist
 * of the segment may publish until this one has. Returns the staging folder.
 */
export function stageVectorPersist(w: FolderWriter, p: PreparedPersist, opts: BuildOptions = {}): Promise<string> {
  const pickle = (taken: number) => {
    settleExtensions(p, taken);
    return p.pickle;
  };
  return stageBuiltCheckpoint(w.dir, p.target.vectorSegmentId, p.plan, p.norms, pickle, opts);
}

/** The last part: the staging folder replaces the segment folder (or is removed when it cannot), then the vector max_seq_id moves and the WAL is purged; the old folder is removed and the WAL purged in the background (FolderWriter.backgroundDone). */
export function publishVectorPersist(w: FolderWriter, p: PreparedPersist, staging: string): void {
  const t = p.target;
  try {
    // The swap is the first write: not beside a Chroma that opened the folder during the build.
    w.assertNoOtherProcess();
  } catch (err) {
    removeFolder(staging);
    throw err;
  }
  // One verdict for the swap and the seq (callers check ahead, off the thread): the renames and
  // their fsyncs may outlast a verdict, and the seq's transaction would then scan again here.
  w.whileClear(() => {
    let prev: string | null;
    try {
      prev = publishSegmentFolder(w.dir, t.vectorSegmentId, staging);
    } catch (err) {
      removeFolder(staging);
      throw err;
    }
    try {
      w.immediate(() => w.setSeq(t.vectorSegmentId, p.lastSeq));
      // The rows the checkpoint now holds leave the WAL after this call, in pieces.
      purgeWalLater(w, t);
    } finally {
      // The new folder is in place either way: the old one goes. Unlinking its files is the
      // kernel's slow part (a third of a second at a million vectors): not on this thread. A
      // process that ends first leaves a `.trash-` folder the next writer removes.
      w.removeLater(prev);
    }
  });
  w.recent.forget(t.topic, p.lastSeq);
  // What a read of these files would give the next persist: every phantom and removed label is
  // now marked deleted in the graph, and no label in it is above total_elements_added. A checkpoint
  // without ids is not usable (docs/format.md §6.9): the next persist reads it and starts afresh.
  if (p.pickle.idToLabel.size === 0 || !p.memorable) return;
  let header: HnswHeader;
  try {
    header = parseHnswHeader(fs.readFileSync(path.join(w.dir, t.vectorSegmentId, HEADER_FILE)), `${t.vectorSegmentId}/${HEADER_FILE}`);
  } catch {
    return; // the next persist reads the files, and says what is wrong with them
  }
  w.checkpoints.remember(w.dir, t.vectorSegmentId, {
    usable: true,
    header,
    problems: [],
    maxSeqId: p.pickle.maxSeqId,
    idToLabel: p.pickle.idToLabel,
    idToSeqId: p.keepSeqIds ? p.pickle.idToSeqId : null,
    totalElementsAdded: p.pickle.totalElementsAdded,
    phantomLabels: [],
    maxGraphLabel: p.pickle.totalElementsAdded,
    deadLabels: new Set(),
  });
}
