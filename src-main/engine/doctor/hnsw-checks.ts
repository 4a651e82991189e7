import type { DoctorCollection, Problem } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { VectorState } from '../collection/vector-state.js';
import { vectorCoverage, vectorProblems } from '../collection/vector-coverage.js';
import { explainCode } from './checkpoint-codes.js';
import { plural, type CollectionFindings } from './findings.js';

/** Normal states the backlog and folder findings already describe: not repeated as problems. */
const DESCRIBED_ELSEWHERE = new Set(['hnsw.no-checkpoint', 'hnsw.missing-folder']);
/** Chroma brute-forces a query over an index with more than this share of its elements deleted (and under 100 live). */
const DEGRADED_SHARE = 0.2;

const severityRank = { error: 0, warning: 1, info: 2 } as const;
const NOT_PERSISTED =
  'Nothing: the index was never persisted (no index_metadata.pickle), so Chroma ignores the .bin files and builds the index from the WAL (docs/format.md §1.2, §6.9).';

/** The engine's problems, one finding per code (their messages kept as notes, their files as evidence). */
function reportProblems(problems: Problem[], out: CollectionFindings, numbers: Record<string, number>, ids: Record<string, string[]>, persisted: boolean): void {
  const byCode = new Map<string, Problem[]>();
  for (const p of problems) {
    if (DESCRIBED_ELSEWHERE.has(p.code)) continue;
    const list = byCode.get(p.code) ?? [];
    if (!list.some((q) => q.message === p.message)) list.push(p);
    byCode.set(p.code, list);
  }
  for (const [code, list] of byCode) {
    const severity = list.reduce<Problem['severity']>((s, p) => (severityRank[p.severity] < severityRank[s] ? p.severity : s), 'info');
    // Without a pickle nothing was persisted: Chroma ignores the .bin files, so their state is only informative.
    const text = !persisted && severity === 'info' && code.startsWith('hnsw.') ? { ...explainCode(code), chromaWould: NOT_PERSISTED, fix: null, remedy: 'Nothing needed.' } : explainCode(code);
    out.add({
      code,
      severity,
      title:
        code === 'vectors.missing'
          ? `${numbers.missing} of ${plural(numbers.records ?? 0, 'record')} have no usable vector`
          : code === 'vectors.foreign-ids'
            ? `${plural(numbers.foreign ?? 0, 'id')} in the vector index are not records of the collection`
            : text.title,
      chromaWould: text.chromaWould,
      fix: text.fix,
      remedy: text.remedy,
      evidence: {
        numbers: code.startsWith('vectors.') ? numbers : {},
        ids: ids[code] ?? [],
        files: [...new Set(list.map((p) => p.file).filter((f): f is string => !!f))],
        segments: [...new Set(list.map((p) => p.segmentId).filter((s): s is string => !!s))],
        notes: list.map((p) => p.message),
      },
    });
  }
}

/**
 * The HNSW checkpoint against the database: the engine's full checks of its files (docs/format.md
 * §6.9), records without a usable vector, header vs pickle vs SQLite counts, deleted elements that
 * still take space, and a vector segment whose folder is gone. Loads the collection's vectors
 * (the caller releases them); returns the figures for the report.
 */
export function checkHnsw(reader: CollectionReader, out: CollectionFindings, records: number): { hnsw: DoctorCollection['hnsw']; vectors: VectorState | null } {
  const seg = reader.catalog.vectorSegment;
  const summary = reader.checkpointSummary();
  const hnsw: DoctorCollection['hnsw'] = {
    folderExists: summary?.folderExists ?? false,
    checkpointUsable: false,
    headerElements: summary?.header?.curElementCount ?? null,
    capacity: summary?.header?.maxElements ?? null,
    deletedElements: null,
    liveElements: null,
    pickleIds: summary?.pickle?.idToLabelCount ?? null,
    vectors: null,
  };
  if (!seg) {
    out.add({
      code: 'segments.missing-vector',
      severity: 'error',
      title: 'the collection has no vector segment',
      chromaWould: 'Rust Chroma expects exactly one vector and one metadata segment per collection (docs/format.md §3.4) and fails on this collection.',
      fix: null,
      remedy: 'Copy the records into a new collection (export, then import).',
    });
    return { hnsw, vectors: null };
  }
  if (!hnsw.folderExists) {
    out.add({
      code: 'hnsw.missing-folder',
      severity: records > 0 ? 'warning' : 'info',
      title: records > 0 ? 'the vector segment folder is missing though the collection has records' : 'no vector segment folder yet (an empty collection)',
      chromaWould:
        records > 0
          ? 'Chroma builds a new index from the WAL rows still present (docs/format.md §1.2, §4.7); records whose rows were purged get no vector.'
          : 'Chroma creates the folder at the first backfill once records arrive (docs/format.md §1.2).',
      fix: records > 0 ? 'hnsw-rebuild' : null,
      remedy: records > 0 ? 'Rebuild the checkpoint on a copy (`fix --only hnsw-rebuild`); check the records without a vector below.' : 'Nothing needed.',
      evidence: { segments: [seg.id], files: [seg.id] },
    });
  }
  if (reader.dimension === null) return { hnsw, vectors: null };

  const vectors = reader.vectors();
  const cp = vectors.checkpoint;
  hnsw.checkpointUsable = cp?.usable === true && cp.header?.dim === reader.dimension;
  hnsw.headerElements = cp?.header?.curElementCount ?? hnsw.headerElements;
  hnsw.capacity = cp?.header?.maxElements ?? hnsw.capacity;
  hnsw.pickleIds = cp?.pickle?.idToLabelCount ?? hnsw.pickleIds;
  if (hnsw.checkpointUsable && cp?.header) {
    hnsw.deletedElements = cp.deletedCount;
    hnsw.liveElements = cp.header.curElementCount - cp.deletedCount;
  }
  let withVector = 0;
  for (const label of vectors.idToLabel.values()) if (vectors.slab.has(label)) withVector++;
  hnsw.vectors = withVector;

  const coverage = vectorCoverage(reader);
  const numbers = { records: coverage.records, missing: coverage.missing, foreign: coverage.foreign };
  reportProblems(
    [...(cp?.problems ?? []), ...vectors.problems, ...vectorProblems(reader).filter((p) => p.code.startsWith('vectors.'))],
    out,
    numbers,
    { 'vectors.missing': coverage.missingSample, 'vectors.foreign-ids': coverage.foreignSample },
    cp?.pickle !== null && cp?.pickle !== undefined,
  );

  if (hnsw.checkpointUsable && cp?.header && hnsw.pickleIds !== null && hnsw.liveElements !== null) {
    const phantoms = cp.phantomLabels.length;
    const liveMapped = hnsw.liveElements - phantoms;
    if (liveMapped !== hnsw.pickleIds || withVector !== records) {
      out.add({
        code: 'hnsw.counts',
        severity: 'warning',
        title: `the checkpoint's counts disagree: ${hnsw.liveElements} live elements in header.bin/data_level0.bin, ${hnsw.pickleIds} ids in the pickle, ${withVector} vectors for ${plural(records, 'record')}`,
        chromaWould: 'Chroma trusts the pickle for ids and the files for vectors: elements without an id are never returned, ids without a live element have no vector (docs/format.md §6.9).',
        fix: 'hnsw-rebuild',
        remedy: 'Rebuild the checkpoint on a copy (`fix --only hnsw-rebuild`).',
        evidence: {
          numbers: { headerElements: cp.header.curElementCount, deletedElements: cp.deletedCount, liveElements: hnsw.liveElements, phantomElements: phantoms, pickleIds: hnsw.pickleIds, vectors: withVector, records },
          files: [`${seg.id}/header.bin`, `${seg.id}/index_metadata.pickle`],
        },
      });
    }
  }

  // Deleted flags mean something only in a checkpoint whose files passed the checks.
  const sound = !cp?.problems.some((p) => p.severity === 'error');
  if (hnsw.checkpointUsable && sound && cp?.header && cp.deletedCount > 0) {
    const share = cp.deletedCount / cp.header.curElementCount;
    const live = cp.header.curElementCount - cp.deletedCount;
    const degraded = share > DEGRADED_SHARE && live < 100;
    out.add({
      code: 'hnsw.deleted-elements',
      severity: share > DEGRADED_SHARE ? 'warning' : 'info',
      title: `${plural(cp.deletedCount, 'deleted element')} (${Math.round(share * 100)}% of the index) still take space in the checkpoint`,
      chromaWould:
        'Chroma never reuses a deleted slot: the element keeps its bytes and keeps routing searches (docs/format.md §10.5).' +
        (degraded ? ' With over 20 % deleted and under 100 live, Chroma scans this index exhaustively (docs/format.md §10.2).' : ''),
      fix: 'hnsw-rebuild',
      remedy: 'A rebuilt checkpoint (`fix --only hnsw-rebuild`) holds only the live elements.',
      evidence: {
        numbers: { deletedElements: cp.deletedCount, elements: cp.header.curElementCount, liveElements: live, bytesPerElement: cp.header.sizeDataPerElement, wastedBytes: cp.deletedCount * cp.header.sizeDataPerElement },
        files: [`${seg.id}/data_level0.bin`],
        segments: [seg.id],
      },
    });
  }
  return { hnsw, vectors };
}
