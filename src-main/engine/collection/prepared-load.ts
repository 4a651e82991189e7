import os from 'node:os';
import type { Space } from '../../../shared/models.js';
import { VectorArena } from '../hnsw/simd-kernel.js';
import { Prefault, worthPrefaulting } from '../util/prefault.js';

/**
 * The memory a collection's vector load will fill, mapped in the background once a first query
 * was answered from the files (unloaded-vectors.ts). That answer skips the load, so the second
 * query pays for it; most of a large load is the page faults of its fresh vectors and level-0
 * rows (a million × 128: ~1.5 s of the ~2.5 s), which a low-priority helper thread takes while
 * the person reads the first answer. The load then adopts the arena and the rows (each once, and
 * only for the layout they were made for) and copies into pages already mapped.
 *
 * Nothing is prepared when the load would not be worth a helper, or when the machine has less
 * than twice the memory free: speculation must not push a tight machine into swapping.
 */
export class PreparedLoad {
  private arena: VectorArena | null;
  private rows: Uint32Array | null;

  private constructor(
    private readonly space: Space,
    private readonly count: number,
    private readonly dim: number,
    arena: VectorArena,
    rows: Uint32Array,
    private readonly prefault: Prefault,
  ) {
    this.arena = arena;
    this.rows = rows;
  }

  /** For `count` elements of `dim` floats with rows of maxM0 + 1 u32 each, or null (see above). */
  static start(space: Space, count: number, dim: number, maxM0: number): PreparedLoad | null {
    const rowWords = count * (maxM0 + 1);
    const bytes = count * dim * 4 + rowWords * 4;
    if (count <= 0 || !worthPrefaulting(bytes) || bytes * 2 > os.freemem()) return null;
    const arena = VectorArena.create(space, dim, count, true);
    const vectors = arena?.sharedVectors();
    if (!arena || !vectors) return null;
    const rows = new Uint32Array(new SharedArrayBuffer(rowWords * 4));
    const prefault = Prefault.start([vectors, { buffer: rows.buffer as SharedArrayBuffer, byteOffset: 0, byteLength: rows.byteLength }], { background: true });
    if (!prefault) return null;
    return new PreparedLoad(space, count, dim, arena, rows, prefault);
  }

  /** The arena, once, if the load reserves exactly what it was made for. */
  takeArena(space: Space, count: number, dim: number): VectorArena | null {
    if (space !== this.space || count !== this.count || dim !== this.dim) return null;
    const arena = this.arena;
    this.arena = null;
    return arena;
  }

  /** The level-0 rows, once, if the load asks for exactly their length. */
  takeRows(length: number): Uint32Array | null {
    if (this.rows?.length !== length) return null;
    const rows = this.rows;
    this.rows = null;
    return rows;
  }

  /** Pages the helper has mapped so far (tests). */
  get touched(): number {
    return this.prefault.touched;
  }

  /** Stops the helper and lets go of what was not taken. */
  release(): void {
    this.prefault.stop();
    this.arena = null;
    this.rows = null;
  }
}
