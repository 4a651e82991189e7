import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader, Space } from '../../../shared/models.js';
import { forkDistance, rankedDistance, type ForkDistance } from './fork-distance.js';
import { linkListBlockBytes } from './header.js';
import { FLT_MAX } from './graph-search.js';
import { isDeletedAt, labelAt } from './level0-scan.js';
import { PairHeap } from './pair-heap.js';
import { DATA_LEVEL0_FILE } from './segment-files.js';
import { readRows } from '../util/row-reads.js';
import { freshTyped, HUGE_PAGE_BYTES } from '../util/huge-pages.js';
import type { SearchHit } from './vector-index.js';

/** The arena rows are read into comes in chunks of this much (FileGraph.rowSpace). */
const ROW_ARENA_BYTES = 2 * HUGE_PAGE_BYTES;

/** One element of data_level0.bin as read: its neighbours, flags, label and stored vector. */
interface Row {
  bytes: Buffer;
  vector: Float32Array;
  label: number;
  deleted: boolean;
}

/** Why a row read from the files cannot be walked: the caller answers another way. */
export class FileGraphDamage extends Error {}

/**
 * Chroma's searchKnn (graph-search.ts: the same steps, heaps and stop rule) over a checkpoint
 * that stays on disk: each element the walk touches is read from data_level0.bin with one
 * positioned read (an element's neighbours in one batch: prefetch). A first query then costs a
 * few thousand small reads instead of copying every vector and link into memory, which on a
 * fresh process is most of its wait (each page of new memory must be faulted in). The loaded graph (CheckpointGraph) answers every later query;
 * this one is kept apart because its hot loop reads typed arrays, not files.
 *
 * Every check that decides what a query may return was made by the caller over the whole file
 * (readCheckpoint: labels, damage, row bounds); rows are still bounds-checked here and anything
 * unexpected throws FileGraphDamage rather than walking garbage.
 */
export class FileGraph {
  private readonly distance: ForkDistance;
  private readonly rows = new Map<number, Row>();
  private readonly top = new PairHeap();
  private readonly open = new PairHeap();
  private fd = -1;
  private readonly dataFile: string;
  /** prefetch's list of rows to read (reused). */
  private wanted = new Uint32Array(0);
  /** Where a search's rows are read into (rowSpace), and how much of it they take; reused by each search. */
  private arena: Uint8Array | null = null;
  private arenaUsed = 0;
  /** Inside search(): rows read then go to the arena. */
  private searching = false;

  constructor(
    segmentDir: string,
    readonly header: HnswHeader,
    space: Space,
    /** link_lists.bin, and where each element's level-1 block starts + 1 (0: level 0 only), from walkLinkLists. */
    private readonly linkLists: Buffer,
    private readonly upperAt: Int32Array,
  ) {
    this.dataFile = path.join(segmentDir, DATA_LEVEL0_FILE);
    this.distance = forkDistance(space, header.dim);
  }

  /** Internal id `id`'s row, read once per search. */
  row(id: number): Row {
    const cached = this.rows.get(id);
    if (cached) return cached;
    const h = this.header;
    if (!(id >= 0 && id < h.curElementCount)) throw new FileGraphDamage(`element ${id} is past the ${h.curElementCount} elements`);
    const bytes = this.rowSpace(h.sizeDataPerElement);
    const read = () => fs.readSync(this.fd, bytes, 0, bytes.length, id * h.sizeDataPerElement);
    if ((this.fd >= 0 ? read() : this.reading(read)) !== bytes.length) {
      throw new FileGraphDamage(`${DATA_LEVEL0_FILE} ends inside element ${id}`);
    }
    return this.keep(id, bytes);
  }

  private keep(id: number, bytes: Buffer): Row {
    const h = this.header;
    const vector =
      bytes.byteOffset % 4 === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset + h.offsetData, h.dim)
        : Float32Array.from({ length: h.dim }, (_, i) => bytes.readFloatLE(h.offsetData + 4 * i));
    const row = { bytes, vector, label: labelAt(bytes, 0, h.labelOffset), deleted: isDeletedAt(bytes, 0) };
    // Kept for the rest of a search only: rows read outside one (a get's stored vectors, read
    // from the files page after page) would otherwise stay until the next search, if any.
    if (this.searching) this.rows.set(id, row);
    return row;
  }

  /**
   * Reads the rows of `ids` not read yet in one batch (util/row-reads.ts), before the walk asks
   * for them one by one: an element's neighbours, all of which it measures. A row the batch did
   * not read whole is left to row(), which reads it alone and names the damage.
   */
  private prefetch(ids: ArrayLike<number>): void {
    if (this.fd < 0) return;
    const h = this.header;
    const size = h.sizeDataPerElement;
    if (this.wanted.length < ids.length) this.wanted = new Uint32Array(ids.length);
    const wanted = this.wanted;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id >= 0 && id < h.curElementCount && !this.rows.has(id)) wanted[n++] = id;
    }
    if (n < 2) return;
    const batch = this.rowSpace(n * size);
    const got = readRows(this.fd, wanted, n, size, batch);
    for (let k = 0; k < got; k++) this.keep(wanted[k]!, batch.subarray(k * size, (k + 1) * size));
  }

  /**
   * `bytes` for rows. A search's go to an arena of whole huge pages (util/huge-pages.ts
   * freshTyped) that each search of this graph reuses: a first query at 100,000 × 128 reads ~4,600
   * rows (3 MB), and into buffers of their own their fresh memory took ~750 page faults (~8 ms on
   * the bench machine, where a fault costs ~11 µs) against one or two. A row read outside a search
   * (a stored vector for `include: ['embeddings']`) gets a buffer of its own: the next search
   * reuses the arena. releaseSearchSpace lets the arena go once a query's searches are done.
   */
  private rowSpace(bytes: number): Buffer {
    if (!this.searching) return Buffer.allocUnsafe(bytes);
    if (this.arena === null || this.arenaUsed + bytes > this.arena.length) {
      // Full (a search with a large ef): another chunk, which the next search starts from.
      this.arena = freshTyped(Uint8Array, Math.ceil(Math.max(bytes, ROW_ARENA_BYTES) / HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES);
      this.arenaUsed = 0;
    }
    const out = Buffer.from(this.arena.buffer, this.arena.byteOffset + this.arenaUsed, bytes);
    // Rows stay 4-byte aligned (a row's size is a multiple of 4), so their vectors are views.
    this.arenaUsed += (bytes + 3) & ~3;
    return out;
  }

  /**
   * Lets the rows' arena go (a later search makes another): for the caller whose searches are
   * done, since the graph itself outlives them until the vector load replaces it, and a first
   * query's arena would otherwise be part of that load's peak.
   */
  releaseSearchSpace(): void {
    this.arena = null;
    this.arenaUsed = 0;
  }

  /** Reads rows through one descriptor for the duration of `fn`. */
  reading<T>(fn: () => T): T {
    if (this.fd >= 0) return fn();
    this.fd = fs.openSync(this.dataFile, 'r');
    try {
      return fn();
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  private neighbours(id: number, level: number): Uint32Array {
    const h = this.header;
    if (level === 0) {
      const bytes = this.row(id).bytes;
      const n = bytes[0]! | (bytes[1]! << 8);
      if (n > h.maxM0) throw new FileGraphDamage(`element ${id} has ${n} level-0 neighbours, more than maxM0 ${h.maxM0}`);
      return this.ids(bytes, 4, n, id);
    }
    const at = this.upperAt[id]! - 1 + (level - 1) * linkListBlockBytes(h);
    const n = this.linkLists.readUInt32LE(at) & 0xffff;
    if (n > h.maxM) throw new FileGraphDamage(`element ${id} has ${n} neighbours on level ${level}, more than maxM ${h.maxM}`);
    return this.ids(this.linkLists, at + 4, n, id);
  }

  private ids(buf: Buffer, at: number, n: number, id: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let j = 0; j < n; j++) {
      const to = buf.readUInt32LE(at + 4 * j);
      if (to >= this.header.curElementCount) throw new FileGraphDamage(`element ${id} links to ${to}, past the ${this.header.curElementCount} elements`);
      out[j] = to;
    }
    return out;
  }

  private levelOf(id: number): number {
    const at = this.upperAt[id]! - 1;
    if (at < 0) return 0;
    return this.linkLists.readUInt32LE(at - 4) / linkListBlockBytes(this.header);
  }

  private distanceTo(q: Float32Array, id: number): number {
    return this.distance(q, this.row(id).vector, 0);
  }

  private rankKey(id: number, d: number): number | null {
    return Number.isFinite(d) ? d : rankedDistance(d, this.row(id).vector, 0, this.header.dim);
  }

  /**
   * Up to k hits, ascending by (distance, label), exactly as CheckpointGraph.search over the same
   * files. `collect(id, row)` is the fork's "not deleted and allowed" test. Call inside reading().
   */
  search(q: Float32Array, k: number, efSearch: number, collect: (row: Row) => boolean): SearchHit[] {
    this.rows.clear();
    // The last search's rows are gone: its arena is written over.
    this.arenaUsed = 0;
    this.searching = true;
    try {
      return this.searchRows(q, k, efSearch, collect);
    } finally {
      this.searching = false;
      // No row outlives its search (their bytes are the arena's, which the next one reuses).
      this.rows.clear();
    }
  }

  private searchRows(q: Float32Array, k: number, efSearch: number, collect: (row: Row) => boolean): SearchHit[] {
    const h = this.header;
    if (h.curElementCount === 0 || k <= 0) return [];
    let cur = h.enterpointNode;
    let curDist = this.distanceTo(q, cur);
    for (let level = h.maxLevel; level > 0; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        if (this.levelOf(cur) < level) break;
        const near = this.neighbours(cur, level);
        this.prefetch(near);
        for (const cand of near) {
          const d = this.distanceTo(q, cand);
          if (d < curDist) {
            curDist = d;
            cur = cand;
            changed = true;
          }
        }
      }
    }
    const top = this.searchLevel0(q, cur, Math.max(efSearch, k), collect);
    while (top.size > k) top.pop();
    const hits: SearchHit[] = [];
    while (top.size > 0) {
      hits.push({ label: this.row(top.topId()).label, distance: top.topKey() });
      top.pop();
    }
    return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /** searchBaseLayerST with a filter functor present (graph-search.ts), rows read on demand. */
  private searchLevel0(q: Float32Array, ep: number, ef: number, collect: (row: Row) => boolean): PairHeap {
    const visited = new Set<number>([ep]);
    const top = this.top;
    const open = this.open;
    top.clear();
    open.clear();
    let lowerBound: number;
    const epKey = collect(this.row(ep)) ? this.rankKey(ep, this.distanceTo(q, ep)) : null;
    if (epKey !== null) {
      lowerBound = epKey;
      top.push(epKey, ep);
      open.push(-epKey, ep);
    } else {
      lowerBound = FLT_MAX;
      open.push(-lowerBound, ep);
    }
    while (open.size > 0) {
      if (-open.topKey() > lowerBound && top.size === ef) break;
      const id = open.topId();
      open.pop();
      const fresh: number[] = [];
      for (const cand of this.neighbours(id, 0)) {
        if (visited.has(cand)) continue;
        visited.add(cand);
        fresh.push(cand);
      }
      this.prefetch(fresh);
      for (const cand of fresh) {
        const d = this.distanceTo(q, cand);
        if (top.size < ef || lowerBound > d) {
          open.push(-d, cand);
          if (collect(this.row(cand))) {
            const key = this.rankKey(cand, d);
            if (key !== null) top.push(key, cand);
          }
          if (top.size > ef) top.pop();
          if (top.size > 0) lowerBound = top.topKey();
        }
      }
    }
    return top;
  }
}
