import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader, Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { implausibleVector, NON_FINITE } from '../hnsw/vector-plausibility.js';
import { readIndexMetadata } from '../hnsw/index-metadata-fast.js';
import { isDeletedAt, labelAt, walkElements } from '../hnsw/level0-scan.js';
import { DATA_LEVEL0_FILE, LENGTH_FILE, PICKLE_FILE, readHeaderFile } from '../hnsw/segment-files.js';
import type { CollectionReader } from './collection-reader.js';

/** Elements read on each side of a page's guessed positions before falling back to a full label table. */
const WINDOW = 8192;
/** A page whose guessed positions spread wider than this is looked up in the full table at once. */
const MAX_SPREAD = 65_536;
/** How much of the window one read takes. */
const PREVIEW_CHUNK_BYTES = 1 << 20;

/**
 * The leading components of a few records' vectors, read straight from the checkpoint files, so a
 * grid page can show its embedding preview without loading every vector (seconds and gigabytes
 * at millions of records). Only what the full load would show is shown:
 *
 * - a record's label comes from the pickle (ids stay bytes there, see PickleIdMap);
 * - its element is found by reading the label fields near label − 1 (Chroma inserts a batch in
 *   parallel, so a label lands within about a batch of that), or, failing that, in a label →
 *   element table built once from one pass over data_level0.bin;
 * - deleted elements and vectors the full load would reject (implausibleVector) have none;
 * - any record the WAL tail changed after the checkpoint, and any checkpoint with problems, make
 *   the caller load the vectors instead (`null`), so the answer is always the full load's.
 */
export class CheckpointPreview {
  private labelToElement: Int32Array | null = null;
  private scratch: Buffer | null = null;

  private constructor(
    private readonly segmentDir: string,
    private readonly header: HnswHeader,
    private readonly space: Space,
    private readonly idToLabel: ReadonlyMap<string, number>,
    /** No label the pickle hands out is above this (total_elements_added). */
    private readonly maxLabel: number,
    /** Ids the WAL tail touched after the checkpoint (their checkpoint vector may be stale). */
    private readonly tailIds: ReadonlySet<string>,
    private readonly window: number,
  ) {}

  /** The preview reader for a collection whose vectors are not loaded, or null when only a full load will do. */
  static open(reader: CollectionReader, opts: { window?: number } = {}): CheckpointPreview | null {
    const seg = reader.catalog.vectorSegment;
    const summary = reader.checkpointSummary();
    if (!seg || !summary?.hasCheckpoint || !summary.header || summary.problems.some((p) => p.severity !== 'info')) return null;
    if (summary.header.dim !== reader.dimension) return null;
    const segmentDir = path.join(reader.ctx.dir, seg.id);
    try {
      const header = readHeaderFile(segmentDir, `${seg.id}/header.bin`);
      // The overview decoded the pickle already (a preview only looks ids up in it).
      const meta = summary.indexMetadata ?? readIndexMetadata(fs.readFileSync(path.join(segmentDir, PICKLE_FILE)), `${seg.id}/${PICKLE_FILE}`);
      const tail = reader.ctx.db
        .prepare('SELECT id FROM embeddings_queue WHERE topic = ? AND seq_id > ?')
        .pluck()
        .all(reader.catalog.topic, reader.vectorSeq()) as string[];
      // A label table sized by a damaged total would be huge; such a file gets the full load.
      if (meta.totalElementsAdded > 16 * header.curElementCount + (1 << 20)) return null;
      return new CheckpointPreview(segmentDir, header, reader.params.space, meta.idToLabel, meta.totalElementsAdded, new Set(tail), opts.window ?? WINDOW);
    } catch (err) {
      if (err instanceof InspectorError || (err as NodeJS.ErrnoException).code) return null;
      throw err;
    }
  }

  /**
   * The first `n` components of each id's vector as the full load would give them (null: none),
   * or null when a full load is needed to answer.
   */
  previews(ids: readonly string[], n: number): Map<string, Float32Array | null> | null {
    const out = new Map<string, Float32Array | null>();
    const wanted = new Map<number, string>();
    for (const id of ids) {
      if (this.tailIds.has(id)) return null;
      const label = this.idToLabel.get(id);
      if (label === undefined) out.set(id, null);
      else wanted.set(label, id);
    }
    if (wanted.size === 0) return out;
    const elements = this.findElements([...wanted.keys()]);
    if (!elements) return null;
    const fd = fs.openSync(path.join(this.segmentDir, DATA_LEVEL0_FILE), 'r');
    const lengthFd = this.space === 'cosine' ? openIfPresent(path.join(this.segmentDir, LENGTH_FILE)) : null;
    try {
      const { sizeDataPerElement: size, offsetData, dim } = this.header;
      const element = Buffer.alloc(size);
      const normBuf = Buffer.alloc(4);
      for (const [label, id] of wanted) {
        const at = elements.get(label);
        if (at === undefined || fs.readSync(fd, element, 0, size, at * size) !== size) {
          out.set(id, null);
          continue;
        }
        let norm: number | null = null;
        if (this.space === 'cosine' && lengthFd !== null) {
          norm = fs.readSync(lengthFd, normBuf, 0, 4, at * 4) === 4 ? normBuf.readFloatLE(0) : Number.NaN;
        }
        const why = implausibleVector(element, offsetData, dim, this.space, norm);
        if (isDeletedAt(element, 0) || (why !== null && why !== NON_FINITE)) {
          out.set(id, null);
          continue;
        }
        const preview = new Float32Array(Math.min(n, dim));
        const scale = norm === null ? null : Math.fround(norm);
        for (let i = 0; i < preview.length; i++) {
          const v = element.readFloatLE(offsetData + 4 * i);
          preview[i] = scale === null ? v : Math.fround(v * scale);
        }
        out.set(id, preview);
      }
    } finally {
      fs.closeSync(fd);
      if (lengthFd !== null) fs.closeSync(lengthFd);
    }
    return out;
  }

  /** label → element for `labels`, from a window of label fields or the full table; null if a label is live twice. */
  private findElements(labels: number[]): Map<number, number> | null {
    if (this.labelToElement) return this.fromTable(labels);
    const cur = this.header.curElementCount;
    const lo = Math.max(0, Math.min(...labels) - 1 - this.window);
    const hi = Math.min(cur, Math.max(...labels) - 1 + this.window + 1);
    if (hi - lo > 2 * this.window + MAX_SPREAD || lo >= hi) return this.fromTable(labels);
    const want = new Set(labels);
    const found = new Map<number, number>();
    const { sizeDataPerElement: size, labelOffset } = this.header;
    // The window is ~10 MB of elements: read through one reused buffer, since fresh memory for
    // every page costs more (each new page faults in) than reading the window itself.
    const perChunk = Math.max(1, Math.floor(PREVIEW_CHUNK_BYTES / size));
    const buf = (this.scratch ??= Buffer.allocUnsafe(perChunk * size));
    const fd = fs.openSync(path.join(this.segmentDir, DATA_LEVEL0_FILE), 'r');
    try {
      for (let first = lo; first < hi; first += perChunk) {
        const count = Math.min(perChunk, hi - first);
        const got = fs.readSync(fd, buf, 0, count * size, first * size);
        for (let e = 0; (e + 1) * size <= got; e++) {
          const base = e * size;
          if (isDeletedAt(buf, base)) continue;
          const label = labelAt(buf, base, labelOffset);
          if (!want.has(label)) continue;
          if (found.has(label)) return null; // live twice: the full load rejects it, and names it
          found.set(label, first + e);
        }
        if (got < count * size) break;
      }
    } finally {
      fs.closeSync(fd);
    }
    // A label outside the window may still be live elsewhere: the full table decides.
    return found.size === want.size ? found : this.fromTable(labels);
  }

  private fromTable(labels: number[]): Map<number, number> | null {
    const table = (this.labelToElement ??= this.buildTable());
    const out = new Map<number, number>();
    for (const label of labels) {
      const e = label < table.length ? table[label]! : 0;
      if (e === -1) return null;
      if (e > 0) out.set(label, e - 1);
    }
    return out;
  }

  /** element + 1 by label for live elements (0 = none, −1 = live twice), from one pass over the labels. */
  private buildTable(): Int32Array {
    const max = this.maxLabel;
    const table = new Int32Array(max + 1);
    walkElements(path.join(this.segmentDir, DATA_LEVEL0_FILE), this.header, (id, label, deleted) => {
      if (deleted || label > max) return;
      table[label] = table[label] === 0 ? id + 1 : -1;
    }, 'Indexing the checkpoint labels');
    return table;
  }
}

function openIfPresent(file: string): number | null {
  try {
    return fs.openSync(file, 'r');
  } catch {
    return null;
  }
}

/**
 * The first `n` components of each record's vector for the grid (null: the record has none):
 * from the loaded vectors when they are loaded, else from the checkpoint files, else by loading
 * them — or, with `load` false, null instead of the load (the caller loads ahead in slices).
 */
export function embeddingPreviews(reader: CollectionReader, ids: readonly string[], n: number): Map<string, Float32Array | null>;
export function embeddingPreviews(reader: CollectionReader, ids: readonly string[], n: number, load: boolean): Map<string, Float32Array | null> | null;
export function embeddingPreviews(reader: CollectionReader, ids: readonly string[], n: number, load = true): Map<string, Float32Array | null> | null {
  if (!reader.vectorsLoaded) {
    const fromFiles = reader.checkpointPreview()?.previews(ids, n);
    if (fromFiles) return fromFiles;
    if (!load) return null;
  }
  const vectors = reader.vectors();
  const out = new Map<string, Float32Array | null>();
  for (const id of ids) {
    const label = vectors.idToLabel.get(id);
    const vec = label === undefined ? undefined : vectors.original(label);
    out.set(id, vec ? vec.subarray(0, n) : null);
  }
  return out;
}
