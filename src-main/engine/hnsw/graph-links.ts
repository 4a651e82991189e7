import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { linkListBlockBytes } from './header.js';
import { chunkViews, walkElements } from './level0-scan.js';
import { DATA_LEVEL0_FILE, LINK_LISTS_FILE } from './segment-files.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
  /** maxM0 + 1 u32 per element: the neighbour count, then the neighbours' internal ids. */
  level0: Uint32Array;
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

/** Reads the graph of a checkpoint whose header (and link-list walk) was already validated. */
export function readGraphLinks(segmentDir: string, header: HnswHeader, slabSlotOf: SlabSlotOf): GraphLinks {
  const count = header.curElementCount;
  const { maxM0, maxM, dim, offsetData } = header;
  const stride0 = maxM0 + 1;
  const level0 = new Uint32Array(count * stride0);
  const labels = new Float64Array(count);
  const deleted = new Uint8Array(count);
  const vectorAt = new Int32Array(count);
  let extra = new Float32Array(dim * 16);
  let extraRows = 0;
  let deletedCount = 0;
  let maxLabel = 0;
  const dataFile = path.join(segmentDir, DATA_LEVEL0_FILE);
  walkElements(dataFile, header, (id, label, isDeleted, chunk, base) => {
    labels[id] = label;
    if (label > maxLabel) maxLabel = label;
    if (isDeleted) {
      deleted[id] = 1;
      deletedCount++;
    }
    const n = chunk[base]! | (chunk[base + 1]! << 8);
    if (n > maxM0) corrupt(DATA_LEVEL0_FILE, `element ${id} has ${n} level-0 neighbours, more than maxM0 ${maxM0}`);
    const row = id * stride0;
    level0[row] = n;
    const words = chunkViews(chunk)?.words;
    for (let j = 0; j < n; j++) {
      const to = words ? words[(base >> 2) + 1 + j]! : chunk.readUInt32LE(base + 4 + 4 * j);
      if (to >= count) corrupt(DATA_LEVEL0_FILE, `element ${id} links to ${to}, past the ${count} elements`);
      level0[row + 1 + j] = to;
    }
    const slot = slabSlotOf(label, isDeleted);
    if (slot >= 0) {
      vectorAt[id] = slot;
      return;
    }
    if ((extraRows + 1) * dim > extra.length) {
      const grown = new Float32Array(extra.length * 2);
      grown.set(extra);
      extra = grown;
    }
    const at = extraRows * dim;
    const from = base + offsetData;
    if (LITTLE_ENDIAN) extra.set(new Float32Array(chunk.buffer.slice(chunk.byteOffset + from, chunk.byteOffset + from + dim * 4)), at);
    else for (let i = 0; i < dim; i++) extra[at + i] = chunk.readFloatLE(from + 4 * i);
    vectorAt[id] = -(++extraRows);
  }, 'Loading the HNSW graph');
  const { levels, upperStart, upper } = readUpperLevels(path.join(segmentDir, LINK_LISTS_FILE), header);
  return {
    count,
    maxLevel: header.maxLevel,
    entryPoint: header.enterpointNode,
    maxM0,
    maxM,
    level0,
    levels,
    upperStart,
    upper,
    labels,
    deleted,
    deletedCount,
    vectorAt,
    extra: extra.subarray(0, extraRows * dim),
    maxLabel,
  };
}

/** link_lists.bin into typed arrays: one pass to size them, one to copy (docs/format.md §6.4). */
function readUpperLevels(file: string, header: HnswHeader) {
  const count = header.curElementCount;
  const block = linkListBlockBytes(header);
  const stride = header.maxM + 1;
  const buf = fs.readFileSync(file);
  const levels = new Uint16Array(count);
  const upperStart = new Int32Array(count).fill(-1);
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
  }
  const upper = new Uint32Array(blocks * stride);
  pos = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const level = levels[i]!;
    pos += 4;
    if (level > 0) upperStart[i] = at;
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
  }
  return { levels, upperStart, upper };
}
