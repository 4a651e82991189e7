import type { FilterMiss } from '../../../shared/models.js';
import { typedScalarJson, type TypedScalar, type TypedValue } from '../util/typed-value.js';
import { matchesDocument, matchesWhere, type FilterRecord } from './evaluate.js';
import type { CompareOp, DocumentNode, WhereNode } from './where-ast.js';

/**
 * Which leaves of a filter turn a record away, each with the record's own value: the answer to
 * "why is this record not in my results" as far as the filter goes. Whether a subtree passes is
 * decided by evaluate.ts (the engine's in-memory semantics, which match its SQL); this file only
 * walks down to the leaves that fail and says why in words. An `$and` fails through each failing
 * child, an `$or` through all of its children.
 */
export function explainWhere(node: WhereNode, record: FilterRecord, path = 'where'): FilterMiss[] {
  if (matchesWhere(node, record)) return [];
  switch (node.kind) {
    case 'and':
      return node.children.flatMap((c, i) => explainWhere(c, record, `${path}.$and[${i}]`));
    case 'or':
      return node.children.flatMap((c, i) => explainWhere(c, record, `${path}.$or[${i}]`));
    case 'document':
      return explainDocument(node.doc, record.document, `${path}.#document`);
    default:
      return [{ path, leaf: whereLeafJson(node), recordValue: describeValue(valueOf(record, node.key)), reason: whereReason(node, valueOf(record, node.key)) }];
  }
}

/** The whereDocument counterpart of explainWhere. */
export function explainDocument(node: DocumentNode, document: string | null, path = 'whereDocument'): FilterMiss[] {
  if (matchesDocument(node, document)) return [];
  switch (node.kind) {
    case 'doc-and':
      return node.children.flatMap((c, i) => explainDocument(c, document, `${path}.$and[${i}]`));
    case 'doc-or':
      return node.children.flatMap((c, i) => explainDocument(c, document, `${path}.$or[${i}]`));
    case 'doc-contains': {
      const op = node.negate ? '$not_contains' : '$contains';
      const reason =
        document === null
          ? 'the record has no document'
          : node.negate
            ? `the document contains ${JSON.stringify(node.text)}`
            : `the document does not contain ${JSON.stringify(node.text)} (case-sensitive)`;
      return [{ path, leaf: JSON.stringify({ [op]: node.text }), recordValue: documentExcerpt(document, node.text), reason }];
    }
    case 'doc-regex': {
      const op = node.negate ? '$not_regex' : '$regex';
      const reason =
        document === null ? 'the record has no document' : node.negate ? `the document matches ${node.pattern}` : `the document does not match ${node.pattern}`;
      return [{ path, leaf: JSON.stringify({ [op]: node.pattern }), recordValue: documentExcerpt(document, null), reason }];
    }
  }
}

function valueOf(record: FilterRecord, key: string): TypedValue | undefined {
  const v = record.metadata?.get(key);
  if (v !== undefined) return v;
  // Chroma keeps the document and uri as metadata rows too (evaluate.ts scalarRow).
  if (key === 'chroma:document' && record.document !== null) return { kind: 'string', value: record.document };
  if (key === 'chroma:uri' && record.uri) return { kind: 'string', value: record.uri };
  return undefined;
}

const OP_WORDS: Record<CompareOp, string> = { $eq: '=', $ne: '≠', $gt: '>', $gte: '≥', $lt: '<', $lte: '≤' };

function whereReason(node: Exclude<WhereNode, { kind: 'and' | 'or' | 'document' }>, value: TypedValue | undefined): string {
  const key = JSON.stringify(node.key);
  if (node.kind === 'contains') {
    if (node.negate) return `${key} holds ${scalarText(node.value)}, which $not_contains excludes`;
    if (value === undefined) return `the record has no ${key}`;
    if (value.kind !== 'array') return `${key} is not an array (it is ${describeValue(value)}), and $contains on metadata looks inside arrays`;
    return `${key} holds no ${scalarText(node.value)} (elements of another type never match)`;
  }
  if (value === undefined) return `the record has no ${key}`;
  if (value.kind === 'array') return `${key} is an array, and ${node.kind === 'in' ? (node.negate ? '$nin' : '$in') : node.op} compares single values only`;
  if (node.kind === 'in') {
    const list = `[${node.values.map(scalarText).join(', ')}]`;
    return node.negate ? `${key} is ${scalarText(value)}, which $nin ${list} excludes` : `${key} is ${scalarText(value)}, not one of ${list}${kindClash(value, node.values[0]!)}`;
  }
  if (node.op === '$ne') return `${key} is ${scalarText(value)}, equal to what $ne excludes`;
  return `${key} is ${scalarText(value)}, not ${OP_WORDS[node.op]} ${scalarText(node.value)}${kindClash(value, node.value)}`;
}

/** Numbers compare across int and float; any other pair of kinds never matches. */
function kindClash(value: TypedScalar, operand: TypedScalar): string {
  const numeric = (k: string) => k === 'int' || k === 'float';
  if (value.kind === operand.kind || (numeric(value.kind) && numeric(operand.kind))) return '';
  const article = (k: string) => (k === 'int' ? 'an int' : `a ${k}`);
  return ` (${article(value.kind)} never matches ${article(operand.kind)})`;
}

function scalarText(s: TypedScalar): string {
  switch (s.kind) {
    case 'string':
      return JSON.stringify(s.value);
    case 'int':
      return `${s.value} (int)`;
    case 'float':
      return `${Number.isInteger(s.value) ? s.value.toFixed(1) : String(s.value)} (float)`;
    case 'bool':
      return `${s.value} (bool)`;
  }
}

/** The record's value for the key as the explanation shows it; null when it has none. */
export function describeValue(v: TypedValue | undefined): string | null {
  if (v === undefined) return null;
  if (v.kind === 'array') return `[${v.items.map(scalarText).join(', ')}] (array of ${v.elementKind})`;
  return scalarText(v);
}

/** The leaf in Chroma's filter syntax (ints and floats kept apart: 2 vs 2.0). */
function whereLeafJson(node: Exclude<WhereNode, { kind: 'and' | 'or' | 'document' }>): string {
  const key = JSON.stringify(node.key);
  switch (node.kind) {
    case 'compare':
      return `{${key}:{"${node.op}":${typedScalarJson(node.value)}}}`;
    case 'in':
      return `{${key}:{"${node.negate ? '$nin' : '$in'}":[${node.values.map(typedScalarJson).join(',')}]}}`;
    case 'contains':
      return `{${key}:{"${node.negate ? '$not_contains' : '$contains'}":${typedScalarJson(node.value)}}}`;
  }
}

const EXCERPT = 120;

/** A short view of the document: around the searched text when it occurs, else its start. */
function documentExcerpt(document: string | null, text: string | null): string | null {
  if (document === null) return null;
  const at = text ? document.indexOf(text) : -1;
  const start = at < 0 ? 0 : Math.max(0, at - 40);
  const piece = document.slice(start, start + EXCERPT);
  return `${start > 0 ? '…' : ''}${piece}${start + EXCERPT < document.length ? '…' : ''}`;
}
