import type { SqliteDatabase } from '../sqlite/connection.js';
import { grownInto } from '../util/grow-typed.js';
import { KIND_BOOL, KIND_FLOAT, KIND_INT, KIND_STRING, type ScalarColumn } from './execute-bitset.js';

/** A row of a key's column as read: id, string_value, int_value, float_value, bool_value (or NULL). */
export type ColumnRow = [number, string | null, number | null, number | null, number | null];

/** What reads a key's column (sql-column-source.ts): its SELECT (to be bounded by id), and the rows it is given, in id order. */
export interface ColumnReader {
  select: string;
  take(row: ColumnRow): void;
  finish(): ScalarColumn;
}

/** A reader of `key`'s column, its arrays sized for `rowsHint` rows (grown as needed). */
export function columnReader(db: SqliteDatabase, hasBoolColumn: boolean, key: string, rowsHint: number): ColumnReader {
  const b = hasBoolColumn ? 'bool_value' : 'NULL';
  // Read as plain numbers, one row at a time: a million rows as arrays of BigInts held at once
  // cost seconds and hundreds of MB. Ints beyond 2^53 are found by the (key, int_value) index:
  // two range seeks. One condition with OR made SQLite scan every int of the key for it (five
  // million: 340–730 ms in the first step of a column build, against 0.2 ms).
  const inexact =
    db
      .prepare(
        'SELECT EXISTS (SELECT 1 FROM embedding_metadata WHERE key = ? AND int_value > 9007199254740992) OR EXISTS (SELECT 1 FROM embedding_metadata WHERE key = ? AND int_value < -9007199254740992)',
      )
      .pluck()
      .safeIntegers(false)
      .get(key, key) === 1;
  let cap = Math.max(16, rowsHint);
  // Narrow first (ids in 32 bits, values as int32), widened to float64 at the first row that
  // does not fit: two columns at 100,000 records are 1.6 MB less, at five million 80 MB.
  let ids: Uint32Array | Float64Array = new Uint32Array(cap);
  let kinds = new Uint8Array(cap);
  let nums: Int32Array | Float64Array = new Int32Array(cap);
  let wideIds = false;
  let wideNums = false;
  const strs: (string | undefined)[] = [];
  let n = 0;
  const setNum = (v: number) => {
    // Object.is: -0 is no int32 (it would read back as 0). SQLite stores a -0.0 as 0, but a
    // value is kept as read.
    if (!wideNums && !Object.is(v | 0, v)) {
      nums = Float64Array.from(nums as Int32Array);
      wideNums = true;
    }
    nums[n] = v;
  };
  return {
    select: `SELECT id, string_value, int_value, float_value, ${b} FROM embedding_metadata WHERE key = ?`,
    // Indexed, not destructured (takeRowsById says why).
    take: (row: ColumnRow) => {
      const id = row[0];
      const sv = row[1];
      const iv = row[2];
      const fv = row[3];
      const bv = row[4];
      if (n === cap) {
        cap *= 2;
        ids = wideIds ? grownInto(ids as Float64Array, new Float64Array(cap)) : grownInto(ids as Uint32Array, new Uint32Array(cap));
        kinds = grownInto(kinds, new Uint8Array(cap));
        nums = wideNums ? grownInto(nums as Float64Array, new Float64Array(cap)) : grownInto(nums as Int32Array, new Int32Array(cap));
      }
      if (!wideIds && !(id >= 0 && id <= 0xffffffff && Number.isInteger(id))) {
        ids = Float64Array.from(ids as Uint32Array);
        wideIds = true;
      }
      ids[n] = id;
      // Chroma's read order: string, int, float, bool; the first non-NULL column is the value.
      if (sv !== null) {
        kinds[n] = KIND_STRING;
        strs[n] = sv;
      } else if (iv !== null) {
        kinds[n] = KIND_INT;
        setNum(iv);
      } else if (fv !== null) {
        kinds[n] = KIND_FLOAT;
        setNum(fv);
      } else if (bv !== null) {
        kinds[n] = KIND_BOOL;
        nums[n] = bv !== 0 ? 1 : 0;
      } else {
        kinds[n] = 255;
      }
      n++;
    },
    // No `strs.length = n`: it would give a column without strings a backing store of n slots
    // (38 MB at 5M records); a slot never written reads as undefined all the same.
    finish: (): ScalarColumn => ({ ids: ids.subarray(0, n), kinds: kinds.subarray(0, n), nums: nums.subarray(0, n), strs, exactInts: !inexact }),
  };
}
