import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FixStepReport } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { vectorProblems } from '../collection/vector-coverage.js';
import { stageBuiltCheckpoint, type GraphPlan } from '../write/checkpoint-build.js';
import { publishSegmentFolder, removeFolder } from '../write/segment-swap.js';
import { count, emptyReport, forEachCollection, writeEraOrSkip, type FixContext } from './fix-step.js';
import { planVectors, type VectorPlan } from './vector-plan.js';

const SAMPLE = 5;
const MAX_REASON = 240;

/**
 * Why a collection's index needs rebuilding, or null when Chroma can use it as it is: damage the
 * checkpoint reader or the coverage check names as an error (docs/format.md §6.9), a graph that
 * cannot be walked, or a vector max_seq_id that claims a checkpoint no usable files back (a deleted
 * folder, a truncated pickle) — Chroma would then rebuild from a WAL it may already have purged.
 */
function whyRebuild(ctx: FixContext, reader: CollectionReader): string | null {
  const errors = vectorProblems(reader).filter((p) => p.severity === 'error');
  // The damage itself says more than its consequence (records without a vector), when both are there.
  const cause = errors.find((p) => !p.code.startsWith('vectors.')) ?? errors[0];
  if (cause) return cause.message.length > MAX_REASON ? `${cause.message.slice(0, MAX_REASON)}…` : cause.message;
  const cp = reader.vectors().checkpoint;
  if (cp?.usable && !cp.graphUsable) return 'link_lists.bin cannot be walked: the HNSW graph is unusable';
  const seg = reader.catalog.vectorSegment!;
  const row = ctx.writer.readSeq(seg.id) ?? 0;
  if (!cp?.usable && row > 0) return `the vector segment's max_seq_id says a checkpoint holds the WAL up to seq ${row}, but ${seg.id} has no usable checkpoint`;
  return null;
}

/** The highest WAL seq of the collection's topic (0 when its WAL is empty). */
function walHead(ctx: FixContext, topic: string): number {
  const row = ctx.writer.db.prepare('SELECT max(seq_id) AS m FROM embeddings_queue WHERE topic = ?').get(topic) as { m: number | null };
  return row.m ?? 0;
}

/** Builds a fresh graph from the plan and swaps it in as the segment's checkpoint (docs/format.md §8.3). */
async function writeIndex(ctx: FixContext, reader: CollectionReader, plan: VectorPlan): Promise<number> {
  const seg = reader.catalog.vectorSegment!;
  const dim = reader.dimension!;
  const state = reader.vectors();
  const header = state.checkpoint?.usable ? state.checkpoint.header : null;
  // M and ef_construction baked into a usable checkpoint's header win over the configuration (docs/format.md §3.6).
  const sameIndex = header !== null && header.dim === dim ? header : null;
  const labels = [...plan.byLabel.keys()].sort((a, b) => a - b);
  const graph: GraphPlan = {
    space: reader.params.space,
    dim,
    base: {
      M: sameIndex ? sameIndex.M : reader.params.maxNeighbors,
      efConstruction: sameIndex ? sameIndex.efConstruction : reader.params.efConstruction,
    },
    deleteLabels: [],
    inserts: labels.map((label) => ({ label, vector: plan.byLabel.get(label)!.vector })),
    vectorForm: 'stored',
    newCount: labels.length,
  };
  // The new checkpoint holds every row the WAL still has: Chroma must not replay any of them again.
  const seq = Math.max(state.checkpointSeq, ctx.writer.readSeq(seg.id) ?? 0, walHead(ctx, reader.catalog.topic));
  const norms = reader.params.space === 'cosine' ? { byLabel: new Map([...plan.byLabel].map(([l, v]) => [l, v.norm ?? 0])), oldLengthFile: null, oldCount: 0 } : null;
  const staging = await stageBuiltCheckpoint(
    ctx.dir,
    seg.id,
    graph,
    norms,
    {
      dimensionality: dim,
      totalElementsAdded: plan.totalElementsAdded,
      maxSeqId: seq,
      idToLabel: plan.idToLabel,
      // Python keeps a seq per id; Rust writes none (docs/format.md §6.7).
      idToSeqId: ctx.writer.era.rustCore ? new Map() : new Map([...plan.idToLabel.keys()].map((id) => [id, seq])),
    },
    { signal: ctx.signal, progress: (done, total) => ctx.say(`hnsw-rebuild: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} vectors indexed`) },
  );
  const prev = publishSegmentFolder(ctx.dir, seg.id, staging);
  try {
    ctx.writer.immediate(() => ctx.writer.setSeq(seg.id, seq));
  } finally {
    removeFolder(prev);
  }
  return seq;
}

/**
 * Rebuilds the HNSW checkpoint of every collection whose index Chroma cannot use as it is, in
 * every tenant and database: the sound vectors are kept with their labels, the rest are taken
 * from the WAL where it still holds them, and a fresh checkpoint is written with the write
 * engine. Records no file can give a vector are named; they stay records (their metadata and
 * documents are intact) but have no vector, as in the original.
 */
export async function rebuildHnsw(ctx: FixContext): Promise<FixStepReport> {
  const report = emptyReport('hnsw-rebuild');
  if (!writeEraOrSkip(ctx, report)) return report;
  await forEachCollection(ctx, async (reader, label, folder) => {
    const c = reader.catalog;
    if (!c.vectorSegment || reader.dimension === null) return;
    ctx.say(`hnsw-rebuild: checking ${label}`);
    const why = whyRebuild(ctx, reader);
    if (!why) return;
    ctx.say(`hnsw-rebuild: rebuilding ${label}`);
    const plan = planVectors(folder, reader);
    const seg = c.vectorSegment.id;
    if (plan.byLabel.size === 0) {
      // Nothing to index: no checkpoint at all, so Chroma starts the index afresh from the WAL.
      rmSync(join(ctx.dir, seg), { recursive: true, force: true });
      ctx.writer.immediate(() => ctx.writer.db.prepare('DELETE FROM max_seq_id WHERE segment_id = ?').run(seg));
      report.actions.push(`${label}: removed the unusable checkpoint ${seg} (${why}); no vector is recoverable`);
    } else {
      const seq = await writeIndex(ctx, reader, plan);
      report.actions.push(
        `${label}: rebuilt ${seg} with ${plan.byLabel.size} vector(s) — ${plan.sound} sound, ${plan.fromWal.length} from the WAL — up to seq ${seq} (${why})`,
      );
    }
    if (plan.fromWal.length > 0) ctx.recovered.set(c.id, new Set(plan.fromWal));
    if (plan.lost.length > 0) {
      const sample = plan.lost.slice(0, SAMPLE).map((id) => JSON.stringify(id)).join(', ');
      report.actions.push(`${label}: ${plan.lost.length} record(s) have no recoverable vector (e.g. ${sample}): neither the checkpoint nor the WAL holds one`);
    }
    if (plan.notRecords > 0) report.actions.push(`${label}: left out ${plan.notRecords} indexed id(s) that are not records of the collection`);
    count(report, 'collections', 1);
    count(report, 'vectorsKept', plan.sound);
    count(report, 'vectorsFromWal', plan.fromWal.length);
    count(report, 'recordsWithoutVector', plan.lost.length);
    ctx.vectorsRewritten.add(c.id);
  });
  report.changed = report.actions.length > 0;
  if (!report.changed) report.skipped.push('every HNSW index is usable as it is');
  return report;
}
