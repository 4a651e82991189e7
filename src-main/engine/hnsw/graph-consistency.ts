import fs from 'node:fs';
import type { HnswHeader, Space } from '../../../shared/models.js';
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
 * (~1,600 reads: ~30 ms in a fresh process, so a pause every SAMPLES_PER_STEP samples).
 */
export function* checkGraphConsistencySteps(absFile: string, header: HnswHeader, space: Space): Steps<GraphConsistency> {
  const cur = header.curElementCount;
  if (cur < MIN_ELEMENTS_FOR_GRAPH_CHECK) return { neighbourWins: null, consistent: true };
  const { sizeDataPerElement: size, offsetData, dim } = header;
  const fd = fs.openSync(absFile, 'r');
  const element = Buffer.allocUnsafe(size);
  const other = Buffer.allocUnsafe(size);
  const read = (id: number, into: Buffer): boolean => fs.readSync(fd, into, 0, size, id * size) === size;
  const distance = (a: Buffer, b: Buffer): number => {
    let dot = 0;
    let l2 = 0;
    for (let i = 0; i < dim; i++) {
      const x = a.readFloatLE(offsetData + i * 4);
      const y = b.readFloatLE(offsetData + i * 4);
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
        const stranger = (id + 1 + Math.floor(((k + 1) * (s + 7) * 2654435761) % (cur - 1))) % cur;
        if (stranger === id || !read(neighbours[k]!, other)) continue;
        const dn = distance(element, other);
        if (!read(stranger, other)) continue;
        const ds = distance(element, other);
        if (!Number.isFinite(dn) || !Number.isFinite(ds) || dn === ds) continue;
        total++;
        if (dn < ds) wins++;
      }
      if (s % SAMPLES_PER_STEP === SAMPLES_PER_STEP - 1) yield;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (total < 2 * PAIRS * 4) return { neighbourWins: null, consistent: true };
  const neighbourWins = wins / total;
  return { neighbourWins, consistent: neighbourWins >= MIN_NEIGHBOUR_WINS };
}
