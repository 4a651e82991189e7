import fs from 'node:fs';
import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { readRows } from '../util/row-reads.js';
import { DATA_LEVEL0_FILE } from './segment-files.js';

/** data_level0.bin's size and modification time (ns) when the graph was checked and loaded. */
export interface Level0FileStamp {
  size: bigint;
  mtimeNs: bigint;
}

/** The data_level0.bin entry of a segment's files stamp (checkpoint.ts segmentFilesStamp), or null. */
export function level0StampOf(filesStamp: string | undefined): Level0FileStamp | null {
  const entry = filesStamp?.split('|').find((part) => part.startsWith(`${DATA_LEVEL0_FILE}:`));
  const [, size, mtimeNs] = entry?.split(':') ?? [];
  if (!size || !mtimeNs || !/^\d+$/.test(size) || !/^\d+$/.test(mtimeNs)) return null;
  return { size: BigInt(size), mtimeNs: BigInt(mtimeNs) };
}

/**
 * The level-0 rows of a loaded graph that stay in data_level0.bin (level0StaysInFiles): each walk
 * reads a node's row when it expands the node, one positioned read (~1.5 µs from the page cache),
 * instead of the process holding every row (maxM0 + 1 u32 an element: 629 MB at 5M). The vectors
 * stay in memory, so a query costs one read per expanded node (a few hundred), not one per
 * distance.
 *
 * The rows were checked with the load (bounds, counts), in the file carrying `stamp`. The file is
 * opened for one step of a walk at a time (openStep/closeStep), and each opening checks the stamp
 * again: a running Chroma that persisted the segment since makes the walk throw, and the caller
 * answers exactly instead (as when the graph is read after the files moved). Each row read is
 * bounds-checked too, since a file rewritten in place mid-step is not seen by the stamp.
 */
export class Level0File {
  private fd = -1;
  private readonly rowBytes: Buffer;
  private readonly words: Uint32Array;
  private readonly wanted = new Uint32Array(1);
  /** Rows read (tests: a walk reads rows; the memory path reads none). */
  rowsRead = 0;

  constructor(
    readonly dataFile: string,
    private readonly header: HnswHeader,
    private readonly stamp: Level0FileStamp,
  ) {
    // The whole element: readRows reads rows of one size at multiples of it.
    this.rowBytes = Buffer.alloc(header.sizeDataPerElement);
    this.words = new Uint32Array(this.rowBytes.buffer, this.rowBytes.byteOffset, header.maxM0 + 1);
  }

  /** Opens the file for a step of a walk, checking it is still the one loaded. */
  openStep(): void {
    if (this.fd >= 0) return;
    let fd = -1;
    try {
      fd = fs.openSync(this.dataFile, 'r');
      const st = fs.fstatSync(fd, { bigint: true });
      if (st.size !== this.stamp.size || st.mtimeNs !== this.stamp.mtimeNs) throw this.changed('was written again');
    } catch (err) {
      if (fd >= 0) fs.closeSync(fd);
      throw err instanceof InspectorError ? err : this.changed(`cannot be read (${(err as Error).message})`);
    }
    this.fd = fd;
  }

  closeStep(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Element `id`'s row as u32 words: its neighbour count (low 16 bits of word 0, the flags above
   * them), then its neighbours. Valid until the next call. Inside openStep … closeStep.
   */
  row(id: number): Uint32Array {
    const h = this.header;
    this.wanted[0] = id;
    if (this.fd < 0 || readRows(this.fd, this.wanted, 1, h.sizeDataPerElement, this.rowBytes) !== 1) throw this.changed(`ends inside element ${id}`);
    this.rowsRead++;
    const words = this.words;
    const n = words[0]! & 0xffff;
    if (n > h.maxM0) throw this.changed(`element ${id} has ${n} level-0 neighbours, more than maxM0 ${h.maxM0}`);
    const total = h.curElementCount;
    for (let k = 1; k <= n; k++) if (words[k]! >= total) throw this.changed(`element ${id} links to ${words[k]}, past the ${total} elements`);
    words[0] = n;
    return words;
  }

  private changed(problem: string): InspectorError {
    return new InspectorError('CORRUPT_HNSW', `${DATA_LEVEL0_FILE} ${problem} after the graph was loaded`, { file: DATA_LEVEL0_FILE });
  }
}
