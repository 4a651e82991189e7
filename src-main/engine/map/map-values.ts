import type { CollectionReader } from '../collection/collection-reader.js';
import { KIND_BOOL, KIND_FLOAT, KIND_INT, KIND_STRING } from '../filter/execute-bitset.js';
import type { TypedValue } from '../util/typed-value.js';

/** The kind of a row whose value columns are all NULL (as SqlColumnSource marks it). */
export const NO_VALUE = 255;

/**
 * One record's value for a key: its HNSW label (-1 when it has no vector), a KIND_* code (or
 * NO_VALUE) and the number (int, float, bool as 1 / 0) or the string.
 */
export type TakeValue = (label: number, kind: number, num: number, str: string | undefined) => void;

/**
 * Every record's value for `key` as `get` returns it. The metadata segment's column answers for
 * the records it holds up to date; the records the WAL tail added, changed or deleted after the
 * segment's last applied seq come from their replayed state instead (the reader's
 * MetadataOverlay, which reads also use), so a record updated in the tail is not read stale from
 * the segment and one only in the tail is not missing. Array values are left out: the column holds
 * scalars only, and a tail record gets no more than a segment record does.
 */
export function eachMapValue(reader: CollectionReader, key: string, take: TakeValue): void {
  const overlay = reader.overlay();
  const col = reader.metadataColumn(key);
  if (col) {
    const labelOf = reader.recordLabels().whole();
    // The column has a row for every id in the segment's range: shadowed records (theirs are
    // stale) and, in a folder whose collections were written in turns, other collections' rows.
    // The segment's universe holds its own records without the shadowed ones; a segment too
    // spread out for one has a column of its own rows.
    const mine = reader.columnSource()?.universe() ?? null;
    const shadowed = overlay.shadowedInternalIds;
    for (let i = 0; i < col.ids.length; i++) {
      const iid = col.ids[i]!;
      if (mine ? !mine.has(iid) : shadowed.size > 0 && shadowed.has(iid)) continue;
      take(labelOf.get(iid) ?? -1, col.kinds[i]!, col.nums[i]!, col.strs[i]);
    }
  }
  if (overlay.live.size === 0) return;
  const idToLabel = reader.vectors().idToLabel;
  for (const rec of overlay.live.values()) {
    const v = rec.metadata.get(key);
    if (v) takeTyped(idToLabel.get(rec.id) ?? -1, v, take);
  }
}

function takeTyped(label: number, v: TypedValue, take: TakeValue): void {
  switch (v.kind) {
    case 'string':
      return take(label, KIND_STRING, 0, v.value);
    case 'int':
      return take(label, KIND_INT, Number(v.value), undefined);
    case 'float':
      return take(label, KIND_FLOAT, v.value, undefined);
    case 'bool':
      return take(label, KIND_BOOL, v.value ? 1 : 0, undefined);
    default:
      return; // arrays
  }
}
