import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { runSteps, type Steps } from '../util/steps.js';
import {
  DATA_LEVEL0_FILE,
  LINK_LISTS_FILE,
  isMissing,
  readHeaderFile,
  readRange,
  readStandardHeaderBytes,
  walkLinkListsSteps,
} from './segment-files.js';

/**
 * Conversion of Chroma's four-file checkpoint to the single file upstream hnswlib (and so
 * hnswlib-node's readIndex) loads: header.bin[4:100] ‖ data_level0[0:cur·size] ‖ link_lists[0:Σ]
 * (docs/format.md §6.5). length.bin is not part of it: the fork's own single-file format would put it between
 * level 0 and the link lists, which hnswlib-node does not expect.
 */

/** Copy granularity for the streaming writer: bounded memory however large data_level0 is. */
const COPY_CHUNK_BYTES = 16 * 1024 * 1024;

export interface JoinPlan {
  header: HnswHeader;
  headerBytes: Buffer;
  level0Path: string;
  level0Bytes: number;
  linkLists: Buffer;
}

/** The parts of the standard single file for a checkpoint, checked (missing files, short level 0, unwalkable link lists). */
export function planJoin(folderAbsPath: string, segmentRelName: string): JoinPlan {
  return runSteps(planJoinSteps(folderAbsPath, segmentRelName));
}

/** planJoin in steps (util/steps.ts): the walk of link_lists.bin gives the thread back. */
export function* planJoinSteps(folderAbsPath: string, segmentRelName: string): Steps<JoinPlan> {
  const dir = path.join(folderAbsPath, segmentRelName);
  const rel = (name: string) => `${segmentRelName}/${name}`;
  const read = <T>(name: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (isMissing(err)) throw new InspectorError('CORRUPT_HNSW', `${rel(name)}: file is missing`, { file: rel(name) });
      throw err;
    }
  };
  const header = read('header.bin', () => readHeaderFile(dir, rel('header.bin')));
  // Read before the walk's pauses, with the other parts: all of them the files as of the call.
  const headerBytes = readStandardHeaderBytes(dir);
  if (header.curElementCount === 0) {
    // hnswlib-node would load this with capacity 0 (docs/format.md §6.5 pitfalls): callers must create a fresh index.
    throw new InspectorError('CORRUPT_HNSW', `${rel('header.bin')}: the index is empty; nothing to join`, {
      file: rel('header.bin'),
    });
  }
  const level0Path = path.join(dir, DATA_LEVEL0_FILE);
  const level0Bytes = header.curElementCount * header.sizeDataPerElement;
  const level0Size = read(DATA_LEVEL0_FILE, () => fs.statSync(level0Path).size);
  if (level0Size < level0Bytes) {
    const need = `${header.curElementCount} elements × ${header.sizeDataPerElement} need ${level0Bytes}`;
    throw new InspectorError('CORRUPT_HNSW', `${rel(DATA_LEVEL0_FILE)}: ${level0Size} bytes, but ${need}`, {
      file: rel(DATA_LEVEL0_FILE),
    });
  }
  const linkListsAll = read(LINK_LISTS_FILE, () => fs.readFileSync(path.join(dir, LINK_LISTS_FILE)));
  const linkBytes = yield* walkLinkListsSteps(linkListsAll, header, rel(LINK_LISTS_FILE));
  return {
    header,
    headerBytes,
    level0Path,
    level0Bytes,
    linkLists: linkListsAll.subarray(0, linkBytes),
  };
}

/** The standard hnswlib index bytes in memory. Fine for small segments and for tests. */
export function joinStandardIndex(folderAbsPath: string, segmentRelName: string): Buffer {
  const plan = planJoin(folderAbsPath, segmentRelName);
  const level0 = readRange(plan.level0Path, 0, plan.level0Bytes);
  return Buffer.concat([plan.headerBytes, level0, plan.linkLists]);
}

/**
 * Writes the standard index to `destPath` in bounded chunks (data_level0 can be gigabytes).
 * Refuses a destination inside the Chroma folder: a reader must never write there.
 */
export function writeStandardIndexFile(folderAbsPath: string, segmentRelName: string, destPath: string): HnswHeader {
  const root = path.resolve(folderAbsPath);
  const dest = path.resolve(destPath);
  if (dest === root || dest.startsWith(root + path.sep)) {
    throw new InspectorError('INTERNAL', `refusing to write ${dest} inside the Chroma folder ${root}`);
  }
  const plan = planJoin(folderAbsPath, segmentRelName);
  const out = fs.openSync(dest, 'wx');
  try {
    fs.writeSync(out, plan.headerBytes);
    const src = fs.openSync(plan.level0Path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, plan.level0Bytes));
      let done = 0;
      while (done < plan.level0Bytes) {
        const want = Math.min(chunk.length, plan.level0Bytes - done);
        const n = fs.readSync(src, chunk, 0, want, done);
        if (n === 0) {
          throw new InspectorError('CORRUPT_HNSW', `${segmentRelName}/${DATA_LEVEL0_FILE}: shrank while being read`, {
            file: `${segmentRelName}/${DATA_LEVEL0_FILE}`,
          });
        }
        fs.writeSync(out, chunk, 0, n);
        done += n;
      }
    } finally {
      fs.closeSync(src);
    }
    fs.writeSync(out, plan.linkLists);
  } finally {
    fs.closeSync(out);
  }
  return plan.header;
}
