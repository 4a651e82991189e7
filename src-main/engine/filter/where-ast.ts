import { InspectorError } from '../../../shared/errors.js';
import type { TypedScalar } from '../util/typed-value.js';

/**
 * Chroma's filter language as an immutable tree (docs/format.md §7.4, §7.5). Every node built
 * through the functions below is frozen, arrays included. Semantics are Rust core's (1.x):
 * `compile-sql.ts` turns a tree into SQL over the metadata segment, `evaluate.ts` runs the same
 * tree in memory; both must agree.
 */

export type CompareOp = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte';

export type WhereNode =
  | { readonly kind: 'and'; readonly children: readonly WhereNode[] }
  | { readonly kind: 'or'; readonly children: readonly WhereNode[] }
  | { readonly kind: 'compare'; readonly key: string; readonly op: CompareOp; readonly value: TypedScalar }
  /** `$in` / `$nin` (negate); values are non-empty and all of one kind. */
  | { readonly kind: 'in'; readonly key: string; readonly negate: boolean; readonly values: readonly TypedScalar[] }
  /** `$contains` / `$not_contains` on a metadata key: membership in an array value. */
  | { readonly kind: 'contains'; readonly key: string; readonly negate: boolean; readonly value: TypedScalar }
  /** A document filter used inside `where` (`{"#document": {...}}`) or combined with it. */
  | { readonly kind: 'document'; readonly doc: DocumentNode };

export type DocumentNode =
  | { readonly kind: 'doc-and'; readonly children: readonly DocumentNode[] }
  | { readonly kind: 'doc-or'; readonly children: readonly DocumentNode[] }
  /** Case-sensitive substring test (`$contains` / `$not_contains`). */
  | { readonly kind: 'doc-contains'; readonly negate: boolean; readonly text: string }
  /** Unanchored Rust-syntax regex search (`$regex` / `$not_regex`); the pattern is validated. */
  | { readonly kind: 'doc-regex'; readonly negate: boolean; readonly pattern: string };

function frozenScalar(v: TypedScalar): TypedScalar {
  return Object.isFrozen(v) ? v : Object.freeze({ ...v });
}

function frozenList<T>(items: readonly T[]): readonly T[] {
  return Object.freeze([...items]);
}

export function whereAnd(children: readonly WhereNode[]): WhereNode {
  return Object.freeze({ kind: 'and', children: frozenList(children) });
}

export function whereOr(children: readonly WhereNode[]): WhereNode {
  return Object.freeze({ kind: 'or', children: frozenList(children) });
}

export function whereCompare(key: string, op: CompareOp, value: TypedScalar): WhereNode {
  return Object.freeze({ kind: 'compare', key, op, value: frozenScalar(value) });
}

export function whereIn(key: string, values: readonly TypedScalar[], negate = false): WhereNode {
  const first = values[0];
  if (!first) throw new InspectorError('INTERNAL', `$in/$nin on "${key}" needs at least one value`);
  if (values.some((v) => v.kind !== first.kind)) {
    throw new InspectorError('INTERNAL', `$in/$nin on "${key}" needs values of one kind`);
  }
  return Object.freeze({ kind: 'in', key, negate, values: frozenList(values.map(frozenScalar)) });
}

export function whereContains(key: string, value: TypedScalar, negate = false): WhereNode {
  return Object.freeze({ kind: 'contains', key, negate, value: frozenScalar(value) });
}

export function whereDocument(doc: DocumentNode): WhereNode {
  return Object.freeze({ kind: 'document', doc });
}

export function docAnd(children: readonly DocumentNode[]): DocumentNode {
  return Object.freeze({ kind: 'doc-and', children: frozenList(children) });
}

export function docOr(children: readonly DocumentNode[]): DocumentNode {
  return Object.freeze({ kind: 'doc-or', children: frozenList(children) });
}

export function docContains(text: string, negate = false): DocumentNode {
  return Object.freeze({ kind: 'doc-contains', negate, text });
}

/** The caller is responsible for having validated `pattern` (parseWhereDocument does). */
export function docRegex(pattern: string, negate = false): DocumentNode {
  return Object.freeze({ kind: 'doc-regex', negate, pattern });
}
