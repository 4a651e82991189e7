import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { HierarchicalNSW } from 'hnswlib-node';
import type { Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CheckpointResult } from './checkpoint.js';
import { guardedNative } from '../util/native-guard.js';
import { writeStandardIndexFile } from './standard-index.js';
import type { SearchHit, VectorIndex } from './vector-index.js';
import { checkQueryDimension, compareHits, normalizeForStorage, normalizeQuery, type VectorLike } from './vector-math.js';

type HnswlibModule = typeof import('hnswlib-node');

export interface HnswlibOptions {
  space: Space;
  dim: number;
  /** Chroma's defaults: M 16, ef_construction 100, ef_search 100 (docs/format.md §3.6). */
  M?: number;
  efConstruction?: number;
  efSearch?: number;
  /** Rust core seeds with 0 (docs/format.md §6.8); graphs still differ because Chroma inserts in parallel. */
  randomSeed?: number;
}

/** hnswlib-node passes labels and sizes as uint32. */
const MAX_LABEL = 0xffffffff;
/** Rust core's minimum capacity (docs/format.md §6.8). */
export const MIN_CAPACITY = 100;

let hnswlibModule: HnswlibModule | null = null;

/**
 * Loaded on first use so code paths that only read files never load the native addon. A plain
 * require keeps queries synchronous (better-sqlite3 is synchronous too).
 */
function loadHnswlib(): HnswlibModule {
  hnswlibModule ??= createRequire(import.meta.url)('hnswlib-node') as HnswlibModule;
  return hnswlibModule;
}

/** Labels must fit hnswlib-node's uint32. */
export function checkLabel(label: number): void {
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    throw new InspectorError('INTERNAL', `label ${label} is outside the range hnswlib-node supports (0…${MAX_LABEL})`);
  }
}

/**
 * Approximate search through hnswlib-node. Cosine collections are opened in the `ip` space with
 * vectors normalised here by the fork's formula: hnswlib-node's own `cosine` space re-normalises
 * without Chroma's epsilon (docs/format.md §6.5 pitfalls). Deleted elements stay in the graph, marked deleted.
 */
export class HnswlibIndex implements VectorIndex {
  private readonly efSearch: number;

  private constructor(
    private readonly index: HierarchicalNSW,
    readonly space: Space,
    readonly dim: number,
    private readonly live: Set<number>,
    efSearch: number,
  ) {
    this.efSearch = efSearch;
  }

  /** A fresh, empty index (no usable checkpoint, or an empty one: readIndex would give capacity 0). */
  static create(opts: HnswlibOptions & { capacity?: number }): HnswlibIndex {
    const lib = loadHnswlib();
    const index = new lib.HierarchicalNSW(opts.space === 'cosine' ? 'ip' : opts.space, opts.dim);
    index.initIndex({
      maxElements: Math.max(MIN_CAPACITY, opts.capacity ?? 0),
      m: opts.M ?? 16,
      efConstruction: opts.efConstruction ?? 100,
      randomSeed: opts.randomSeed ?? 0,
      allowReplaceDeleted: false,
    });
    return new HnswlibIndex(index, opts.space, opts.dim, new Set(), opts.efSearch ?? 100);
  }

  /**
   * Loads a usable checkpoint: the four files are joined into the standard single-file format in a
   * private temp dir under os.tmpdir() (never inside the Chroma folder), read, and the temp file
   * removed. Phantom labels are marked deleted. `reserve` grows capacity once for a known WAL tail.
   */
  static fromCheckpoint(
    folderAbsPath: string,
    segmentRelName: string,
    checkpoint: Pick<CheckpointResult, 'usable' | 'header' | 'phantomLabels' | 'idToLabel'>,
    opts: { space: Space; efSearch?: number; reserve?: number },
  ): HnswlibIndex {
    const header = checkpoint.header;
    if (!checkpoint.usable || !header) {
      throw new InspectorError('INTERNAL', `${segmentRelName}: HnswlibIndex.fromCheckpoint needs a usable checkpoint`);
    }
    const lib = loadHnswlib();
    const index = new lib.HierarchicalNSW(opts.space === 'cosine' ? 'ip' : opts.space, header.dim);
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chroma-inspector-hnsw-'));
    try {
      const file = path.join(tmpDir, 'index.bin');
      writeStandardIndexFile(folderAbsPath, segmentRelName, file);
      try {
        guardedNative(() => index.readIndexSync(file, false));
      } catch (err) {
        // hnswlib re-checks the layout ("Index seems to be corrupted or unsupported").
        const why = (err as Error).message;
        throw new InspectorError('CORRUPT_HNSW', `${segmentRelName}: hnswlib could not load the checkpoint: ${why}`, {
          file: segmentRelName,
        });
      }
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    for (const label of checkpoint.phantomLabels) {
      checkLabel(label);
      guardedNative(() => index.markDelete(label));
    }
    const live = new Set(checkpoint.idToLabel.values());
    const out = new HnswlibIndex(index, opts.space, header.dim, live, opts.efSearch ?? 100);
    if (opts.reserve) out.reserve(opts.reserve);
    return out;
  }

  /** Makes room for `extra` new labels with one resize, instead of growing during the tail replay. */
  reserve(extra: number): void {
    const needed = guardedNative(() => this.index.getCurrentCount()) + extra;
    if (needed > guardedNative(() => this.index.getMaxElements())) guardedNative(() => this.index.resizeIndex(needed));
  }

  /** Adds a new label or replaces a live one's vector, from the ORIGINAL vector. */
  upsert(label: number, vector: VectorLike): void {
    checkQueryDimension(vector, this.dim);
    this.upsertStored(label, this.space === 'cosine' ? normalizeForStorage(vector) : Float32Array.from(vector));
  }

  /**
   * Adds a new label or replaces a live one's vector as the index stores it (unit-normalised for
   * cosine, docs/format.md §6.6), so a rebuild copies a checkpoint's sound vectors bit for bit.
   */
  upsertStored(label: number, stored: Float32Array): void {
    checkLabel(label);
    checkQueryDimension(stored, this.dim);
    if (!this.live.has(label) && guardedNative(() => this.index.getCurrentCount() >= this.index.getMaxElements())) {
      guardedNative(() => this.index.resizeIndex(Math.max(MIN_CAPACITY, this.index.getMaxElements() * 2)));
    }
    const point = Array.from(stored);
    guardedNative(() => this.index.addPoint(point, label));
    this.live.add(label);
  }

  /** Saves hnswlib's standard single-file index (the write engine splits it into Chroma's files, docs/format.md §6.5). */
  async save(file: string): Promise<void> {
    await this.index.writeIndex(file);
  }

  delete(label: number): boolean {
    if (!this.live.has(label)) return false;
    guardedNative(() => this.index.markDelete(label));
    this.live.delete(label);
    return true;
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  size(): number {
    return this.live.size;
  }

  search(query: Float32Array, k: number, allowed?: (label: number) => boolean): SearchHit[] {
    checkQueryDimension(query, this.dim);
    // hnswlib-node throws when k exceeds capacity; Chroma caps k at the live count anyway.
    const limit = Math.min(Math.max(0, Math.floor(k)), this.live.size);
    if (limit === 0) return [];
    const q = this.space === 'cosine' ? normalizeQuery(query) : query;
    guardedNative(() => this.index.setEf(Math.max(this.efSearch, limit)));
    const point = Array.from(q);
    const res = guardedNative(() => (allowed ? this.index.searchKnn(point, limit, allowed) : this.index.searchKnn(point, limit)));
    const hits: SearchHit[] = res.neighbors.map((label, i) => ({ label, distance: Math.fround(res.distances[i]!) }));
    // hnswlib's heap leaves equal distances in no defined order; Chroma reports them by label.
    return hits.sort(compareHits);
  }
}
