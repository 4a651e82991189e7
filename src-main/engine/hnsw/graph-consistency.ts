import fs from 'node:fs';
import type { HnswHeader, Space } from '../../../shared/models.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { readRows } from '../util/row-reads.js';
import type { Steps } from '../util/steps.js';

/** Elements sampled, and neighbour/stranger pairs compared per element. */
const SAMPLES = 96;
const PAIRS = 8;
/** Samples checked between two pauses of the steps. */
const SAMPLES_PER_STEP = 16;
/** Below this many elements the statistics say too little to accuse a file. */
export const MIN_ELEMENTS_FOR_GRAPH_CHECK = 64;
/**
 * In a graph built from its own vectors a level-0 neighbour is nearer than an arbitrary element
 * almost always (observed ≥ 0.9 on every reference checkpoint); with vectors that are not the
 * graph's (moved, or from another index with the same layout) it is a coin toss (≈ 0.5).
 */
const MIN_NEIGHBOUR_WINS = 0.7;

export interface GraphConsistency {
  /** Share of (neighbour, stranger) pairs where the neighbour was nearer; null when not measured. */
  neighbourWins: number | null;
  consistent: boolean;
}

/**
 * Checks that data_level0.bin's vectors belong to its own level-0 graph: the only evidence left
 * of a vector block replaced by another index's (same layout, same labels) when the WAL holds no
 * vector to compare with. Deterministic sample, positioned reads, a few hundred elements at most
 * (~1,600 rows: ~30 ms in a fresh process one readSync each, so a pause every SAMPLES_PER_STEP
 * samples; a sample's pairs are now read in one batch).
 */
export function* checkGraphConsistencySteps(absFile: string, header: HnswHeader, space: Space): Steps<GraphConsistency> {
  const cur = header.curElementCount;
  if (cur < MIN_ELEMENTS_FOR_GRAPH_CHECK) return { neighbourWins: null, consistent: true };
  const { sizeDataPerElement: size, offsetData, dim } = header;
  const fd = fs.openSync(absFile, 'r');
  const element = Buffer.allocUnsafe(size);
  const other = Buffer.allocUnsafe(size);
  const read = (id: number, into: Buffer): boolean => fs.readSync(fd, into, 0, size, id * size) === size;
  // A sample's pairs in one batch (util/row-reads.ts): neighbour k at 2k, stranger k at 2k + 1.
  const pairIds = new Uint32Array(2 * PAIRS);
  const pairRows = Buffer.allocUnsafe(2 * PAIRS * size);
  let batched = 0;
  /** Row `at` of the batch when it was read whole; else read alone into `other`, as without a batch. */
  const pairRow = (at: number): Buffer | null => {
    if (at < batched) return pairRows.subarray(at * size, (at + 1) * size);
    return read(pairIds[at]!, other) ? other : null;
  };
  // The same floats as readFloatLE gives, through a view where the row allows one (it was ~10 ms of
  // a 100k first query one readFloatLE at a time).
  const floatsOf = (row: Buffer): Float32Array | null =>
    HOST_IS_LITTLE_ENDIAN && (row.byteOffset + offsetData) % 4 === 0 ? new Float32Array(row.buffer, row.byteOffset + offsetData, dim) : null;
  const distance = (a: Buffer, b: Buffer): number => {
    let dot = 0;
    let l2 = 0;
    const fa = floatsOf(a);
    const fb = floatsOf(b);
    for (let i = 0; i < dim; i++) {
      const x = fa ? fa[i]! : a.readFloatLE(offsetData + i * 4);
      const y = fb ? fb[i]! : b.readFloatLE(offsetData + i * 4);
      dot += x * y;
      l2 += (x - y) * (x - y);
    }
    return space === 'l2' ? l2 : 1 - dot;
  };
  let wins = 0;
  let total = 0;
  try {
    const step = Math.max(1, Math.floor(cur / SAMPLES));
    for (let s = 0, id = 0; s < SAMPLES && id < cur; s++, id += step) {
      if (!read(id, element) || (element[2]! & 1) !== 0) continue; // deleted elements keep stale links
      const count = element.readUInt16LE(0);
      const neighbours: number[] = [];
      for (let k = 0; k < count && k < header.maxM0 && neighbours.length < PAIRS; k++) {
        const n = element.readUInt32LE(4 + 4 * k);
        if (n < cur && n !== id) neighbours.push(n);
      }
      for (let k = 0; k < neighbours.length; k++) {
        // A stranger spread over the index, never the element itself.
        pairIds[2 * k] = neighbours[k]!;
        pairIds[2 * k + 1] = (id + 1 + Math.floor(((k + 1) * (s + 7) * 2654435761) % (cur - 1))) % cur;
      }
      batched = readRows(fd, pairIds, 2 * neighbours.length, size, pairRows);
      for (let k = 0; k < neighbours.length; k++) {
        if (pairIds[2 * k + 1] === id) continue;
        const near = pairRow(2 * k);
        if (!near) continue;
        const dn = distance(element, near);
        const far = pairRow(2 * k + 1);
        if (!far) continue;
        const ds = distance(element, far);
        if (!Number.isFinite(dn) || !Number.isFinite(ds) || dn === ds) continue;
        total++;
        if (dn < ds) wins++;
      }
      if (s % SAMPLES_PER_STEP === SAMPLES_PER_STEP - 1) yield;
    }
  } finally {
    fs.closeSync(fd);
  }
  return graphVerdict(wins, total);
}

/**
 * The verdict from the sample's counts: the pairs where the neighbour was nearer, of those compared
 * (taken here, or by the addon's thread beside a first query's decode: native/level0-prescan.cc).
 */
export function graphVerdict(wins: number, total: number): GraphConsistency {
  if (total < 2 * PAIRS * 4) return { neighbourWins: null, consistent: true };
  const neighbourWins = wins / total;
  return { neighbourWins, consistent: neighbourWins >= MIN_NEIGHBOUR_WINS };
}
