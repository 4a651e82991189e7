import fs from 'node:fs';
import path from 'node:path';
import type { FileEntry, HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { HNSW_HEADER_BYTES, linkListBlockBytes, parseHnswHeader } from './header.js';
import { runSteps, type Steps } from '../util/steps.js';

/**
 * File-level access to one vector segment folder. Everything here opens files read-only: the
 * folder may belong to a running Chroma, and a reader must never create, truncate or touch it.
 */

export const HEADER_FILE = 'header.bin';
export const DATA_LEVEL0_FILE = 'data_level0.bin';
export const LENGTH_FILE = 'length.bin';
export const LINK_LISTS_FILE = 'link_lists.bin';
export const PICKLE_FILE = 'index_metadata.pickle';
export const SEGMENT_FILES = [HEADER_FILE, DATA_LEVEL0_FILE, LENGTH_FILE, LINK_LISTS_FILE, PICKLE_FILE] as const;
export type SegmentFileName = (typeof SEGMENT_FILES)[number];

export interface SegmentListing {
  folderExists: boolean;
  /** Paths relative to the Chroma folder, e.g. `<segment>/header.bin`. Unknown files are kind 'other'. */
  files: FileEntry[];
  /** Byte sizes of the known files that exist as regular files. */
  sizes: Map<SegmentFileName, number>;
  /** Known names that exist but are not regular files (a directory called header.bin…). */
  notFiles: SegmentFileName[];
  /** Names of files Chroma does not write (e.g. a stray `.bin`). */
  strayFiles: string[];
}

/** Errors that mean "not there" rather than "the disk is failing": those are reported, not thrown. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function listSegmentFolder(folderAbsPath: string, segmentRelName: string): SegmentListing {
  const dir = path.join(folderAbsPath, segmentRelName);
  const listing: SegmentListing = { folderExists: false, files: [], sizes: new Map(), notFiles: [], strayFiles: [] };
  let names: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) return listing;
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isMissing(err)) return listing;
    throw err;
  }
  listing.folderExists = true;
  for (const name of names.sort()) {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(dir, name));
    } catch (err) {
      if (isMissing(err)) continue; // deleted between readdir and stat
      throw err;
    }
    const known = (SEGMENT_FILES as readonly string[]).includes(name) ? (name as SegmentFileName) : null;
    if (known && !st.isFile()) {
      listing.notFiles.push(known);
      continue;
    }
    if (!st.isFile()) continue;
    const kind = known === PICKLE_FILE ? 'pickle' : known ? 'hnsw' : 'other';
    listing.files.push({ path: `${segmentRelName}/${name}`, bytes: st.size, kind });
    if (known) listing.sizes.set(known, st.size);
    else listing.strayFiles.push(name);
  }
  return listing;
}

/**
 * Reads `length` bytes from `start`, or fewer if the file is shorter (callers check sizes first).
 * Positioned reads on a read-only descriptor, so only the needed part of a large file is read.
 */
export function readRange(file: string, start: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? out : out.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}

export function readHeaderFile(segmentDirAbs: string, relFile: string): HnswHeader {
  const buf = fs.readFileSync(path.join(segmentDirAbs, HEADER_FILE));
  return parseHnswHeader(buf, relFile);
}

/** Reads header.bin[4:100]: the standard hnswlib header, for joining (docs/format.md §6.5). */
export function readStandardHeaderBytes(segmentDirAbs: string): Buffer {
  return readRange(path.join(segmentDirAbs, HEADER_FILE), 4, HNSW_HEADER_BYTES - 4);
}

/**
 * Walks link_lists.bin (docs/format.md §6.4): one u32 size + payload per element, in internal-id order.
 * Returns Σ(4 + size), the bytes the standard index needs. Throws CORRUPT_HNSW naming the element
 * when the walk runs off the end or a size cannot be a whole number of level blocks.
 */
/**
 * Walks link_lists.bin's per-element blocks, checking each against the header; returns the bytes
 * used. `upperAt`, when given, receives where each element's level-1 block starts, + 1 (0: the
 * element lives on level 0 only), for a reader that fetches blocks as it needs them.
 */
export function walkLinkLists(buf: Buffer, header: HnswHeader, relFile: string, upperAt?: Int32Array): number {
  return runSteps(walkLinkListsSteps(buf, header, relFile, upperAt, Infinity));
}

/** Elements per step of walkLinkListsSteps (~4 ms; the whole walk took 15 ms at a million elements). */
const LINK_WALK_STEP = 262_144;

/** walkLinkLists in steps of `perStep` elements (util/steps.ts). */
export function* walkLinkListsSteps(buf: Buffer, header: HnswHeader, relFile: string, upperAt?: Int32Array, perStep = LINK_WALK_STEP): Steps<number> {
  const block = linkListBlockBytes(header);
  const where = new Float64Array(3);
  let used = 0;
  for (let from = 0; from < header.curElementCount && used >= 0; from += perStep) {
    if (from > 0) yield;
    used = linkListsEnd(buf, Math.min(header.curElementCount, from + perStep), block, header.maxLevel, where, upperAt ?? null, from, used);
  }
  if (used >= 0) return used;
  const [i, pos, size] = [where[0]!, where[1]!, where[2]!];
  const fail = (code: 'hnsw.truncated' | 'hnsw.bad-link-lists', problem: string): never => {
    throw new InspectorError('CORRUPT_HNSW', `${relFile}: ${problem}`, { file: relFile, problem: code });
  };
  if (used === LINKS_NO_SIZE) fail('hnsw.truncated', `file ends at byte ${buf.length} before the size of element ${i} (of ${header.curElementCount})`);
  if (used === LINKS_BAD_SIZE) fail('hnsw.bad-link-lists', `element ${i} at byte ${pos} has link list size ${size}, not a multiple of ${block}`);
  if (used === LINKS_TOO_HIGH) {
    fail('hnsw.bad-link-lists', `element ${i} at byte ${pos} has level ${size / block} above the header's maxlevel ${header.maxLevel}`);
  }
  return fail('hnsw.truncated', `file ends at byte ${buf.length} inside element ${i}'s ${size}-byte link list (starts at byte ${pos + 4})`);
}

/** linkListsEnd's failures (negative): no room for a size, a size not in whole blocks, a level above maxlevel, a list past the end. */
export const LINKS_NO_SIZE = -1;
export const LINKS_BAD_SIZE = -2;
export const LINKS_TOO_HIGH = -3;
export const LINKS_PAST_END = -4;

/**
 * The walk of link_lists.bin: Σ(4 + size) over `count` elements, each element's level-1 block
 * start + 1 in `upperAt` (0: level 0 only), or a negative failure with the element, its byte
 * position and its size in `where`. Resumes at element `first`, byte `firstPos` (where a walk
 * of the elements before ended). Self-contained (it uses nothing but its arguments): the level-0
 * pre-scan sends its source text to a worker thread (level0-prescan.ts).
 */
export function linkListsEnd(buf: Uint8Array, count: number, block: number, maxLevel: number, where: Float64Array, upperAt: Int32Array | null, first = 0, firstPos = 0): number {
  let pos = firstPos;
  for (let i = first; i < count; i++) {
    where[0] = i;
    where[1] = pos;
    if (pos + 4 > buf.length) return -1;
    const size = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16)) + buf[pos + 3]! * 0x1000000;
    where[2] = size;
    if (size % block !== 0) return -2;
    const level = size / block;
    if (level > maxLevel) return -3;
    if (pos + 4 + size > buf.length) return -4;
    if (upperAt !== null && level > 0) upperAt[i] = pos + 5;
    pos += 4 + size;
  }
  return pos;
}
