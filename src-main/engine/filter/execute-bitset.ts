import type { TypedScalar } from '../util/typed-value.js';
import { IdBitset } from './id-bitset.js';
import { compareText, floatToI64, signSatisfies, sqlOperator, type SqlCompareOp } from './scalar-compare.js';
import { whereContains, whereDocument, type DocumentNode, type WhereNode } from './where-ast.js';
import { runSteps, type Steps } from '../util/steps.js';

/** Kinds in a scalar column, in Chroma's read order. */
export const KIND_STRING = 0;
export const KIND_INT = 1;
export const KIND_FLOAT = 2;
export const KIND_BOOL = 3;

/**
 * Every `embedding_metadata` row of one key in a collection, column-wise. Ints are held as
 * numbers, which is exact only while every int is a safe integer (`exactInts`).
 */
export interface ScalarColumn {
  /** Internal ids (embeddings.id): 4 bytes each while every one fits 32 bits, as they do in practice. */
  ids: Uint32Array | Float64Array;
  kinds: Uint8Array;
  /** Int, float and bool values: 4 bytes each while every one is an int32 (buckets, counts, flags). */
  nums: Int32Array | Float64Array;
  strs: (string | undefined)[];
  exactInts: boolean;
}

export interface ColumnSource {
  /** Every record of the collection in the tables. */
  universe(): IdBitset;
  /** The key's cached column, or null when this use should go through SQL instead (sqlLeaf). */
  scalarColumn(key: string): ScalarColumn | null;
  /** A leaf evaluated by the SQL compiler: documents, array membership, and anything inexact here. */
  sqlLeaf(node: WhereNode): IdBitset;
  /** sqlLeaf as steps (util/steps.ts), for a source that reads it in pages; sqlLeaf is used without it. */
  sqlLeafSteps?(node: WhereNode): Steps<IdBitset>;
}

const isSafe = (v: bigint) => v >= -(2n ** 53n) && v <= 2n ** 53n;

/** The operand as the number each row kind is compared with; null when this path cannot be exact. */
function numericOperands(operand: TypedScalar): { forInt: number; forFloat: number } | null {
  if (operand.kind === 'int') return isSafe(operand.value) ? { forInt: Number(operand.value), forFloat: Number(operand.value) } : null;
  if (operand.kind === 'float') {
    const truncated = floatToI64(operand.value);
    return isSafe(truncated) ? { forInt: Number(truncated), forFloat: operand.value } : null;
  }
  return null;
}

function numericSign(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows of a column that satisfy `op operand`, with the int/float rules of docs/format.md §7.4. */
function compareLeaf(col: ScalarColumn, op: SqlCompareOp, operand: TypedScalar, out: IdBitset): boolean {
  const { ids, kinds, nums, strs } = col;
  const n = ids.length;
  if (operand.kind === 'string') {
    const v = operand.value;
    for (let i = 0; i < n; i++) {
      if (kinds[i] !== KIND_STRING) continue;
      const s = strs[i]!;
      if (op === '=' ? s === v : signSatisfies(compareText(s, v), op)) out.add(ids[i]!);
    }
    return true;
  }
  if (operand.kind === 'bool') {
    const v = operand.value ? 1 : 0;
    for (let i = 0; i < n; i++) if (kinds[i] === KIND_BOOL && signSatisfies(nums[i]! - v, op)) out.add(ids[i]!);
    return true;
  }
  const operands = numericOperands(operand);
  if (!operands || !col.exactInts) return false;
  for (let i = 0; i < n; i++) {
    const k = kinds[i];
    if (k === KIND_INT) {
      if (signSatisfies(numericSign(nums[i]!, operands.forInt), op)) out.add(ids[i]!);
    } else if (k === KIND_FLOAT) {
      if (signSatisfies(numericSign(nums[i]!, operands.forFloat), op)) out.add(ids[i]!);
    }
  }
  return true;
}

function inLeaf(col: ScalarColumn, values: readonly TypedScalar[], out: IdBitset): boolean {
  const first = values[0];
  if (!first) return true;
  const { ids, kinds, nums, strs } = col;
  if (first.kind === 'string') {
    const set = new Set(values.map((v) => v.value as string));
    for (let i = 0; i < ids.length; i++) if (kinds[i] === KIND_STRING && set.has(strs[i]!)) out.add(ids[i]!);
    return true;
  }
  if (first.kind === 'bool') {
    const set = new Set<number>(values.map((v) => (v.value ? 1 : 0)));
    for (let i = 0; i < ids.length; i++) if (kinds[i] === KIND_BOOL && set.has(nums[i]!)) out.add(ids[i]!);
    return true;
  }
  const ops = values.map(numericOperands);
  if (!col.exactInts || ops.some((o) => o === null)) return false;
  const forInt = new Set(ops.map((o) => o!.forInt));
  const forFloat = new Set(ops.map((o) => o!.forFloat));
  for (let i = 0; i < ids.length; i++) {
    const k = kinds[i];
    if ((k === KIND_INT && forInt.has(nums[i]!)) || (k === KIND_FLOAT && forFloat.has(nums[i]!))) out.add(ids[i]!);
  }
  return true;
}

/** The keys whose column executeBitset asks for (scalarColumn), with how many leaves ask. */
export function columnUses(node: WhereNode, into = new Map<string, number>()): Map<string, number> {
  if (node.kind === 'and' || node.kind === 'or') for (const c of node.children) columnUses(c, into);
  else if (node.kind === 'compare' || node.kind === 'in') into.set(node.key, (into.get(node.key) ?? 0) + 1);
  return into;
}

/**
 * The ids a filter selects, computed over cached metadata columns and combined as bit sets. The
 * same semantics as compile-sql.ts (a test runs both over random data): `$ne`, `$nin` and
 * `$not_contains` are complements, so records without the key match them.
 */
export function executeBitset(node: WhereNode, src: ColumnSource): IdBitset {
  return runSteps(executeBitsetSteps(node, src));
}

/** executeBitset as steps: its SQL leaves in pages when the source reads them so (sqlLeafSteps), a step each. */
export function* executeBitsetSteps(node: WhereNode, src: ColumnSource): Steps<IdBitset> {
  const universe = src.universe();
  switch (node.kind) {
    case 'and': {
      const acc = universe.clone();
      for (const c of node.children) acc.and(yield* executeBitsetSteps(c, src));
      return acc;
    }
    case 'or': {
      const acc = IdBitset.empty(universe);
      for (const c of node.children) acc.or(yield* executeBitsetSteps(c, src));
      return acc;
    }
    case 'compare':
    case 'in': {
      const hits = IdBitset.empty(universe);
      const col = src.scalarColumn(node.key);
      if (!col) return yield* sqlLeafOf(src, node);
      const exact =
        node.kind === 'compare' ? compareLeaf(col, sqlOperator(node.op), node.value, hits) : inLeaf(col, node.values, hits);
      if (!exact) return yield* sqlLeafOf(src, node);
      const negate = node.kind === 'compare' ? node.op === '$ne' : node.negate;
      // Only rows of this collection count, whatever else the cached column holds.
      return negate ? universe.clone().andNot(hits) : hits.and(universe);
    }
    case 'contains': {
      // Asked positively (an indexed lookup), complemented here: `$not_contains` matches records without the key.
      const hits = (yield* sqlLeafOf(src, whereContains(node.key, node.value, false))).and(universe);
      return node.negate ? universe.clone().andNot(hits) : hits;
    }
    case 'document':
      return yield* documentBits(node.doc, src, universe);
  }
}

function* sqlLeafOf(src: ColumnSource, node: WhereNode): Steps<IdBitset> {
  return src.sqlLeafSteps ? yield* src.sqlLeafSteps(node) : src.sqlLeaf(node);
}

/**
 * How many leaves of `node` executeBitset answers through SQLite (`all`): keys without a cached
 * column, and array and document leaves; and how many of them have no cached matches
 * (`uncached`: the ones it would query now). One pass: each leaf's cache is looked up once. (A
 * leaf its column cannot answer exactly, an int beyond 2^53, is not foreseen.)
 */
export function sqlLeafCounts(node: WhereNode, src: { hasColumn(key: string): boolean; leafCached(node: WhereNode): boolean }): { all: number; uncached: number } {
  const counts = { all: 0, uncached: 0 };
  const leaf = (n: WhereNode) => {
    counts.all++;
    if (!src.leafCached(n)) counts.uncached++;
  };
  const documentLeaves = (doc: DocumentNode): void => {
    if (doc.kind === 'doc-and' || doc.kind === 'doc-or') doc.children.forEach(documentLeaves);
    else leaf(whereDocument({ ...doc, negate: false }));
  };
  const visit = (n: WhereNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        n.children.forEach(visit);
        return;
      case 'compare':
      case 'in':
        if (!src.hasColumn(n.key)) {
          counts.all++;
          counts.uncached++;
        }
        return;
      case 'contains':
        leaf(whereContains(n.key, n.value, false));
        return;
      case 'document':
        documentLeaves(n.doc);
    }
  };
  visit(node);
  return counts;
}

function* documentBits(doc: DocumentNode, src: ColumnSource, universe: IdBitset): Steps<IdBitset> {
  switch (doc.kind) {
    case 'doc-and': {
      const acc = universe.clone();
      for (const c of doc.children) acc.and(yield* documentBits(c, src, universe));
      return acc;
    }
    case 'doc-or': {
      const acc = IdBitset.empty(universe);
      for (const c of doc.children) acc.or(yield* documentBits(c, src, universe));
      return acc;
    }
    case 'doc-contains':
    case 'doc-regex': {
      const hits = (yield* sqlLeafOf(src, whereDocument({ ...doc, negate: false }))).and(universe);
      // Records without a document match the negations, as Chroma's NOT IN does.
      return doc.negate ? universe.clone().andNot(hits) : hits;
    }
  }
}
