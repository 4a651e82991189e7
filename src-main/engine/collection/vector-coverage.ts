import type { Problem } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from './collection-reader.js';
import type { VectorState } from './vector-state.js';
import { LowestK } from '../util/lowest-k.js';

/**
 * Which of a collection's records have a usable vector. The records are the metadata segment plus
 * its WAL tail; the vectors are the checkpoint plus its tail. Both reach the WAL head, so in a
 * sound folder every record has exactly one vector and no vector lacks a record. When the
 * checkpoint is unusable (or partly damaged) and the WAL was purged past it, the rows that held
 * the lost vectors are gone: those records have none, and a query would silently miss them.
 */
export interface VectorCoverage {
  records: number;
  /** Records without a usable vector: `missingSample` names a few. */
  missing: number;
  missingSample: string[];
  /** Vector ids that are not records of this collection (a pickle from elsewhere, or damage). */
  foreign: number;
  foreignSample: string[];
}

const SAMPLE = 5;
const cache = new WeakMap<VectorState, VectorCoverage>();

export function vectorCoverage(reader: CollectionReader): VectorCoverage {
  const vectors = reader.vectors();
  const hit = cache.get(vectors);
  if (hit) return hit;
  const cov: VectorCoverage = { records: 0, missing: 0, missingSample: [], foreign: 0, foreignSample: [] };
  const seen = new Set<string>();
  const visit = (id: string) => {
    cov.records++;
    seen.add(id);
    const label = vectors.idToLabel.get(id);
    if (label !== undefined && vectors.slab.has(label)) return;
    cov.missing++;
    if (cov.missingSample.length < SAMPLE) cov.missingSample.push(id);
  };
  const overlay = reader.overlay();
  const seg = reader.catalog.metadataSegment;
  if (seg) {
    const stmt = reader.ctx.db.prepare('SELECT embedding_id FROM embeddings WHERE segment_id = ?').pluck(true);
    for (const id of stmt.iterate(seg.id) as Iterable<string>) if (!overlay.shadowed.has(id)) visit(id);
  }
  for (const id of overlay.live.keys()) visit(id);
  if (seen.size !== vectors.idToLabel.size || cov.missing > 0) {
    // The lowest labels, not the first met: the pickle's order is Rust's hash order, another at
    // each persist, and a report should name the same ids for the same folder.
    const lowest = new LowestK<string>(SAMPLE);
    for (const [id, label] of vectors.idToLabel) {
      if (seen.has(id)) continue;
      cov.foreign++;
      lowest.offer(label, id);
    }
    cov.foreignSample = lowest.items();
  }
  cache.set(vectors, cov);
  return cov;
}

/** Record ids checked against the vector ids before a query (evidentlyCovered, unloaded-vectors.ts). */
export const SPOT_CHECKS = 64;
const evident = new WeakMap<VectorState, boolean>();

/**
 * The cheap proof a query needs before it runs, instead of reading every record id (seconds at a
 * million): as many records as vector ids, every vector id holding a sound vector, and a spread
 * sample of record ids all indexed. Unequal counts or any damage fall through to the full
 * comparison. What equal counts could still hide, a record and a foreign id trading places, would
 * need the pickle's two maps (id → label and label → id, cross-checked when it is read) to agree on
 * the foreign id; the doctor's full comparison (vectorCoverage) reports it.
 */
function evidentlyCovered(reader: CollectionReader): boolean {
  const vectors = reader.vectors();
  const known = evident.get(vectors);
  if (known !== undefined) return known;
  let covered = vectors.damagedLabels.size === 0 && vectors.slab.size === vectors.idToLabel.size && reader.count() === vectors.idToLabel.size;
  if (covered) covered = reader.sampleRecordIds(SPOT_CHECKS).every((id) => vectors.idToLabel.has(id) || reader.overlay().shadowed.has(id));
  evident.set(vectors, covered);
  return covered;
}

/** The collection's vector problems (checkpoint files, WAL replay, coverage), warnings and errors only. */
export function vectorProblems(reader: CollectionReader): Problem[] {
  return [...fileProblems(reader), ...coverageProblems(reader)];
}

/** Warnings and errors from the checkpoint files and the WAL replay. */
function fileProblems(reader: CollectionReader): Problem[] {
  const vectors = reader.vectors();
  const out: Problem[] = [];
  for (const p of [...(vectors.checkpoint?.problems ?? []), ...vectors.problems]) {
    if (p.severity !== 'info') out.push({ ...p, collectionId: p.collectionId ?? reader.id });
  }
  return out;
}

/** Records without a vector, and vector ids without a record (a full comparison). */
function coverageProblems(reader: CollectionReader): Problem[] {
  const vectors = reader.vectors();
  const out: Problem[] = [];
  const cov = vectorCoverage(reader);
  const segmentId = reader.catalog.vectorSegment?.id;
  if (cov.missing > 0) {
    out.push({
      severity: 'error',
      code: 'vectors.missing',
      message:
        `${cov.missing} of ${cov.records} record(s) have no usable vector (e.g. ${cov.missingSample.map((s) => JSON.stringify(s)).join(', ')}): ` +
        (vectors.checkpoint?.usable === false && vectors.checkpoint.pickle
          ? 'the HNSW checkpoint is unusable and the WAL was purged past it'
          : 'their vectors in the HNSW checkpoint are missing or damaged and the WAL no longer holds them'),
      collectionId: reader.id,
      segmentId,
    });
  }
  if (cov.foreign > 0) {
    out.push({
      severity: 'error',
      code: 'vectors.foreign-ids',
      message:
        `${cov.foreign} id(s) in the vector index are not records of this collection ` +
        `(e.g. ${cov.foreignSample.map((s) => JSON.stringify(s)).join(', ')}): the index may belong to another collection or folder`,
      collectionId: reader.id,
      segmentId,
      file: segmentId ? `${segmentId}/index_metadata.pickle` : undefined,
    });
  }
  return out;
}

export interface CoverageOptions {
  /**
   * Answer from the vectors that are sound when some are missing or damaged, with the problems
   * as warnings on the result (the UI does, and says so). Off by default: Chroma either errors
   * or answers from the undamaged index, never partially, so the CLI and PersistentClient fail.
   */
  allowPartial?: boolean;
}

/**
 * Throws VECTORS_MISSING when a query over this collection could silently miss records or return
 * ones that are not its own; with `allowPartial`, returns the problems to attach as warnings.
 * A sound collection returns its warning-level vector problems (empty almost always).
 */
export function checkVectorCoverage(reader: CollectionReader, opts: CoverageOptions = {}): Problem[] {
  if (evidentlyCovered(reader)) return fileProblems(reader);
  const problems = vectorProblems(reader);
  const cov = vectorCoverage(reader);
  if ((cov.missing > 0 || cov.foreign > 0) && !opts.allowPartial) {
    const files = [...new Set(problems.map((p) => p.file).filter((f): f is string => !!f))];
    const causes = problems.filter((p) => p.severity === 'error' && !p.code.startsWith('vectors.')).map((p) => p.message);
    const what = [
      cov.missing > 0 ? `${cov.missing} of ${cov.records} records have no usable vector` : null,
      cov.foreign > 0 ? `${cov.foreign} indexed id(s) are not records of this collection` : null,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new InspectorError(
      'VECTORS_MISSING',
      `Collection "${reader.catalog.name}": ${what}, so a query would silently return a partial answer` +
        (causes.length > 0 ? `. Found: ${causes.slice(0, 3).join(' | ')}` : '') +
        (files.length > 0 ? `. Files: ${files.join(', ')}` : ''),
      { collection: reader.catalog.name, collectionId: reader.id, records: cov.records, missing: cov.missing, foreign: cov.foreign, files, problems },
    );
  }
  return problems;
}
