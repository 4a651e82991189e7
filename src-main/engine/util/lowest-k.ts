/**
 * The `k` items with the smallest keys among those offered, in ascending order of key (earlier
 * offers first among equal keys): a bounded sample of a long pass that does not depend on the
 * order the pass meets things in (a pickle's hash order, a parallel build's internal ids).
 */
export class LowestK<T> {
  private readonly kept: { key: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  offer(key: number, item: T): void {
    const kept = this.kept;
    if (kept.length === this.k && key >= kept[kept.length - 1]!.key) return;
    let at = kept.length;
    while (at > 0 && kept[at - 1]!.key > key) at--;
    kept.splice(at, 0, { key, item });
    if (kept.length > this.k) kept.pop();
  }

  /** The items kept, smallest key first. */
  items(): T[] {
    return this.kept.map((x) => x.item);
  }
}
