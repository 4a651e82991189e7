import fs from 'node:fs';
import { chunkedFileRead } from '../util/chunked-file-read.js';
import path from 'node:path';
import type { FileEntry, HnswHeader, PickleSummary, Problem, Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { IndexMetadata, LabelLookup } from './index-metadata.js';
import { DenseLabelIds, readIndexMetadataSteps } from './index-metadata-fast.js';
import { compactInIdleSlices } from './pickle-id-map.js';
import { LowestK } from '../util/lowest-k.js';
import { copyVector, denormalize, scanLevel0LabelsSteps, type LiveLabels } from './level0-scan.js';
import { checkGraphConsistencySteps, graphVerdict } from './graph-consistency.js';
import { implausibleVector, NON_FINITE } from './vector-plausibility.js';
import { Level0Prescan, PICKLE_NOT_READ, visitPrescanSteps } from './level0-prescan.js';
import type { Arrive } from './pickle-cursor.js';
import { level0RowsProblem } from './level0-links.js';
import {
  DATA_LEVEL0_FILE,
  HEADER_FILE,
  LENGTH_FILE,
  LINK_LISTS_FILE,
  PICKLE_FILE,
  SEGMENT_FILES,
  listSegmentFolder,
  readHeaderFile,
  readRange,
  walkLinkListsSteps,
  type SegmentListing,
} from './segment-files.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { pauseFor, runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';

export { joinStandardIndex, writeStandardIndexFile } from './standard-index.js';

export interface CheckpointResult {
  /** docs/format.md §6.9 checks passed and a pickle with a non-empty id_to_label exists. */
  usable: boolean;
  header: HnswHeader | null;
  pickle: PickleSummary | null;
  files: FileEntry[];
  problems: Problem[];
  /** Legacy value from the pickle, for the caller's V fallback (docs/format.md §4.7). Null unless usable. */
  maxSeqId: number | null;
  /** Live ids → labels. Empty unless usable: an unusable checkpoint must be ignored entirely. */
  idToLabel: Map<string, number>;
  /** The inverse of idToLabel as read (empty unless usable); it does not follow later edits of idToLabel. */
  labelToId: LabelLookup;
  /** From the pickle when it decoded (informational even when not usable), else 0. */
  totalElementsAdded: number;
  deletedCount: number;
  /** Live labels' ORIGINAL vectors: cosine ones de-normalised with length.bin in float32. */
  vectors: Map<number, Float32Array>;
  /** Vectors exactly as in the index (unit-normalised for cosine). For l2/ip: the same Map as `vectors`. */
  storedVectors: Map<number, Float32Array>;
  /** Non-deleted graph labels missing from the pickle (docs/format.md §6.9 phantoms): an index built from the files must mark them deleted. */
  phantomLabels: number[];
  /** The highest label in the graph, deleted and phantom ones included (0 when none was read): a writer's new labels start above it. */
  maxGraphLabel: number;
  /**
   * Pickle labels whose vector is absent or cannot be trusted (not a live element, live twice,
   * non-finite or implausible values, a cosine vector that is not unit length or a bad norm).
   * Chroma loads such an index anyway; we keep the rest usable and never show these vectors:
   * their records count as having no vector (collection/vector-coverage.ts). Empty unless usable.
   */
  damagedLabels: Set<number>;
  /** Of those, the pickle labels that are not live elements (marked deleted or absent in the graph): a writer must not mark them deleted again. */
  deadLabels: Set<number>;
  /** link_lists.bin walked cleanly: the HNSW graph can be built from the files (exact search never needs it). */
  graphUsable: boolean;
  /** The pickle as decoded, for a later reader of the same segment (null if it did not decode). */
  decodedPickle: DecodedPickle | null;
  /** The segment files' stamp taken before the read that gave this result (readCheckpointSettled). */
  filesStamp?: string;
}

export interface HeaderOnlyResult {
  folderExists: boolean;
  files: FileEntry[];
  header: HnswHeader | null;
  pickle: PickleSummary | null;
  /** A pickle with a non-empty id_to_label exists (the full docs/format.md §6.9 checks are not run here). */
  hasCheckpoint: boolean;
  problems: Problem[];
  /**
   * The decoded pickle, for a reader that only looks ids up in it (the grid's embedding previews):
   * decoding a million-entry pickle takes most of a second, and the overview already did it.
   */
  indexMetadata: IndexMetadata | null;
  /** indexMetadata with its file's stamp, to hand on (see DecodedPickle). */
  decodedPickle: DecodedPickle | null;
}

/** Issues found while reading, each tied to a file of the segment. */
class Problems {
  readonly list: Problem[] = [];
  constructor(private readonly segment: string) {}

  add(severity: Problem['severity'], code: string, file: string | null, message: string): void {
    const rel = file === null ? this.segment : `${this.segment}/${file}`;
    this.list.push({ severity, code, message: `${rel}: ${message}`, file: rel, segmentId: this.segment });
  }

  /** For an InspectorError whose message already names the file: kept verbatim. */
  addError(severity: Problem['severity'], code: string, file: string, err: InspectorError): void {
    this.list.push({ severity, code, message: err.message, file: `${this.segment}/${file}`, segmentId: this.segment });
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

const IGNORED = 'Chroma ignores the .bin files and replays the whole WAL';

/** Labels a whole-index loop visits between two pauses of the steps (util/steps.ts). */
const STEP_MASK = (1 << 16) - 1;

type PickleState = { kind: 'absent' } | { kind: 'corrupt' } | { kind: 'ok'; meta: IndexMetadata; stamp: string };

/**
 * A decoded index_metadata.pickle and the size and modification time of the file it came from:
 * one reader hands it to the next (overview → first query → vector load) while the file is
 * unchanged, since decoding it is seconds at millions of ids. Its maps must not have been edited.
 */
export interface DecodedPickle {
  meta: IndexMetadata;
  stamp: string;
}

/** A file's version tag (size and mtime) and its size, from one stat. */
function fileStamp(file: string): { stamp: string; size: number } {
  const st = fs.statSync(file, { bigint: true });
  return { stamp: `${st.size}:${st.mtimeNs}`, size: Number(st.size) };
}

function* loadPickle(
  dir: string,
  seg: string,
  listing: SegmentListing,
  problems: Problems,
  decoded?: DecodedPickle | null,
  /** The file's bytes as a pre-scan worker reads them, and its stamp from before that read began. */
  prefetched?: { stamp: string; bytes: () => { buf: Buffer; arrive: Arrive } | null } | null,
): Steps<PickleState> {
  if (!listing.sizes.has(PICKLE_FILE)) return { kind: 'absent' };
  try {
    const file = path.join(dir, PICKLE_FILE);
    // Stamped before reading: a write in between makes the next reader decode it again.
    const { stamp } = fileStamp(file);
    if (decoded && decoded.stamp === stamp) return { kind: 'ok', meta: decoded.meta, stamp };
    // Bytes read after a stamp that still holds are the file as stamped.
    const rel = `${seg}/${PICKLE_FILE}`;
    const arriving = prefetched?.stamp === stamp ? prefetched.bytes() : null;
    if (arriving) {
      try {
        // Decoded behind the pre-scan's read, chunk by chunk as it arrives.
        return { kind: 'ok', meta: yield* readIndexMetadataSteps(arriving.buf, rel, arriving.arrive), stamp };
      } catch (err) {
        if (err !== PICKLE_NOT_READ) throw err;
      }
    }
    const reading = chunkedFileRead(file);
    try {
      return { kind: 'ok', meta: yield* readIndexMetadataSteps(reading.buf, rel, reading.arrive), stamp };
    } finally {
      reading.close();
    }
  } catch (err) {
    if (!(err instanceof InspectorError)) throw err;
    problems.addError('error', 'pickle.corrupt', PICKLE_FILE, err);
    return { kind: 'corrupt' };
  }
}

/** Parses header.bin, reporting rather than throwing. `severity` is lower when the files are ignored anyway. */
function loadHeader(
  dir: string,
  seg: string,
  listing: SegmentListing,
  problems: Problems,
  severity: Problem['severity'],
): HnswHeader | null {
  if (!listing.sizes.has(HEADER_FILE)) {
    problems.add(severity, 'hnsw.missing-file', HEADER_FILE, 'file is missing');
    return null;
  }
  try {
    return readHeaderFile(dir, `${seg}/${HEADER_FILE}`);
  } catch (err) {
    if (!(err instanceof InspectorError)) throw err;
    problems.addError(severity, 'hnsw.bad-header', HEADER_FILE, err);
    return null;
  }
}

/** Size checks that need only stat(): data_level0 (and length.bin for cosine) must cover cur elements. */
function checkSizes(
  listing: SegmentListing,
  header: HnswHeader,
  problems: Problems,
  severity: Problem['severity'],
  space: Space | null,
): void {
  const need = (file: typeof DATA_LEVEL0_FILE | typeof LENGTH_FILE, bytes: number, what: string) => {
    const size = listing.sizes.get(file);
    if (size === undefined) problems.add(severity, 'hnsw.missing-file', file, 'file is missing');
    else if (size < bytes) problems.add(severity, 'hnsw.truncated', file, `${size} bytes, but ${what} need ${bytes}`);
  };
  const cur = header.curElementCount;
  need(DATA_LEVEL0_FILE, cur * header.sizeDataPerElement, `${cur} elements × ${header.sizeDataPerElement} bytes`);
  // Chroma writes whole elements, up to cur (Rust 1.x) or max_elements (the fork's init) of them:
  // any other size says the file was written for another header (another index, or a torn copy).
  const level0 = listing.sizes.get(DATA_LEVEL0_FILE);
  const size = header.sizeDataPerElement;
  if (level0 !== undefined && level0 >= cur * size) {
    const fits = `elements of ${size} bytes, ${cur} in use, capacity ${header.maxElements}`;
    if (level0 > Math.max(header.maxElements, cur) * size) {
      // No writer makes the file longer than the capacity its own header records.
      const msg = `${level0} bytes are more than header.bin's capacity allows (${fits}): the file belongs to another index (another folder or collection)`;
      problems.add(severity, 'hnsw.size-mismatch', DATA_LEVEL0_FILE, msg);
    } else if (level0 % size !== 0) {
      const msg = `${level0} bytes are not a whole number of elements (${fits}): a torn write, or a file from another index`;
      problems.add(severity === 'error' ? 'warning' : severity, 'hnsw.size-mismatch', DATA_LEVEL0_FILE, msg);
    }
  }
  if (space === 'cosine') {
    const bytes = listing.sizes.get(LENGTH_FILE);
    if (bytes === undefined) problems.add(severity, 'hnsw.missing-file', LENGTH_FILE, 'file is missing');
    else if (bytes < cur * 4) {
      // Chroma loads the norms that are there (and garbage for the rest): only the elements past
      // the end lose their original vector, and they are named as damaged after the scan.
      const msg = `${bytes} bytes, but ${cur} cosine norms × 4 bytes need ${cur * 4}: elements from ${Math.floor(bytes / 4)} on have no norm`;
      problems.add(severity === 'error' ? 'warning' : severity, 'hnsw.truncated', LENGTH_FILE, msg);
    }
  }
  else if (space !== null && !listing.sizes.has(LENGTH_FILE)) {
    problems.add('warning', 'hnsw.missing-file', LENGTH_FILE, 'file is missing (unused for this space)');
  }
  if (!listing.sizes.has(LINK_LISTS_FILE)) problems.add(severity, 'hnsw.missing-file', LINK_LISTS_FILE, 'file is missing');
}

function reportListing(listing: SegmentListing, problems: Problems): void {
  for (const name of listing.notFiles) problems.add('warning', 'hnsw.not-a-file', name, 'exists but is not a regular file');
  for (const name of listing.strayFiles) {
    problems.add('info', 'hnsw.unexpected-file', name, 'is not a file Chroma writes; ignored');
  }
}

function emptyResult(files: FileEntry[], problems: Problem[]): CheckpointResult {
  return {
    usable: false, header: null, pickle: null, files, problems, maxSeqId: null, idToLabel: new Map(), labelToId: new Map(),
    totalElementsAdded: 0, deletedCount: 0, vectors: new Map(), storedVectors: new Map(), phantomLabels: [], maxGraphLabel: 0,
    damagedLabels: new Set(), deadLabels: new Set(), graphUsable: false, decodedPickle: null,
  };
}

/**
 * Reads a vector segment checkpoint read-only and decides whether Chroma would use it (docs/format.md §4.7,
 * docs/format.md §6.9). Damage is reported in `problems`, never thrown; only unexpected I/O errors throw.
 * `folderAbsPath` is the Chroma folder; `segmentRelName` the segment sub-folder name.
 */
export interface CheckpointOptions {
  space: Space;
  /** The pickle an earlier reader decoded, used if its file is unchanged (see DecodedPickle). */
  pickle?: DecodedPickle | null;
  /**
   * The caller keeps the decoded id map (a first query's checks, for the load that follows; a
   * vector load): its ids move out of the pickle's buffer in idle slices (compactInIdleSlices),
   * a load's from the decode on, a labels-only reader's once its settled read ends (between the
   * checks' slices, they lengthened a first query by 10–20 ms at 100,000 ids).
   */
  keepsIdMap?: boolean;
  /**
   * Work of the caller's own to do while a worker finishes the pass over data_level0.bin (a
   * labels-only sink's, level0-prescan.ts): run once, as steps of its own, just before waiting
   * for it, if there is one.
   */
  whileScanning?: () => Steps<void> | void;
  /**
   * Receives each live element's stored vector (and its cosine norm) during the scan, instead of
   * the result holding copies in `vectors`/`storedVectors`: large segments are loaded straight
   * into the caller's storage. The caller drops `phantomLabels` afterwards, and discards
   * everything if the result is not usable.
   */
  sink?: {
    /** Called once, before any vector, with the number of elements to expect. */
    reserve?(elements: number): void;
    /** A stored vector in place in the read buffer (little-endian float32 at `offset`), of element `internalId`. */
    vector(label: number, buf: Buffer, offset: number, norm: number | null, internalId: number): void;
    /** link_lists.bin once walked cleanly, with where each element's upper blocks start (walkLinkLists). */
    linkLists?(buf: Buffer, upperAt: Int32Array): void;
    /** Each chunk of data_level0.bin as read (elements firstId… of `header`), e.g. to take the graph's links in the same pass. */
    chunk?(buf: Buffer, firstId: number, count: number, header: HnswHeader): void;
    /**
     * The sink keeps no vector: vector() is told which elements are live and sound, and its
     * `buf` may be empty and its `norm` null. The pass over data_level0.bin can then run in a
     * worker thread while the pickle decodes (level0-prescan.ts), unless the sink also takes
     * each chunk.
     */
    labelsOnly?: boolean;
    /** After the scan: the first level-0 row that breaks the header's bounds (level0RowsProblem), or null. */
    rows?(problem: string | null): void;
  };
}

/** A sink that keeps nothing: for callers that only need the checks and the maps. */
export const DISCARD_VECTORS: NonNullable<CheckpointOptions['sink']> = { vector: () => {} };

export function readCheckpoint(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions): CheckpointResult {
  return runSteps(readCheckpointOnce(folderAbsPath, segmentRelName, opts));
}

/**
 * readCheckpoint for a caller whose thread serves others meanwhile (a writer's persist, an
 * embedded client's first query): the same reads and checks, giving the thread back about every
 * 20 ms and while a pre-scan worker works (util/steps.ts). The segment's files must not change
 * until it ends; stops with CANCELLED once `slice.signal` is aborted.
 */
export function readCheckpointSliced(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions, slice: SliceOptions = {}): Promise<CheckpointResult> {
  return runStepsSliced(readCheckpointOnce(folderAbsPath, segmentRelName, opts), slice);
}

function* readCheckpointOnce(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions): Steps<CheckpointResult> {
  const prescan = startPrescan(folderAbsPath, segmentRelName, opts);
  try {
    return yield* readCheckpointSteps(folderAbsPath, segmentRelName, opts, prescan);
  } finally {
    prescan?.close();
  }
}

/**
 * For a labels-only sink, the pass over data_level0.bin starts in a worker before anything else
 * is read, so it overlaps the pickle's decode. The header is peeked here; readCheckpointWith
 * reads and checks it again, reporting any problem in its usual place.
 */
function startPrescan(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions): Level0Prescan | null {
  const sink = opts.sink;
  if (!sink?.labelsOnly || sink.chunk) return null;
  const dir = path.join(folderAbsPath, segmentRelName);
  let header: HnswHeader;
  try {
    header = readHeaderFile(dir, `${segmentRelName}/${HEADER_FILE}`);
  } catch {
    return null;
  }
  const lengthFile = path.join(dir, LENGTH_FILE);
  const withNorms = opts.space === 'cosine' && fs.existsSync(lengthFile);
  // The worker reads the pickle first, unless an earlier reader's decode of it still holds.
  const pickleFile = path.join(dir, PICKLE_FILE);
  let pickle: { file: string; size: number; stamp: string } | null = null;
  try {
    const { stamp, size } = fileStamp(pickleFile);
    if (opts.pickle?.stamp !== stamp) pickle = { file: pickleFile, size, stamp };
  } catch {
    // No pickle: loadPickle reports it.
  }
  // Then link_lists.bin, when there is one to walk.
  const linksFile = path.join(dir, LINK_LISTS_FILE);
  let links: { file: string; size: number } | null = null;
  try {
    links = { file: linksFile, size: fs.statSync(linksFile).size };
  } catch {
    // None: readCheckpointWith reports it.
  }
  return Level0Prescan.start(path.join(dir, DATA_LEVEL0_FILE), withNorms ? lengthFile : null, header, opts.space === 'cosine', pickle, links, { graphSpace: opts.space });
}

function* readCheckpointSteps(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions, started: Level0Prescan | null): Steps<CheckpointResult> {
  let prescan = started;
  const dir = path.join(folderAbsPath, segmentRelName);
  const problems = new Problems(segmentRelName);
  const listing = listSegmentFolder(folderAbsPath, segmentRelName);
  const result = emptyResult(listing.files, problems.list);
  if (!listing.folderExists) {
    problems.add('info', 'hnsw.missing-folder', null, 'segment folder does not exist; all vectors come from the WAL');
    return result;
  }
  reportListing(listing, problems);

  const prefetched = started?.pickleStamp ? { stamp: started.pickleStamp, bytes: () => started.pickleBytes() } : null;
  const pickle = yield* loadPickle(dir, segmentRelName, listing, problems, opts.pickle, prefetched);
  if (pickle.kind === 'ok') result.decodedPickle = { meta: pickle.meta, stamp: pickle.stamp };
  // A load's map is compacted from here on (done before the load's collections make its peak); a
  // labels-only reader's once its checks end (readCheckpointSettledSteps), not between them.
  if (pickle.kind === 'ok' && opts.keepsIdMap && !opts.sink?.labelsOnly) compactInIdleSlices(pickle.meta.idToLabel);
  if (pickle.kind !== 'ok' || pickle.meta.idToLabel.size === 0) {
    // Chroma ignores the .bin files then, so their state is only informative.
    if (pickle.kind === 'absent') {
      problems.add('info', 'hnsw.no-checkpoint', PICKLE_FILE, `absent: ${IGNORED}`);
    } else if (pickle.kind === 'ok') {
      result.pickle = pickle.meta.summary;
      problems.add('info', 'hnsw.no-checkpoint', PICKLE_FILE, `id_to_label is empty: ${IGNORED}`);
    }
    result.header = loadHeader(dir, segmentRelName, listing, problems, 'info');
    if (result.header) checkSizes(listing, result.header, problems, 'info', null);
    return result;
  }

  const meta = pickle.meta;
  result.pickle = meta.summary;
  result.totalElementsAdded = meta.totalElementsAdded;
  const header = loadHeader(dir, segmentRelName, listing, problems, 'error');
  result.header = header;
  if (!header) return result;
  if (prescan && !prescan.fits(header)) {
    // header.bin changed since the worker began: its answers are for another layout.
    prescan.close();
    prescan = null;
  }
  checkSizes(listing, header, problems, 'error', opts.space);
  if (meta.dimensionality !== null && meta.dimensionality !== header.dim) {
    const msg = `dimensionality is ${meta.dimensionality} but header.bin says ${header.dim}`;
    problems.add('error', 'hnsw.dimension-mismatch', PICKLE_FILE, msg);
  }
  if (listing.sizes.has(LINK_LISTS_FILE)) {
    try {
      const rel = `${segmentRelName}/${LINK_LISTS_FILE}`;
      // The worker's read and walk when it made them cleanly; otherwise this thread's, which names any damage.
      const walked = prescan ? yield* prescan.linkListsSteps() : null;
      const linkLists = walked?.buf ?? fs.readFileSync(path.join(dir, LINK_LISTS_FILE));
      const upperAt = opts.sink?.linkLists ? (walked?.upperAt ?? new Int32Array(header.curElementCount)) : undefined;
      const used = walked ? walked.used : yield* walkLinkListsSteps(linkLists, header, rel, upperAt);
      result.graphUsable = true;
      if (upperAt) opts.sink!.linkLists!(linkLists, upperAt);
      if (used < linkLists.length) {
        const msg = `${linkLists.length - used} bytes after the last link list are ignored`;
        problems.add('info', 'hnsw.trailing-bytes', LINK_LISTS_FILE, msg);
      }
    } catch (err) {
      if (!(err instanceof InspectorError)) throw err;
      // The graph only steers the search; every vector and label lives in data_level0.bin, so an
      // exact search over them still gives the undamaged answer (Chroma's graph walk may not).
      const code = typeof err.details?.problem === 'string' ? err.details.problem : 'hnsw.bad-link-lists';
      problems.list.push({
        severity: 'warning',
        code,
        message: `${err.message} (the HNSW graph is unusable; queries search the vectors exactly)`,
        file: `${segmentRelName}/${LINK_LISTS_FILE}`,
        segmentId: segmentRelName,
      });
    }
  }
  if (problems.hasErrors) return result;
  yield;

  // Vectors swapped in from another index with the same layout keep every label; only the graph,
  // built from the real vectors, gives them away.
  // Taken by the addon's thread while the pickle decoded, where it could; else here.
  const sampled = prescan ? yield* prescan.graphSampleSteps() : null;
  const graphCheck = sampled ? graphVerdict(sampled.wins, sampled.total) : yield* checkGraphConsistencySteps(path.join(dir, DATA_LEVEL0_FILE), header, opts.space);
  if (!graphCheck.consistent) {
    const msg =
      `its vectors do not fit its own HNSW graph (a neighbour is nearer than an arbitrary element in only ` +
      `${Math.round(100 * (graphCheck.neighbourWins ?? 0))}% of sampled pairs, against over 90% in a sound index): ` +
      'the vectors were replaced, e.g. by a file from another index';
    problems.add('error', 'hnsw.graph-mismatch', DATA_LEVEL0_FILE, msg);
    return result;
  }

  const sink = opts.sink;
  sink?.reserve?.(header.curElementCount);
  const withNorms = opts.space === 'cosine' && listing.sizes.has(LENGTH_FILE);
  let norms: Float32Array | null = null;
  const readNorms = () => (norms = floatsOf(readRange(path.join(dir, LENGTH_FILE), 0, header.curElementCount * 4)));
  const labelToId = meta.labelToId;
  const stored = new Map<number, Float32Array>();
  const vectors = withNorms ? new Map<number, Float32Array>() : stored;
  // Vectors that fail the plausibility checks are kept out of the result (and the sink).
  const implausible = new Map<number, string>();
  let nonFinite = 0;
  const plausible = (label: number, buf: Buffer, offset: number, norm: number | null): boolean => {
    const why = implausibleVector(buf, offset, header.dim, opts.space, norm);
    if (why === null) return true;
    if (why === NON_FINITE) return ++nonFinite > 0;
    if (!implausible.has(label)) implausible.set(label, why);
    return false;
  };
  // Labels the pickle holds fit a typed table; graph labels beyond it (phantoms) go to a Map.
  const labelBound = Math.min(meta.totalElementsAdded, Math.max(16 * header.curElementCount, 1 << 20)) + 1;
  const dataFile = path.join(dir, DATA_LEVEL0_FILE);
  const progress = sink?.labelsOnly ? `Checking the vectors of ${segmentRelName}` : `Loading the vectors of ${segmentRelName}`;
  // Phantom labels (in the graph, not in the pickle) never reach the sink: they are ignored
  // anyway, and a damaged one can be any u64, which must not size the caller's storage.
  const visit = (label: number, id: number, buf: Buffer, offset: number) => {
    if (!labelToId.has(label)) return;
    const norm = norms ? normAt(norms, id) : null;
    if (!plausible(label, buf, offset, norm)) return;
    if (sink) {
      sink.vector(label, buf, offset, norm, id);
      return;
    }
    const v = copyVector(buf, offset, header.dim);
    stored.set(label, v);
    if (norm !== null) vectors.set(label, denormalize(v, norm));
  };
  if (prescan && opts.whileScanning) {
    const steps = opts.whileScanning();
    if (steps) yield* steps;
    yield;
  }
  const found = prescan ? yield* prescan.finishSteps(progress) : null;
  if (withNorms && !found) readNorms();
  let rowProblem: string | null = null;
  const scan = found
    ? yield* visitPrescanSteps(found, labelBound, (label, id, quick) => {
        if (!labelToId.has(label)) return;
        // A quick yes is implausibleVector's null; any other vector is checked exactly, from the
        // file (and with its norm: length.bin is read only then).
        if (quick) sink!.vector(label, NO_BYTES, 0, null, id);
        else {
          if (withNorms && !norms) readNorms();
          visit(label, id, readVectorOf(dataFile, header, id), 0);
        }
      })
    : yield* scanLevel0LabelsSteps(dataFile, header, labelBound, visit, progress, (buf, firstId, count) => {
        sink?.chunk?.(buf, firstId, count, header);
        if (sink?.rows) rowProblem ??= level0RowsProblem(buf, firstId, count, header);
      });
  yield;
  if (found) rowProblem = found.rowProblem;
  sink?.rows?.(rowProblem);
  result.deletedCount = scan.deletedCount;
  // From here on, damage is per label: Chroma would load the index, so we keep every vector that
  // is sound and name the labels that are not (their records then have no vector, loudly).
  const damaged = new Set<number>();
  const dead = yield* checkLabels(meta, scan.liveLabels, scan.deletedLabels, problems, damaged);
  for (const d of scan.duplicates) damaged.add(d.label);
  // Examples by label, not internal id (which a parallel build assigns in no fixed order).
  for (const d of [...scan.duplicates].sort((x, y) => x.label - y.label).slice(0, 3)) {
    const msg = `label ${d.label} is live at internal ids ${d.first} and ${d.second}; its vector is ambiguous and not used`;
    problems.add('error', 'hnsw.duplicate-labels', DATA_LEVEL0_FILE, msg);
  }
  if (implausible.size > 0) {
    for (const label of implausible.keys()) damaged.add(label);
    const sample = [...implausible].sort((x, y) => x[0] - y[0]).slice(0, 3).map(([label, why]) => `label ${label} (${JSON.stringify(labelToId.get(label))}): ${why}`);
    const file = withNorms && [...implausible.values()].every((why) => why.startsWith('norm')) ? LENGTH_FILE : DATA_LEVEL0_FILE;
    problems.add('error', 'hnsw.damaged-vectors', file, `${implausible.size} vector(s) are damaged and not used: ${sample.join('; ')}`);
  }
  if (nonFinite > 0) {
    const msg = `${nonFinite} vector(s) have NaN or infinite components: Chroma can never rank them, and neither do we`;
    problems.add('warning', 'hnsw.non-finite-vectors', DATA_LEVEL0_FILE, msg);
  }
  const phantoms: number[] = [];
  let unmapped = 0;
  let maxLabel = 0;
  for (const label of scan.deletedLabels) maxLabel = Math.max(maxLabel, label);
  let visited = 0;
  for (const label of scan.liveLabels.keys()) {
    if ((++visited & STEP_MASK) === 0) yield;
    maxLabel = Math.max(maxLabel, label);
    if (labelToId.has(label)) continue;
    phantoms.push(label);
    if (label <= meta.totalElementsAdded) unmapped++;
  }
  result.phantomLabels = phantoms;
  result.maxGraphLabel = maxLabel;
  reportImplausibleLabels(phantoms, meta.totalElementsAdded, header.curElementCount, problems);
  if (unmapped > 0) {
    // A persist race only leaves labels newer than the pickle; older ones the pickle dropped
    // (deleted ids) are marked deleted in a matching file. Live ones suggest another index's file.
    const msg =
      `${unmapped} live element(s) carry labels the pickle handed out and no longer maps ` +
      `(at most total_elements_added ${meta.totalElementsAdded}): the file may not belong to this index; they are ignored`;
    problems.add('warning', 'hnsw.unmapped-labels', DATA_LEVEL0_FILE, msg);
  }
  if (phantoms.length > unmapped) {
    // Persist writes the .bin files first and the pickle second; a crash in between leaves these.
    const msg =
      `${phantoms.length - unmapped} live element(s) are not in the pickle and are ignored ` +
      `(e.g. label ${lowestAbove(phantoms, meta.totalElementsAdded)}); the .bin files were persisted without the pickle catching up`;
    problems.add('info', 'hnsw.phantom-labels', DATA_LEVEL0_FILE, msg);
  }
  result.damagedLabels = damaged;
  result.deadLabels = dead;

  // With a sink the caller took the vectors as they streamed by.
  if (!sink) {
    result.vectors = vectors;
    result.storedVectors = stored;
  }
  result.usable = true;
  result.idToLabel = meta.idToLabel;
  result.labelToId = meta.labelToId;
  result.maxSeqId = meta.maxSeqId;
  return result;
}

/** How often, and how long apart, a damaged-looking checkpoint is read again while its files change. */
const SETTLE_ATTEMPTS = 5;
const SETTLE_WAIT_MS = 60;

/** Sizes and modification times of the segment's files: any change means a writer is at work. */
export function segmentFilesStamp(folderAbsPath: string, segmentRelName: string): string {
  const dir = path.join(folderAbsPath, segmentRelName);
  return SEGMENT_FILES.map((name) => {
    try {
      const st = fs.statSync(path.join(dir, name), { bigint: true });
      return `${name}:${st.size}:${st.mtimeNs}`;
    } catch {
      return `${name}:-`;
    }
  }).join('|');
}

/**
 * readCheckpoint, but a checkpoint that looks damaged while its files are changing is read again:
 * a running Chroma persists header, level 0, norms, links and pickle one after another, and a
 * read in between sees a torn checkpoint that is sound a moment later. Damage that stays put
 * costs one short wait; damage that keeps moving is reported as found on the last attempt.
 */
export function readCheckpointSettled(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions): CheckpointResult {
  return runSteps(readCheckpointSettledSteps(folderAbsPath, segmentRelName, opts));
}

/** readCheckpointSettled as steps (util/steps.ts): the wait between two reads is a pause. */
export function* readCheckpointSettledSteps(folderAbsPath: string, segmentRelName: string, opts: CheckpointOptions): Steps<CheckpointResult> {
  let before = segmentFilesStamp(folderAbsPath, segmentRelName);
  let result = yield* readCheckpointOnce(folderAbsPath, segmentRelName, opts);
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    const damaged = result.problems.some((p) => p.severity === 'error');
    if (!damaged) break;
    yield pauseFor(SETTLE_WAIT_MS);
    const now = segmentFilesStamp(folderAbsPath, segmentRelName);
    if (now === before) break;
    before = now;
    result = yield* readCheckpointOnce(folderAbsPath, segmentRelName, { ...opts, pickle: null });
  }
  result.filesStamp = before;
  // Only the read kept is compacted (a first query's checks keep its map for the vector load).
  if (opts.keepsIdMap && opts.sink?.labelsOnly && result.decodedPickle) compactInIdleSlices(result.decodedPickle.meta.idToLabel);
  return result;
}

/** The lowest of `labels` above `bound` (an example that does not depend on internal-id order). */
function lowestAbove(labels: number[], bound: number): number | undefined {
  let lowest: number | undefined;
  for (const l of labels) if (l > bound && (lowest === undefined || l < lowest)) lowest = l;
  return lowest;
}

/**
 * Chroma numbers labels 1, 2, 3… (total_elements_added is the last one given). A graph label far
 * past that (more than one file's worth of elements) cannot come from a persist that raced the
 * pickle: the element's bytes are damaged. Reported on its own so it is not mistaken for an
 * ordinary phantom; the vector is ignored either way.
 */
function reportImplausibleLabels(phantoms: number[], totalElementsAdded: number, curElementCount: number, problems: Problems): void {
  const limit = totalElementsAdded + curElementCount;
  const bad = phantoms.filter((l) => l > limit);
  if (bad.length === 0) return;
  const msg =
    `${bad.length} live element(s) carry a label no Chroma persist could have written ` +
    `(e.g. ${[...bad].sort((a, b) => a - b).slice(0, 3).join(', ')}; total_elements_added is ${totalElementsAdded}): the file is damaged`;
  problems.add('warning', 'hnsw.bad-label', DATA_LEVEL0_FILE, msg);
}

/** docs/format.md §6.9: every pickle label must be a live element of data_level0; the others go to `damaged`. */
/** Marks the pickle labels that are not live elements damaged, says so, and returns them. */
function* checkLabels(meta: IndexMetadata, live: LiveLabels, deleted: Set<number>, problems: Problems, damaged: Set<number>): Steps<Set<number>> {
  // The examples are the lowest labels, not the first in the pickle's order (Rust's hash order).
  const lowest = new LowestK<number>(3);
  const dead = new Set<number>();
  let count = 0;
  const visit = (label: number) => {
    count++;
    damaged.add(label);
    dead.add(label);
    lowest.offer(label, label);
  };
  if (meta.labelToId instanceof DenseLabelIds) {
    const labels = meta.labelToId.labelArray();
    for (let i = 0; i < labels.length; i++) {
      if (!live.has(labels[i]!)) visit(labels[i]!);
      if ((i & STEP_MASK) === STEP_MASK) yield;
    }
  } else {
    for (const [label] of meta.labelToId) if (!live.has(label)) visit(label);
  }
  if (count > 0) {
    const bad = lowest.items().map((label) => `label ${label} (${JSON.stringify(meta.labelToId.get(label))}) is ${deleted.has(label) ? 'marked deleted' : 'absent'}`);
    const msg = `${count} of ${meta.labelToId.size} pickle label(s) are not live elements, so their records have no vector: ${bad.join('; ')}`;
    problems.add('error', 'hnsw.missing-labels', DATA_LEVEL0_FILE, msg);
  }
  return dead;
}

/** Element `id`'s stored vector, read from the file on its own. */
function readVectorOf(dataFile: string, header: HnswHeader, id: number): Buffer {
  const bytes = readRange(dataFile, id * header.sizeDataPerElement + header.offsetData, header.dim * 4);
  if (bytes.length < header.dim * 4) throw new Error(`${dataFile}: file shrank while being read (at element ${id})`);
  return bytes;
}

/** What a labels-only sink is given for a vector it never reads. */
const NO_BYTES = Buffer.alloc(0);

/** An element's cosine norm, NaN past the end of a short length.bin (which then marks it damaged). */
function normAt(norms: Float32Array, id: number): number {
  return id < norms.length ? norms[id]! : Number.NaN;
}

/** length.bin's whole little-endian float32s (a trailing partial one is dropped), as one typed array. */
function floatsOf(bytes: Buffer): Float32Array {
  const n = bytes.length >> 2;
  if (HOST_IS_LITTLE_ENDIAN) {
    return bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, n)
      : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 4));
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * Cheap overview: header, file sizes and the pickle summary, without scanning data_level0 or
 * walking link_lists. Problems are limited to what those show.
 */
export function readHeaderOnly(folderAbsPath: string, segmentRelName: string, opts: { keepsIdMap?: boolean } = {}): HeaderOnlyResult {
  return runSteps(readHeaderOnlySteps(folderAbsPath, segmentRelName, opts));
}

/** readHeaderOnly as steps that pause while the pickle decodes (util/steps.ts). `keepsIdMap`: as readCheckpoint's. */
export function* readHeaderOnlySteps(folderAbsPath: string, segmentRelName: string, opts: { keepsIdMap?: boolean } = {}): Steps<HeaderOnlyResult> {
  const dir = path.join(folderAbsPath, segmentRelName);
  const problems = new Problems(segmentRelName);
  const listing = listSegmentFolder(folderAbsPath, segmentRelName);
  const out: HeaderOnlyResult = {
    folderExists: listing.folderExists,
    files: listing.files,
    header: null,
    pickle: null,
    hasCheckpoint: false,
    problems: problems.list,
    indexMetadata: null,
    decodedPickle: null,
  };
  if (!listing.folderExists) {
    problems.add('info', 'hnsw.missing-folder', null, 'segment folder does not exist; all vectors come from the WAL');
    return out;
  }
  reportListing(listing, problems);
  const pickle = yield* loadPickle(dir, segmentRelName, listing, problems);
  if (pickle.kind === 'ok') {
    out.pickle = pickle.meta.summary;
    out.indexMetadata = pickle.meta;
    out.decodedPickle = { meta: pickle.meta, stamp: pickle.stamp };
    if (opts.keepsIdMap) compactInIdleSlices(pickle.meta.idToLabel);
  }
  out.hasCheckpoint = pickle.kind === 'ok' && pickle.meta.idToLabel.size > 0;
  const severity = out.hasCheckpoint ? 'error' : 'info';
  out.header = loadHeader(dir, segmentRelName, listing, problems, severity);
  if (out.header) checkSizes(listing, out.header, problems, severity, null);
  return out;
}
