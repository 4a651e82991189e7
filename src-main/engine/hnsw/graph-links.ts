import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { linkListBlockBytes } from './header.js';
import { walkElementsSteps } from './level0-scan.js';
import { reportLoad } from '../util/load-progress.js';
import { Level0LinkCollector, NOT_ALL_READ } from './level0-links.js';
import { Level0File, level0StampOf, level0StampOfStat, type Level0FileStamp } from './level0-file.js';
import { DATA_LEVEL0_FILE, LINK_LISTS_FILE } from './segment-files.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { runSteps, type Steps } from '../util/steps.js';
import { readFileSteps } from '../util/chunked-file-read.js';


/**
 * A persisted HNSW graph as Chroma's fork holds it after loading (docs/format.md §6.2, §6.4): every
 * element's level-0 neighbours, upper-level neighbours, label and deleted flag, in typed arrays.
 * Vectors are not copied: an element whose vector the collection's slab already holds unchanged
 * points at its slab slot; only the others (deleted elements, phantoms, and elements the WAL tail
 * changed — the graph still routes through their old vectors, as Chroma's does) get a private copy.
 */
export interface GraphLinks {
  count: number;
  maxLevel: number;
  entryPoint: number;
  maxM0: number;
  maxM: number;
  /** maxM0 + 1 u32 per element: the neighbour count, then the neighbours' internal ids (empty when level0File reads them). */
  level0: Uint32Array;
  /** Where the walk reads level-0 rows when they stay in data_level0.bin (level0StaysInFiles), else null. */
  level0File: Level0File | null;
  /** Each element's top level (0 when it lives only on level 0). */
  levels: Uint16Array;
  /** Offset in `upper` of the element's level-1 block; level L's block follows at (L − 1)·(maxM + 1). */
  upperStart: Int32Array;
  /** maxM + 1 u32 per upper-level block: count, then ids. */
  upper: Uint32Array;
  labels: Float64Array;
  deleted: Uint8Array;
  deletedCount: number;
  /** Slot ≥ 0: the vector is in the slab at that slot; −(i + 1): row i of `extra`. */
  vectorAt: Int32Array;
  extra: Float32Array;
  /** The highest label on any element, deleted ones included. */
  maxLabel: number;
}

/**
 * Where an element's vector lives: its slab slot when the slab holds exactly the checkpoint's
 * vector for it, or −1 to keep a copy from the file.
 */
export type SlabSlotOf = (label: number, deleted: boolean) => number;

function corrupt(file: string, problem: string): never {
  throw new InspectorError('CORRUPT_HNSW', `${file}: ${problem}`, { file });
}

/** Past this share of elements needing a private vector, they are read in one sequential pass instead of one read each. */
const PREAD_SHARE = 1 / 16;
/** Elements per step of the loops over every element (a few ms each at a million). */
const ELEMENTS_PER_STEP = 100_000;
/** Positioned reads per step when private vectors are read one by one. */
const READS_PER_STEP = 5_000;

/**
 * Reads the graph of a checkpoint whose header (and link-list walk) was already validated.
 * `collected` holds the level-0 rows when the vector load took them in its own pass over
 * data_level0.bin; otherwise the file is walked here.
 */
export function readGraphLinks(...args: Parameters<typeof readGraphLinksSteps>): GraphLinks {
  return runSteps(readGraphLinksSteps(...args));
}

/** readGraphLinks as steps (util/steps.ts): a pause every ELEMENTS_PER_STEP elements of its loops. */
export function* readGraphLinksSteps(
  segmentDir: string,
  header: HnswHeader,
  slabSlotOf: SlabSlotOf,
  collected?: Level0LinkCollector,
  /** The segment's files stamp the rows were checked under (checkpoint.ts), for rows that stay in the file. */
  filesStamp?: string,
): Steps<GraphLinks> {
  const dataFile = path.join(segmentDir, DATA_LEVEL0_FILE);
  // Rows this walks itself are read under the stamp the file had before the walk.
  let walkedUnder: Level0FileStamp | null = null;
  let rows = collected?.result(header);
  if (!rows || 'problem' in rows) {
    // A collector that saw damage names it; one that was not fed (or saw another header) is re-run here.
    if (rows && rows.problem !== NOT_ALL_READ) corrupt(DATA_LEVEL0_FILE, rows.problem);
    const own = new Level0LinkCollector();
    walkedUnder = statStamp(dataFile);
    yield* walkElementsSteps(dataFile, header, () => {}, 'Loading the HNSW graph', (chunk, first, count) => own.chunk(chunk, first, count, header));
    rows = own.result(header);
    if ('problem' in rows) corrupt(DATA_LEVEL0_FILE, rows.problem);
  }
  const { count, labels, deleted } = rows;
  const dim = header.dim;
  // An element's vector is its slab slot, or a private copy from the file (deleted, phantom and
  // WAL-changed elements: the graph still routes through their persisted vectors).
  const vectorAt = new Int32Array(count);
  const copied: number[] = [];
  for (let id = 0; id < count; id++) {
    const slot = slabSlotOf(labels[id]!, deleted[id] === 1);
    if (slot >= 0) vectorAt[id] = slot;
    else vectorAt[id] = -(copied.push(id));
    if (id % ELEMENTS_PER_STEP === ELEMENTS_PER_STEP - 1) yield;
  }
  const extra = new Float32Array(copied.length * dim);
  if (copied.length > 0) yield* readPrivateVectors(dataFile, header, copied, extra, copied.length > count * PREAD_SHARE);
  yield;
  const { levels, upperStart, upper } = yield* readUpperLevels(path.join(segmentDir, LINK_LISTS_FILE), header);
  // The level-0 rows may have come with the vectors; the graph's own step still ends here.
  reportLoad(count, count, 'Loading the HNSW graph');
  return {
    count,
    maxLevel: header.maxLevel,
    entryPoint: header.enterpointNode,
    maxM0: header.maxM0,
    maxM: header.maxM,
    level0: rows.level0,
    // Rows left in the file are read under the stamp they were checked under: this walk's, or the
    // load's (filesStamp: size and modification time) with the inode and change time it has now.
    level0File: rows.level0.length === 0 && count > 0 ? new Level0File(dataFile, header, walkedUnder ?? loadedStamp(dataFile, level0StampOf(filesStamp))) : null,
    levels,
    upperStart,
    upper,
    labels,
    deleted,
    deletedCount: rows.deletedCount,
    vectorAt,
    extra,
    maxLabel: rows.maxLabel,
  };
}

function statStamp(file: string): Level0FileStamp {
  try {
    return level0StampOfStat(fs.statSync(file, { bigint: true }));
  } catch (err) {
    corrupt(DATA_LEVEL0_FILE, `cannot be read (${(err as Error).message})`);
  }
}

/** The file's stamp now, whose size and modification time must still be the load's (filesStamp), else the rows checked were another file's. */
function loadedStamp(file: string, loaded: { size: bigint; mtimeNs: bigint } | null): Level0FileStamp {
  const now = statStamp(file);
  if (loaded && (now.size !== loaded.size || now.mtimeNs !== loaded.mtimeNs)) corrupt(DATA_LEVEL0_FILE, 'was written again after the vectors were loaded');
  return now;
}

/** Copies the persisted vectors of `ids` (ascending) into consecutive rows of `out`. */
function* readPrivateVectors(dataFile: string, header: HnswHeader, ids: number[], out: Float32Array, sequential: boolean): Steps<void> {
  const { dim, offsetData, sizeDataPerElement: size } = header;
  const copyRow = (row: number, buf: Buffer, at: number) => {
    if (HOST_IS_LITTLE_ENDIAN) out.set(new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + dim * 4)), row * dim);
    else for (let i = 0; i < dim; i++) out[row * dim + i] = buf.readFloatLE(at + 4 * i);
  };
  if (sequential) {
    let next = 0;
    yield* walkElementsSteps(dataFile, header, (id, _label, _deleted, chunk, base) => {
      if (ids[next] === id) copyRow(next++, chunk, base + offsetData);
    });
    return;
  }
  const buf = Buffer.allocUnsafe(dim * 4);
  const fd = fs.openSync(dataFile, 'r');
  try {
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row]!;
      if (fs.readSync(fd, buf, 0, buf.length, id * size + offsetData) !== buf.length) corrupt(DATA_LEVEL0_FILE, `ends inside element ${id}`);
      copyRow(row, buf, 0);
      if (row % READS_PER_STEP === READS_PER_STEP - 1) yield;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** link_lists.bin into typed arrays: one pass to size them, one to copy (docs/format.md §6.4). */
function* readUpperLevels(file: string, header: HnswHeader): Steps<{ levels: Uint16Array; upperStart: Int32Array; upper: Uint32Array }> {
  const count = header.curElementCount;
  const block = linkListBlockBytes(header);
  const stride = header.maxM + 1;
  const buf = yield* readFileSteps(file);
  const levels = new Uint16Array(count);
  // Every element's entry is written by the second pass, a step at a time: filled here in one
  // piece, its fresh pages took ~55 ms at 5M (20 MB of page faults).
  const upperStart = new Int32Array(count);
  let blocks = 0;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buf.length) corrupt(LINK_LISTS_FILE, `ends before element ${i}`);
    const size = buf.readUInt32LE(pos);
    const level = size / block;
    if (!Number.isInteger(level) || level > header.maxLevel || pos + 4 + size > buf.length) {
      corrupt(LINK_LISTS_FILE, `element ${i}'s link list (size ${size} at byte ${pos}) does not fit the header`);
    }
    levels[i] = level;
    blocks += level;
    pos += 4 + size;
    if (i % ELEMENTS_PER_STEP === ELEMENTS_PER_STEP - 1) yield;
  }
  const upper = new Uint32Array(blocks * stride);
  pos = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const level = levels[i]!;
    pos += 4;
    upperStart[i] = level > 0 ? at : -1;
    for (let l = 0; l < level; l++, pos += block, at += stride) {
      const n = buf.readUInt32LE(pos) & 0xffff;
      if (n > header.maxM) corrupt(LINK_LISTS_FILE, `element ${i} has ${n} neighbours on level ${l + 1}, more than maxM ${header.maxM}`);
      upper[at] = n;
      for (let j = 0; j < n; j++) {
        const to = buf.readUInt32LE(pos + 4 + 4 * j);
        if (to >= count) corrupt(LINK_LISTS_FILE, `element ${i} links to ${to} on level ${l + 1}, past the ${count} elements`);
        upper[at + 1 + j] = to;
      }
    }
    if (i % ELEMENTS_PER_STEP === ELEMENTS_PER_STEP - 1) yield;
  }
  return { levels, upperStart, upper };
}
