import { PickleIdMap } from './pickle-id-map.js';

/**
 * A persist's id_to_label: the checkpoint's map as read, left as the pickle's bytes, with the
 * persist's edits beside it. Copying a million-entry PickleIdMap into a Map makes a million strings
 * (most of a second, and ~100 MB), on the writer's thread, to change a few thousand entries.
 *
 * Entries iterate as the copy's would: the checkpoint's in file order (with new labels where set),
 * less those deleted; then the ids added since, in the order they were added (an id deleted and
 * added again moves to the end, as in a Map).
 * The pickle writer copies the checkpoint's entries' bytes as they are (forEachBaseEntry).
 */
export class EditedIdMap extends Map<string, number> {
  /** 1 for each checkpoint entry deleted (an id added again after that is one of this Map's own). */
  private readonly hidden: Uint8Array;
  private hiddenCount = 0;
  /** New labels of checkpoint entries set in place, by entry. */
  private readonly relabeled = new Map<number, number>();

  private constructor(private readonly base: PickleIdMap) {
    super();
    this.hidden = new Uint8Array(base.size);
  }

  /** `source` edited without a copy when it is still a pickle's bytes; otherwise a plain copy of it. */
  static over(source: ReadonlyMap<string, number>): Map<string, number> {
    return source instanceof PickleIdMap && source.unbuilt ? new EditedIdMap(source) : new Map(source);
  }

  override get(id: string): number | undefined {
    const own = super.get(id);
    if (own !== undefined) return own;
    const e = this.base.entryOf(id);
    return e >= 0 && this.hidden[e] === 0 ? this.labelOfEntry(e) : undefined;
  }

  private labelOfEntry(e: number): number {
    return (this.relabeled.size > 0 ? this.relabeled.get(e) : undefined) ?? this.base.labelOfEntry(e);
  }

  override has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  override get size(): number {
    return this.hidden.length - this.hiddenCount + super.size;
  }

  override set(id: string, label: number): this {
    if (!super.has(id)) {
      const e = this.base.entryOf(id);
      if (e >= 0 && this.hidden[e] === 0) {
        this.relabeled.set(e, label);
        return this;
      }
    }
    return super.set(id, label);
  }

  override delete(id: string): boolean {
    return super.delete(id) || this.hide(id);
  }

  override clear(): void {
    this.relabeled.clear();
    this.hidden.fill(1);
    this.hiddenCount = this.hidden.length;
    super.clear();
  }

  /** Hides the checkpoint's entry for `id`, if it has a visible one. */
  private hide(id: string): boolean {
    const e = this.base.entryOf(id);
    if (e < 0 || this.hidden[e] === 1) return false;
    this.hidden[e] = 1;
    this.relabeled.delete(e);
    this.hiddenCount++;
    return true;
  }

  /** How many entries the checkpoint's map has (deleted ones included): forEachBaseEntry's range. */
  get baseSize(): number {
    return this.hidden.length;
  }

  /** The checkpoint's entries [from, to) still here, in file order: each id as UTF-8 bytes buf[start, end), and its label. */
  forEachBaseEntry(fn: (buf: Buffer, start: number, end: number, label: number) => void, from = 0, to = this.hidden.length): void {
    const relabeled = this.relabeled.size > 0 ? this.relabeled : null;
    this.base.forEachEntryBytes(this.hidden, (buf, start, end, e, label) => fn(buf, start, end, relabeled?.get(e) ?? label), from, to);
  }

  /** The ids added since the checkpoint, in order. */
  ownEntries(): MapIterator<[string, number]> {
    return super.entries();
  }

  override *entries(): MapIterator<[string, number]> {
    for (let e = 0; e < this.hidden.length; e++) if (this.hidden[e] === 0) yield [this.base.idOfEntry(e), this.labelOfEntry(e)];
    yield* super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }

  override *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }

  override *values(): MapIterator<number> {
    for (const [, label] of this.entries()) yield label;
  }

  override forEach(fn: (value: number, key: string, map: Map<string, number>) => void, thisArg?: unknown): void {
    for (const [id, label] of this.entries()) fn.call(thisArg, label, id, this);
  }
}
