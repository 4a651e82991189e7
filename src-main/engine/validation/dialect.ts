/**
 * The JS semantics the argument rules are evaluated with. The rules themselves are shared; a
 * dialect says how values are typed, printed and walked:
 *
 * - {@link CHROMADB_CLIENT} behaves as the chromadb JS client does on what callers pass it:
 *   plain `typeof`, template-literal printing, lists walked as `forEach` walks them (holes
 *   skipped), and inputs it does not expect (a null clause, a non-list `$and`) fail with the
 *   TypeError that JS raises for them rather than with a message.
 * - {@link ENGINE} is the same contract hardened for data that arrives over IPC or HTTP: bigints
 *   count as numbers, printing never throws, null clauses and non-list `$and`s are rejected with
 *   the client's messages, and vectors and result counts are checked further.
 */
export interface JsDialect {
  /** `typeof`, as the rules see it. */
  readonly typeOf: (value: unknown) => string;
  /** `${value}` in messages. */
  readonly render: (value: unknown) => string;
  /** The items of a list of clauses (and of ids, when looking for duplicates), in order. */
  readonly items: (list: unknown) => unknown[];
  /** How many clauses an `$and` / `$or` in `where` holds. */
  readonly clauseCount: (list: unknown) => number;
  /** Whether a null `where` / `whereDocument` clause is reported (rather than left to fail in JS). */
  readonly rejectsNullClauses: boolean;
  /** Whether repeated empty-string ids pass the uniqueness rule. */
  readonly emptyIdsMayRepeat: boolean;
  /** Whether each vector must be an array of finite numbers. */
  readonly numericVectors: boolean;
}

interface Walkable {
  forEach(visit: (item: unknown, index: number) => void): void;
}

/** `[item, index]` pairs as `forEach` visits them: holes are skipped; a non-list fails in JS. */
export function presentEntries(value: unknown): [unknown, number][] {
  const entries: [unknown, number][] = [];
  (value as Walkable).forEach((item, index) => entries.push([item, index]));
  return entries;
}

/** Items as `for … of` visits them: holes read as undefined. */
export function allItems(value: unknown): unknown[] {
  const items: unknown[] = [];
  for (const item of value as Iterable<unknown>) items.push(item);
  return items;
}

/** `String(value)` that never throws (objects without a usable toString print as their tag). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export const CHROMADB_CLIENT: JsDialect = Object.freeze({
  typeOf: (value: unknown) => typeof value,
  render: (value: unknown) => `${value as string}`,
  items: (list: unknown) => presentEntries(list).map(([item]) => item),
  clauseCount: (list: unknown) => Object.keys(list as object).length,
  rejectsNullClauses: false,
  emptyIdsMayRepeat: true,
  numericVectors: false,
});

export const ENGINE: JsDialect = Object.freeze({
  typeOf: (value: unknown) => (typeof value === 'bigint' ? 'number' : typeof value),
  render: safeString,
  items: allItems,
  clauseCount: (list: unknown) => (Array.isArray(list) ? list.length : 0),
  rejectsNullClauses: true,
  emptyIdsMayRepeat: false,
  numericVectors: true,
});
