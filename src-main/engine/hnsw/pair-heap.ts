/**
 * std::priority_queue<std::pair<float, tableint>, vector, CompareByFirst> as libstdc++ runs it:
 * a max-heap on the first member only, with exactly libstdc++'s push_heap / pop_heap moves.
 * hnswlib's search keeps its candidates and results in such heaps, and when distances tie the
 * heap's layout decides which element is dropped at the ef (or k) cut — so reproducing the moves,
 * not just the ordering, is what returns Chroma's ids when distances are equal.
 */
export class PairHeap {
  private keys: Float64Array;
  private ids: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(Math.max(4, capacity));
    this.ids = new Int32Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  topId(): number {
    return this.ids[0]!;
  }

  push(key: number, id: number): void {
    if (this.n === this.keys.length) this.grow();
    this.siftUp(this.n++, 0, key, id);
  }

  /** pop_heap then pop_back. */
  pop(): void {
    const last = --this.n;
    if (last <= 0) return;
    const key = this.keys[last]!;
    const id = this.ids[last]!;
    this.keys[last] = this.keys[0]!;
    this.ids[last] = this.ids[0]!;
    this.adjust(0, last, key, id);
  }

  /** libstdc++ __push_heap: the hole rises while its parent compares less than the value. */
  private siftUp(hole: number, top: number, key: number, id: number): void {
    const keys = this.keys;
    const ids = this.ids;
    let parent = (hole - 1) >> 1;
    while (hole > top && keys[parent]! < key) {
      keys[hole] = keys[parent]!;
      ids[hole] = ids[parent]!;
      hole = parent;
      parent = (hole - 1) >> 1;
    }
    keys[hole] = key;
    ids[hole] = id;
  }

  /** libstdc++ __adjust_heap over the first `len` slots: the hole sinks to a leaf, then the value rises. */
  private adjust(hole: number, len: number, key: number, id: number): void {
    const keys = this.keys;
    const ids = this.ids;
    const top = hole;
    let child = hole;
    while (child < (len - 1) >> 1) {
      child = 2 * (child + 1);
      if (keys[child]! < keys[child - 1]!) child--;
      keys[hole] = keys[child]!;
      ids[hole] = ids[child]!;
      hole = child;
    }
    if ((len & 1) === 0 && child === (len - 2) >> 1) {
      child = 2 * (child + 1);
      keys[hole] = keys[child - 1]!;
      ids[hole] = ids[child - 1]!;
      hole = child - 1;
    }
    this.siftUp(hole, top, key, id);
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
  }
}
