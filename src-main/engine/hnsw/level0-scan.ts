import fs from 'node:fs';
import type { HnswHeader } from '../../../shared/models.js';
import { reportLoad } from '../util/load-progress.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { runSteps, type Steps } from '../util/steps.js';
import { freshTyped } from '../util/huge-pages.js';

/**
 * One sequential pass over data_level0.bin's first cur_element_count elements (docs/format.md §6.2), in bounded
 * chunks, keeping only labels, deleted flags and the vectors the caller wants. Memory therefore
 * scales with the live vectors, not with the file (neighbour lists are most of each element).
 *
 * Streaming plan for very large segments: keep `liveLabels` (label → internal id) from this pass
 * and fetch vectors on demand with positioned reads at `id·size + offsetData` instead of copying
 * them all here; the scan itself already reads in chunks and never holds the whole file.
 */

/** Small enough to add little to peak memory (it is live beside everything loaded), big enough that reads stay few. */
const SCAN_CHUNK_BYTES = 2 * 1024 * 1024;
const DELETED_FLAG = 0x01;

/** Whether the element starting at `base` is marked deleted (docs/format.md §6.2). */
export function isDeletedAt(buf: Buffer, base: number): boolean {
  return (buf[base + 2]! & DELETED_FLAG) !== 0;
}

/** The element's u64 label (exact below 2^53, which every real label is). */
export function labelAt(buf: Buffer, base: number, labelOffset: number): number {
  const lo = base + labelOffset;
  return (buf[lo]! | (buf[lo + 1]! << 8) | (buf[lo + 2]! << 16)) + buf[lo + 3]! * 0x1000000 + buf.readUInt32LE(lo + 4) * 2 ** 32;
}


let viewed: { buf: Buffer; views: ChunkViews | null } | null = null;

/** A scan chunk's bytes as float32s and as u32s (same memory). */
export interface ChunkViews {
  floats: Float32Array;
  words: Uint32Array;
}

/**
 * Typed views of a 4-aligned buffer on a little-endian host, or null (read it with readFloatLE /
 * readUInt32LE then). Cached for the buffer last seen: the scans reuse one chunk for a whole file,
 * so a million elements share one pair of views.
 */
export function chunkViews(buf: Buffer): ChunkViews | null {
  if (viewed?.buf === buf) return viewed.views;
  const views =
    HOST_IS_LITTLE_ENDIAN && buf.byteOffset % 4 === 0
      ? { floats: new Float32Array(buf.buffer, buf.byteOffset, buf.length >> 2), words: new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2) }
      : null;
  viewed = { buf, views };
  return views;
}

export interface Level0Scan {
  deletedCount: number;
  /** Non-deleted label → internal id. */
  liveLabels: Map<number, number>;
  deletedLabels: Set<number>;
  /** A label on more than one live element: hnswlib's label lookup would keep only the last. */
  duplicates: { label: number; first: number; second: number }[];
  /** Vectors exactly as stored (unit-normalised for cosine), for the labels `want` accepted. */
  stored: Map<number, Float32Array>;
}

/** Receives a live element's stored vector in place (the buffer is reused: copy what you keep). */
export type Level0Sink = (label: number, internalId: number, buf: Buffer, vectorOffset: number) => void;

/**
 * Visits the first cur_element_count elements of data_level0.bin in bounded chunks: the one read
 * loop the scans (and the graph's link reader, graph-links.ts) share. `visit` gets the element's internal id, its u64 label (exact below 2^53,
 * which every real label is), whether it is marked deleted, and where it starts in the reused chunk.
 */
export function walkElements(...args: Parameters<typeof walkElementsSteps>): void {
  runSteps(walkElementsSteps(...args));
}

/** walkElements as steps (util/steps.ts): a pause after each chunk. */
export function* walkElementsSteps(
  absFile: string,
  header: HnswHeader,
  visit: (id: number, label: number, deleted: boolean, chunk: Buffer, base: number) => void,
  /** What the walk is for, reported as load progress (elements done of cur_element_count) when given. */
  progressMessage?: string,
  /** Sees each chunk once its elements were visited: for readers that take whole rows (the graph's links). */
  onChunk?: (chunk: Buffer, firstId: number, count: number) => void,
): Steps<void> {
  const { curElementCount: cur, sizeDataPerElement: size, labelOffset } = header;
  const perChunk = Math.max(1, Math.floor(SCAN_CHUNK_BYTES / size));
  const chunk = Buffer.allocUnsafe(Math.min(perChunk, Math.max(cur, 1)) * size);
  const fd = fs.openSync(absFile, 'r');
  try {
    for (let first = 0; first < cur; first += perChunk) {
      const count = Math.min(perChunk, cur - first);
      const bytes = count * size;
      let done = 0;
      while (done < bytes) {
        const n = fs.readSync(fd, chunk, done, bytes - done, first * size + done);
        if (n === 0) throw new Error(`${absFile}: file shrank while being read (at element ${first})`);
        done += n;
      }
      for (let j = 0; j < count; j++) {
        const base = j * size;
        visit(first + j, labelAt(chunk, base, labelOffset), isDeletedAt(chunk, base), chunk, base);
      }
      onChunk?.(chunk, first, count);
      if (progressMessage) reportLoad(first + count, cur, progressMessage);
      yield;
    }
  } finally {
    fs.closeSync(fd);
    // The views cache must not keep the chunk alive after the walk.
    if (viewed?.buf === chunk) viewed = null;
  }
}

export function scanLevel0(absFile: string, header: HnswHeader, want: (label: number) => boolean, sink?: Level0Sink): Level0Scan {
  const { offsetData, dim } = header;
  const scan: Level0Scan = { deletedCount: 0, liveLabels: new Map(), deletedLabels: new Set(), duplicates: [], stored: new Map() };
  walkElements(absFile, header, (id, label, deleted, chunk, base) => {
    if (deleted) {
      scan.deletedCount++;
      scan.deletedLabels.add(label);
      return;
    }
    const prev = scan.liveLabels.get(label);
    if (prev !== undefined) scan.duplicates.push({ label, first: prev, second: id });
    scan.liveLabels.set(label, id);
    if (want(label)) scan.stored.set(label, copyVector(chunk, base + offsetData, dim));
    sink?.(label, id, chunk, base + offsetData);
  });
  return scan;
}

/** Copies a little-endian float32 run out of the (reused) chunk buffer. */
export function copyVector(buf: Buffer, offset: number, dim: number): Float32Array {
  if (HOST_IS_LITTLE_ENDIAN) {
    const start = buf.byteOffset + offset;
    return new Float32Array(buf.buffer.slice(start, start + dim * 4));
  }
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = buf.readFloatLE(offset + i * 4);
  return out;
}

/** Original vector = stored unit vector × norm, each product rounded to float32 as Chroma's get does. */
export function denormalize(stored: Float32Array, norm: number): Float32Array {
  const out = new Float32Array(stored.length);
  const n = Math.fround(norm);
  for (let i = 0; i < stored.length; i++) out[i] = Math.fround(stored[i]! * n);
  return out;
}

/** Non-deleted label → internal id: a typed table for labels below a bound, a Map beyond it. */
export class LiveLabels {
  /** internal id + 1 by label (0 = not live). */
  private readonly dense: Int32Array;
  private readonly sparse = new Map<number, number>();
  size = 0;

  constructor(bound: number) {
    this.dense = freshTyped(Int32Array, Math.max(0, bound));
  }

  get(label: number): number | undefined {
    if (label < this.dense.length) {
      const v = this.dense[label]!;
      return v === 0 ? undefined : v - 1;
    }
    return this.sparse.get(label);
  }

  has(label: number): boolean {
    return label < this.dense.length ? this.dense[label]! !== 0 : this.sparse.has(label);
  }

  /** Sets and returns the previous internal id (undefined when the label was not live). */
  set(label: number, id: number): number | undefined {
    let prev: number | undefined;
    if (label < this.dense.length) {
      const v = this.dense[label]!;
      this.dense[label] = id + 1;
      prev = v === 0 ? undefined : v - 1;
    } else {
      prev = this.sparse.get(label);
      this.sparse.set(label, id);
    }
    if (prev === undefined) this.size++;
    return prev;
  }

  /** Live labels: the table's in ascending order, then the others. */
  *keys(): IterableIterator<number> {
    const dense = this.dense;
    for (let label = 0; label < dense.length; label++) if (dense[label] !== 0) yield label;
    yield* this.sparse.keys();
  }
}

export interface Level0LabelScan {
  deletedCount: number;
  liveLabels: LiveLabels;
  deletedLabels: Set<number>;
  duplicates: { label: number; first: number; second: number }[];
}

/**
 * scanLevel0 for loading a checkpoint: the live labels go to a typed table sized by `labelBound`
 * (the pickle's highest label + 1; graph labels beyond it, phantoms, fall back to a Map), and every
 * live element's vector goes to `sink` in place.
 */
export function scanLevel0Labels(...args: Parameters<typeof scanLevel0LabelsSteps>): Level0LabelScan {
  return runSteps(scanLevel0LabelsSteps(...args));
}

/** scanLevel0Labels as steps (util/steps.ts): a pause after each chunk read. */
export function* scanLevel0LabelsSteps(
  absFile: string,
  header: HnswHeader,
  labelBound: number,
  sink: Level0Sink,
  progressMessage?: string,
  onChunk?: (chunk: Buffer, firstId: number, count: number) => void,
): Steps<Level0LabelScan> {
  const { offsetData } = header;
  const scan: Level0LabelScan = { deletedCount: 0, liveLabels: new LiveLabels(labelBound), deletedLabels: new Set(), duplicates: [] };
  const live = scan.liveLabels;
  yield* walkElementsSteps(absFile, header, (id, label, deleted, chunk, base) => {
    if (deleted) {
      scan.deletedCount++;
      scan.deletedLabels.add(label);
      return;
    }
    const prev = live.set(label, id);
    if (prev !== undefined) scan.duplicates.push({ label, first: prev, second: id });
    sink(label, id, chunk, base + offsetData);
  }, progressMessage, onChunk);
  return scan;
}
