import type { HnswHeader } from '../../../shared/models.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { chunkViews, isDeletedAt, labelAt } from './level0-scan.js';

export const level0Tuning = {
  /**
   * From this many bytes of level-0 rows in memory (maxM0 + 1 u32 an element: 132 bytes at M = 16,
   * ~2M elements), the graph reads each row from data_level0.bin as its walk reaches it
   * (level0-file.ts) instead of holding them all: at 5M × 128 they are 629 MB, a quarter of the
   * vectors. Tests lower it to walk small graphs that way.
   */
  inFilesFromBytes: 256 * 1024 * 1024,
};

/**
 * Whether a loaded graph of this header leaves its level-0 rows in data_level0.bin. Only where a
 * row's words can be viewed in place (4-aligned layout, little-endian host).
 */
export function level0StaysInFiles(header: HnswHeader): boolean {
  const { curElementCount: count, maxM0, sizeDataPerElement: size } = header;
  return HOST_IS_LITTLE_ENDIAN && size % 4 === 0 && count > 0 && count * (maxM0 + 1) * 4 >= level0Tuning.inFilesFromBytes;
}

/** What result() says when the rows of that header were not (all) collected: the caller walks the file itself. */
export const NOT_ALL_READ = 'the level-0 rows were not all read';

/** Whether two headers describe the same element layout (the collector's rows fit both). */
export function sameLayout(a: HnswHeader, b: HnswHeader): boolean {
  return (
    a.curElementCount === b.curElementCount &&
    a.sizeDataPerElement === b.sizeDataPerElement &&
    a.maxM0 === b.maxM0 &&
    a.labelOffset === b.labelOffset &&
    a.offsetData === b.offsetData
  );
}

const tooManyNeighbours = (id: number, n: number, maxM0: number) => `element ${id} has ${n} level-0 neighbours, more than maxM0 ${maxM0}`;
const linkPastEnd = (id: number, to: number, total: number) => `element ${id} links to ${to}, past the ${total} elements`;

/** The labels and deleted flags of `count` elements from a chunk seen as u32 words (their rows stay in the file). */
function copyMarksFromWords(words: Uint32Array, stride: number, labelWord: number, firstId: number, count: number, links: Level0Links): void {
  const { labels, deleted } = links;
  let maxLabel = links.maxLabel;
  let deletedCount = links.deletedCount;
  for (let j = 0; j < count; j++) {
    const w = j * stride;
    const label = words[w + labelWord]! + words[w + labelWord + 1]! * 2 ** 32;
    labels[firstId + j] = label;
    if (label > maxLabel) maxLabel = label;
    if ((words[w]! >>> 16) & 0x01) {
      deleted[firstId + j] = 1;
      deletedCount++;
    }
  }
  links.maxLabel = maxLabel;
  links.deletedCount = deletedCount;
}

/**
 * The rows of `count` elements from a chunk seen as u32 words (4-aligned layout, little-endian
 * host): one tight loop per element, the bound checked once per row on its largest link. Returns
 * the first damage found, or null.
 */
function copyRowsFromWords(words: Uint32Array, stride: number, labelWord: number, firstId: number, count: number, maxM0: number, total: number, links: Level0Links): string | null {
  const { level0, labels, deleted } = links;
  const stride0 = maxM0 + 1;
  let maxLabel = links.maxLabel;
  let deletedCount = links.deletedCount;
  for (let j = 0; j < count; j++) {
    const id = firstId + j;
    const w = j * stride;
    const label = words[w + labelWord]! + words[w + labelWord + 1]! * 2 ** 32;
    labels[id] = label;
    if (label > maxLabel) maxLabel = label;
    const head = words[w]!;
    // The first u32 is the neighbour count (two bytes), then the flags byte (docs/format.md §6.2).
    if ((head >>> 16) & 0x01) {
      deleted[id] = 1;
      deletedCount++;
    }
    const n = head & 0xffff;
    if (n > maxM0) return tooManyNeighbours(id, n, maxM0);
    const row = id * stride0;
    level0[row] = n;
    let highest = 0;
    for (let k = 1; k <= n; k++) {
      const to = words[w + k]!;
      level0[row + k] = to;
      if (to > highest) highest = to;
    }
    if (n > 0 && highest >= total) {
      for (let k = 1; k <= n; k++) if (words[w + k]! >= total) return linkPastEnd(id, words[w + k]!, total);
    }
  }
  links.maxLabel = maxLabel;
  links.deletedCount = deletedCount;
  return null;
}

/** Every element's level-0 row as the graph search reads it, taken from data_level0.bin chunks. */
export interface Level0Links {
  count: number;
  /**
   * maxM0 + 1 u32 per element: the neighbour count, then the neighbours' internal ids. Empty when
   * the rows stay in data_level0.bin (level0StaysInFiles): the walk reads them there.
   */
  level0: Uint32Array;
  labels: Float64Array;
  deleted: Uint8Array;
  deletedCount: number;
  /** The highest label on any element, deleted ones included. */
  maxLabel: number;
}

/**
 * Takes the graph's level-0 rows out of data_level0.bin chunks as a scan reads them, so the first
 * query's vector load and graph load share one pass over the file (the file is mostly links).
 * A row that breaks the header's bounds makes the whole collection unusable, with the reason.
 */
export class Level0LinkCollector {
  constructor(
    /** Allocates the level-0 rows (u32 count): in shared memory when a helper thread maps their pages ahead. */
    private readonly allocateRows: (length: number) => Uint32Array = (length) => new Uint32Array(length),
  ) {}

  private header: HnswHeader | null = null;
  private links: Level0Links | null = null;
  private seen = 0;
  private problem: string | null = null;

  /** Copies the rows of elements firstId… (a walk restarts from element 0 when a checkpoint is read again). */
  chunk(buf: Buffer, firstId: number, count: number, header: HnswHeader): void {
    if (firstId === 0 || this.header !== header) this.reset(header);
    if (this.problem !== null || firstId !== this.seen) {
      this.problem ??= `chunks arrived out of order (element ${firstId} after ${this.seen})`;
      return;
    }
    const links = this.links!;
    const { maxM0, sizeDataPerElement: size, labelOffset } = header;
    const stride0 = maxM0 + 1;
    const total = links.count;
    const words = size % 4 === 0 && labelOffset % 4 === 0 ? chunkViews(buf)?.words : undefined;
    if (words && links.level0.length === 0) {
      // The rows stay in the file: their bounds are still checked here, as for rows kept.
      copyMarksFromWords(words, size >> 2, labelOffset >> 2, firstId, count, links);
      this.problem = rowProblemText(firstBadRow(words, size >> 2, firstId, count, maxM0, total, BAD_ROW), BAD_ROW, maxM0, total);
      if (this.problem !== null) return;
    } else if (words) {
      this.problem = copyRowsFromWords(words, size >> 2, labelOffset >> 2, firstId, count, maxM0, total, links);
      if (this.problem !== null) return;
    } else {
      const keepsRows = links.level0.length > 0;
      for (let j = 0; j < count; j++) {
        const id = firstId + j;
        const base = j * size;
        const label = labelAt(buf, base, labelOffset);
        links.labels[id] = label;
        if (label > links.maxLabel) links.maxLabel = label;
        if (isDeletedAt(buf, base)) {
          links.deleted[id] = 1;
          links.deletedCount++;
        }
        const n = buf[base]! | (buf[base + 1]! << 8);
        if (n > maxM0) {
          this.problem = tooManyNeighbours(id, n, maxM0);
          return;
        }
        const row = id * stride0;
        if (keepsRows) links.level0[row] = n;
        for (let k = 1; k <= n; k++) {
          const to = buf.readUInt32LE(base + 4 * k);
          if (to >= total) {
            this.problem = linkPastEnd(id, to, total);
            return;
          }
          if (keepsRows) links.level0[row + k] = to;
        }
      }
    }
    this.seen = firstId + count;
  }

  /** Takes rows another reader copied from these files (a background load, prepared-load.ts) as if walked here. */
  adopt(header: HnswHeader, links: Level0Links): void {
    this.header = header;
    this.links = links;
    this.seen = header.curElementCount;
    this.problem = null;
  }

  /** The rows of every element of `header`, or why there are none (damage, or a walk that did not finish). */
  result(header: HnswHeader): Level0Links | { problem: string } {
    if (this.problem !== null) return { problem: this.problem };
    if (!this.header || !sameLayout(this.header, header) || !this.links || this.seen !== header.curElementCount) {
      return { problem: NOT_ALL_READ };
    }
    return this.links;
  }

  private reset(header: HnswHeader): void {
    const count = header.curElementCount;
    const sameShape = this.links && this.links.count === count && this.header?.maxM0 === header.maxM0 && (this.links.level0.length === 0) === level0StaysInFiles(header);
    this.header = header;
    this.seen = 0;
    this.problem = null;
    if (sameShape) {
      this.links!.deleted.fill(0);
      this.links!.deletedCount = 0;
      this.links!.maxLabel = 0;
      return;
    }
    this.links = {
      count,
      level0: level0StaysInFiles(header) ? new Uint32Array(0) : this.allocateRows(count * (header.maxM0 + 1)),
      labels: new Float64Array(count),
      deleted: new Uint8Array(count),
      deletedCount: 0,
      maxLabel: 0,
    };
  }
}

/**
 * The first row of elements firstId… in a data_level0.bin chunk that breaks the header's bounds
 * (the checks Level0LinkCollector makes), without copying anything: for a first query that walks
 * the graph from the file (file-graph.ts) but must refuse it exactly when the loaded graph would.
 */
export function level0RowsProblem(buf: Buffer, firstId: number, count: number, header: HnswHeader): string | null {
  const { maxM0, sizeDataPerElement: size, curElementCount: total } = header;
  const words = size % 4 === 0 ? chunkViews(buf)?.words : undefined;
  if (words) return rowProblemText(firstBadRow(words, size >> 2, firstId, count, maxM0, total, BAD_ROW), BAD_ROW, maxM0, total);
  for (let j = 0; j < count; j++) {
    const base = j * size;
    const n = buf[base]! | (buf[base + 1]! << 8);
    if (n > maxM0) return tooManyNeighbours(firstId + j, n, maxM0);
    for (let k = 1; k <= n; k++) {
      const to = buf.readUInt32LE(base + 4 * k);
      if (to >= total) return linkPastEnd(firstId + j, to, total);
    }
  }
  return null;
}

/** firstBadRow's answers (0: every row is sound). */
export const ROW_TOO_MANY_NEIGHBOURS = 1;
export const ROW_LINK_PAST_END = 2;
const BAD_ROW = new Float64Array(2);

/** The message for a firstBadRow answer (`where` holds its element and its count or link). */
export function rowProblemText(kind: number, where: Float64Array, maxM0: number, total: number): string | null {
  if (kind === ROW_TOO_MANY_NEIGHBOURS) return tooManyNeighbours(where[0]!, where[1]!, maxM0);
  if (kind === ROW_LINK_PAST_END) return linkPastEnd(where[0]!, where[1]!, total);
  return null;
}

/**
 * The level-0 row bound checks over a chunk seen as u32 words (`stride` words per element): 0
 * when every row is sound, else 1 (too many neighbours) or 2 (a link past the end) with the
 * element and its count or link in `where`.
 *
 * Self-contained (it uses nothing but its arguments): the level-0 pre-scan sends its source text
 * to a worker thread (level0-prescan.ts).
 */
export function firstBadRow(words: Uint32Array, stride: number, firstId: number, count: number, maxM0: number, total: number, where: Float64Array): number {
  for (let j = 0; j < count; j++) {
    const w = j * stride;
    const n = words[w]! & 0xffff;
    if (n > maxM0) {
      where[0] = firstId + j;
      where[1] = n;
      return 1;
    }
    for (let k = 1; k <= n; k++) {
      const to = words[w + k]!;
      if (to >= total) {
        where[0] = firstId + j;
        where[1] = to;
        return 2;
      }
    }
  }
  return 0;
}
