import type { Problem, Space } from '../../../shared/models.js';
import type { WalRecord } from '../wal/decode-row.js';
import type { CheckpointResult } from '../hnsw/checkpoint.js';
import { norm32, normalizeForStorage } from '../hnsw/vector-math.js';
import { BruteForceIndex } from '../hnsw/vector-index.js';

/**
 * The vectors a fresh Chroma process would hold for a collection: the HNSW checkpoint plus the
 * WAL rows newer than it (chroma-format.md §4.7, §6.8). Labels follow Chroma's rules (1-based,
 * arrival order, never reused) because query ties are broken by label.
 */
export class VectorState {
  readonly idToLabel: Map<string, number>;
  /** Vectors as `get` returns them (de-normalised for cosine). */
  readonly original = new Map<number, Float32Array>();
  /** Vectors as the index stores them (unit-normalised for cosine; same as original otherwise). */
  readonly stored = new Map<number, Float32Array>();
  readonly problems: Problem[] = [];
  private nextLabel: number;

  constructor(
    readonly space: Space,
    checkpoint: CheckpointResult | null,
    tail: readonly WalRecord[],
    readonly collectionId: string,
  ) {
    const usable = checkpoint?.usable ?? false;
    this.idToLabel = usable ? new Map(checkpoint!.idToLabel) : new Map();
    this.nextLabel = (usable ? checkpoint!.totalElementsAdded : 0) + 1;
    if (usable) {
      for (const [label, vec] of checkpoint!.vectors) this.original.set(label, vec);
      for (const [label, vec] of space === 'cosine' ? checkpoint!.storedVectors : checkpoint!.vectors) this.stored.set(label, vec);
    }
    for (const row of tail) this.apply(row);
  }

  get size(): number {
    return this.idToLabel.size;
  }

  private exact: BruteForceIndex | null = null;

  /** Exact search over the stored vectors; built once per state. */
  bruteForce(dim: number): BruteForceIndex {
    if (!this.exact) {
      const index = new BruteForceIndex(this.space, dim);
      for (const [label, vec] of this.stored) if (vec.length === dim) index.setStored(label, vec);
      this.exact = index;
    }
    return this.exact;
  }

  private put(label: number, vector: Float32Array) {
    if (this.space === 'cosine') {
      const unit = normalizeForStorage(vector);
      const norm = norm32(vector);
      const back = new Float32Array(unit.length);
      for (let i = 0; i < unit.length; i++) back[i] = Math.fround(unit[i]! * norm);
      this.stored.set(label, unit);
      this.original.set(label, back);
    } else {
      this.stored.set(label, vector);
      this.original.set(label, vector);
    }
  }

  private add(row: WalRecord, vector: Float32Array) {
    const label = this.nextLabel++;
    this.idToLabel.set(row.id, label);
    this.put(label, vector);
  }

  private remove(id: string) {
    const label = this.idToLabel.get(id);
    if (label === undefined) return;
    this.idToLabel.delete(id);
    this.stored.delete(label);
    this.original.delete(label);
  }

  private apply(row: WalRecord) {
    const known = this.idToLabel.get(row.id);
    switch (row.operation) {
      case 'ADD':
        if (known !== undefined) return;
        if (!row.vector) {
          this.problems.push({
            severity: 'warning',
            code: 'wal.add-without-vector',
            message: `WAL row ${row.seqId} adds "${row.id}" without an embedding; Chroma's backfill fails on it`,
            collectionId: this.collectionId,
          });
          return;
        }
        this.add(row, row.vector);
        return;
      case 'UPDATE':
        if (known === undefined || !row.vector) return;
        this.put(known, row.vector);
        return;
      case 'UPSERT':
        if (!row.vector) return;
        if (known === undefined) this.add(row, row.vector);
        else this.put(known, row.vector);
        return;
      case 'DELETE':
        this.remove(row.id);
        return;
      default:
        return;
    }
  }
}
