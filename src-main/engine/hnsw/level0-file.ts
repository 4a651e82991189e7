import fs from 'node:fs';
import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { readRows } from '../util/row-reads.js';
import type { Steps } from '../util/steps.js';
import type { ChunkVisit, RowSource } from './reachable-walk.js';
import { DATA_LEVEL0_FILE } from './segment-files.js';

/**
 * data_level0.bin as the graph was checked and loaded: its size and modification time (ns), and
 * its inode and change time, which move with a write even where the modification time is coarse
 * (FAT, some network shares) or was set back.
 */
export interface Level0FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  ctimeNs: bigint;
}

/** The stamp of a file's stat (bigint). */
export function level0StampOfStat(st: { size: bigint; mtimeNs: bigint; ino: bigint; ctimeNs: bigint }): Level0FileStamp {
  return { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, ctimeNs: st.ctimeNs };
}

/** Bytes of data_level0.bin one read of a sequential pass (chunksSteps) takes. */
const PASS_READ_BYTES = 4 * 1024 * 1024;

/** Rows of `n` elements from a chunk seen as u32 words (checked: chunksSteps) into `rows` from `at`, maxM0 + 1 words each. */
function copyRows(words: Uint32Array, wordsPerRow: number, n: number, rows: Uint32Array, at: number, stride0: number): void {
  for (let j = 0; j < n; j++) {
    const w = j * wordsPerRow;
    const m = words[w]! & 0xffff;
    const r = at + j * stride0;
    rows[r] = m;
    for (let k = 1; k <= m; k++) rows[r + k] = words[w + k]!;
  }
}

/** The first of `n` rows of a chunk whose neighbour count passes maxM0 or whose link passes the elements, or null. */
function badRow(words: Uint32Array, wordsPerRow: number, n: number, maxM0: number, total: number): { row: number; text: string } | null {
  for (let j = 0; j < n; j++) {
    const w = j * wordsPerRow;
    const m = words[w]! & 0xffff;
    if (m > maxM0) return { row: j, text: `has ${m} level-0 neighbours, more than maxM0 ${maxM0}` };
    for (let k = 1; k <= m; k++) if (words[w + k]! >= total) return { row: j, text: `links to ${words[w + k]}, past the ${total} elements` };
  }
  return null;
}

const sameStamp = (a: Level0FileStamp, b: Level0FileStamp) => a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.ctimeNs === b.ctimeNs;

/** The size and modification time in the data_level0.bin entry of a segment's files stamp (checkpoint.ts segmentFilesStamp), or null. */
export function level0StampOf(filesStamp: string | undefined): { size: bigint; mtimeNs: bigint } | null {
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
 * opened for one step of a walk at a time (openStep … closeStep), and the stamp is checked when it
 * opens and again when the step is done (checkStep): a running Chroma that persisted the segment
 * before or during the step makes the walk throw, and the caller answers exactly instead (as when
 * the graph is read after the files moved). Each row read is bounds-checked too, so that rows
 * torn mid-step never send the walk outside the elements before checkStep says so. Read errors
 * throw the same way.
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

  /** Steps open (openStep) and not closed yet: a walk inside another's step shares its descriptor. */
  private depth = 0;

  /** Opens the file for a step of a walk, checking it is still the one loaded. Pair with closeStep. */
  openStep(): void {
    if (this.depth++ > 0) return;
    let fd = -1;
    try {
      fd = fs.openSync(this.dataFile, 'r');
      this.fd = fd;
      this.checkStep();
    } catch (err) {
      this.fd = -1;
      this.depth = 0;
      if (fd >= 0) fs.closeSync(fd);
      throw err instanceof InspectorError ? err : this.changed(`cannot be read (${(err as Error).message})`);
    }
  }

  /** Throws unless the open file still carries the stamp it was loaded under (rows read since came from that file). */
  checkStep(): void {
    let st: Level0FileStamp;
    try {
      st = level0StampOfStat(fs.fstatSync(this.fd, { bigint: true }));
    } catch (err) {
      throw this.changed(`cannot be read (${(err as Error).message})`);
    }
    if (!sameStamp(st, this.stamp)) throw this.changed('was written again');
  }

  closeStep(): void {
    if (this.depth === 0 || --this.depth > 0) return;
    const fd = this.fd;
    // Forgotten before the close: a close that throws must not leave a number another open may reuse.
    this.fd = -1;
    if (fd >= 0) fs.closeSync(fd);
  }

  /**
   * Element `id`'s row as u32 words: its neighbour count (low 16 bits of word 0, the flags above
   * them), then its neighbours. Valid until the next call. Inside openStep … closeStep.
   */
  row(id: number): Uint32Array {
    const h = this.header;
    this.wanted[0] = id;
    if (this.readOne() !== 1) throw this.changed(`ends inside element ${id}`);
    this.rowsRead++;
    const words = this.words;
    const n = words[0]! & 0xffff;
    if (n > h.maxM0) throw this.changed(`element ${id} has ${n} level-0 neighbours, more than maxM0 ${h.maxM0}`);
    const total = h.curElementCount;
    for (let k = 1; k <= n; k++) if (words[k]! >= total) throw this.changed(`element ${id} links to ${words[k]}, past the ${total} elements`);
    words[0] = n;
    return words;
  }

  /**
   * Every element's row, as the graph would hold it in memory (maxM0 + 1 u32 each), read in one
   * sequential pass of `rowsPerStep` elements a step, for one walk that reaches much of the graph
   * (graph-search.ts, over a distance table): one read per node would cost ~1.5 µs each, 7.5 s
   * at 5M, where the pass takes ~0.9 s. The rows are checked as the load checked them, and the
   * file's stamp at each step's start and end.
   */
  *allRowsSteps(rowsPerStep: number): Steps<Uint32Array> {
    const { curElementCount: count, maxM0 } = this.header;
    const stride0 = maxM0 + 1;
    const rows = new Uint32Array(count * stride0);
    yield* this.chunksSteps(false, rowsPerStep, (words, wordsPerRow, first, n) => copyRows(words, wordsPerRow, n, rows, first * stride0, stride0));
    return rows;
  }

  /**
   * The file as a RowSource (reachable-walk.ts): single rows as `row` reads them, and runs of rows
   * read in one sequential pass of `rowsPerStep` elements a step (by rising or falling id), each
   * run checked as the load checked it, and the stamp at each step's start and end. Nothing is
   * held beyond one read's run (PASS_READ_BYTES).
   */
  rowSource(): RowSource {
    return {
      count: this.header.curElementCount,
      singleReadsCheap: false,
      chunksSteps: (falling, rowsPerStep, visit) => this.chunksSteps(falling, rowsPerStep, visit),
      openStep: () => this.openStep(),
      checkStep: () => this.checkStep(),
      closeStep: () => this.closeStep(),
      rowWords: (id) => this.row(id),
      rowStart: () => 0,
    };
  }

  private *chunksSteps(falling: boolean, rowsPerStep: number, visit: ChunkVisit): Steps<void> {
    const { curElementCount: count, maxM0, sizeDataPerElement: size } = this.header;
    const perRead = Math.max(1, Math.floor(PASS_READ_BYTES / size));
    const chunk = Buffer.allocUnsafeSlow(Math.min(perRead, count) * size);
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
    const wordsPerRow = size >> 2;
    for (let done = 0; done < count; ) {
      this.openStep();
      try {
        const stepEnd = Math.min(count, done + Math.max(1, rowsPerStep));
        while (done < stepEnd) {
          const n = Math.min(perRead, count - done);
          const first = falling ? count - done - n : done;
          this.readFully(chunk, n * size, first * size, first);
          const problem = badRow(words, wordsPerRow, n, maxM0, count);
          if (problem) throw this.changed(`element ${first + problem.row} ${problem.text}`);
          visit(words, wordsPerRow, first, n);
          done += n;
          this.rowsRead += n;
        }
        this.checkStep();
      } finally {
        this.closeStep();
      }
      if (done < count) yield;
    }
  }

  /** Reads the row of `wanted[0]`: how many rows were read whole (0 or 1); a read error throws as a changed file. */
  private readOne(): number {
    if (this.fd < 0) return 0;
    try {
      return readRows(this.fd, this.wanted, 1, this.header.sizeDataPerElement, this.rowBytes);
    } catch (err) {
      throw this.changed(`cannot be read (${(err as Error).message})`);
    }
  }

  private readFully(buf: Buffer, length: number, position: number, firstId: number): void {
    for (let done = 0; done < length; ) {
      let got: number;
      try {
        got = fs.readSync(this.fd, buf, done, length - done, position + done);
      } catch (err) {
        throw this.changed(`cannot be read (${(err as Error).message})`);
      }
      if (got === 0) throw this.changed(`ends inside element ${firstId + Math.floor(done / this.header.sizeDataPerElement)}`);
      done += got;
    }
  }

  private changed(problem: string): InspectorError {
    return new InspectorError('CORRUPT_HNSW', `${DATA_LEVEL0_FILE} ${problem} after the graph was loaded`, { file: DATA_LEVEL0_FILE });
  }
}
