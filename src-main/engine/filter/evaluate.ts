import type { TypedMetadata, TypedScalar } from '../util/typed-value.js';
import { compileRegex } from './regex.js';
import {
  compareBigint,
  compareFloat,
  compareText,
  floatToI64,
  i64ToFloat,
  signSatisfies,
  sqlOperator,
  type SqlCompareOp,
} from './scalar-compare.js';
import type { DocumentNode, WhereNode } from './where-ast.js';

/**
 * The filter semantics of compile-sql.ts, evaluated in memory (for WAL-tail records that are not
 * in the SQL tables yet). Modelled on the SQL: a scalar metadata value is "a row in
 * embedding_metadata", an array value is "rows in embedding_metadata_array", and every leaf asks
 * whether a matching row exists, negated for `$ne` / `$nin` / `$not_contains`.
 */

export interface FilterRecord {
  /** The record's metadata without or with the `chroma:` keys. */
  readonly metadata: TypedMetadata | null;
  readonly document: string | null;
  readonly uri?: string | null;
}

/** The scalar stored for `key` as an embedding_metadata row would hold it (none for arrays). */
function scalarRow(record: FilterRecord, key: string): TypedScalar | undefined {
  const value = record.metadata?.get(key);
  if (value === undefined) {
    // Chroma stores the document and uri as metadata rows too, so `where` can see them.
    if (key === 'chroma:document' && record.document !== null) return { kind: 'string', value: record.document };
    if (key === 'chroma:uri' && record.uri !== undefined && record.uri !== null) return { kind: 'string', value: record.uri };
    return undefined;
  }
  return value.kind === 'array' ? undefined : value;
}

function rowSatisfies(row: TypedScalar, op: SqlCompareOp, operand: TypedScalar): boolean {
  switch (operand.kind) {
    case 'string':
      return row.kind === 'string' && signSatisfies(compareText(row.value, operand.value), op);
    case 'bool':
      return row.kind === 'bool' && signSatisfies(Number(row.value) - Number(operand.value), op);
    case 'int':
      if (row.kind === 'int') return signSatisfies(compareBigint(row.value, operand.value), op);
      if (row.kind === 'float') return signSatisfies(compareFloat(row.value, i64ToFloat(operand.value)), op);
      return false;
    case 'float':
      if (row.kind === 'int') return signSatisfies(compareBigint(row.value, floatToI64(operand.value)), op);
      if (row.kind === 'float') return signSatisfies(compareFloat(row.value, operand.value), op);
      return false;
  }
}

function rowInSet(row: TypedScalar, values: readonly TypedScalar[]): boolean {
  const first = values[0];
  if (!first) return false;
  switch (first.kind) {
    case 'string':
      return row.kind === 'string' && values.some((v) => v.value === row.value);
    case 'bool':
      return row.kind === 'bool' && values.some((v) => v.value === row.value);
    case 'int':
      if (row.kind === 'int') return values.some((v) => v.value === row.value);
      if (row.kind === 'float') return values.some((v) => i64ToFloat(v.value as bigint) === row.value);
      return false;
    case 'float':
      if (row.kind === 'float') return values.some((v) => v.value === row.value);
      if (row.kind === 'int') return values.some((v) => floatToI64(v.value as number) === row.value);
      return false;
  }
}

function arrayContains(record: FilterRecord, key: string, operand: TypedScalar): boolean {
  const value = record.metadata?.get(key);
  if (!value || value.kind !== 'array') return false;
  // Each element sits in its own typed column; the operand's column is the only one searched.
  return value.items.some((item) => item.kind === operand.kind && item.value === operand.value);
}

/** Whether a document filter matches `document` (null: the record has no document). */
export function matchesDocument(node: DocumentNode, document: string | null): boolean {
  switch (node.kind) {
    case 'doc-and':
      return node.children.every((c) => matchesDocument(c, document));
    case 'doc-or':
      return node.children.some((c) => matchesDocument(c, document));
    case 'doc-contains': {
      const hit = document !== null && likeContains(document, node.text);
      return node.negate ? !hit : hit;
    }
    case 'doc-regex': {
      const hit = document !== null && compileRegex(node.pattern).test(document);
      return node.negate ? !hit : hit;
    }
  }
}

/** Whether `record` passes the filter, with exactly the SQL translation's semantics. */
export function matchesWhere(node: WhereNode, record: FilterRecord): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((c) => matchesWhere(c, record));
    case 'or':
      return node.children.some((c) => matchesWhere(c, record));
    case 'compare': {
      const row = scalarRow(record, node.key);
      const hit = row !== undefined && rowSatisfies(row, sqlOperator(node.op), node.value);
      return node.op === '$ne' ? !hit : hit;
    }
    case 'in': {
      const row = scalarRow(record, node.key);
      const hit = row !== undefined && rowInSet(row, node.values);
      return node.negate ? !hit : hit;
    }
    case 'contains': {
      const hit = arrayContains(record, node.key, node.value);
      return node.negate ? !hit : hit;
    }
    case 'document':
      return matchesDocument(node.doc, record.document);
  }
}

/**
 * Chroma's `LIKE '%text%' ESCAPE '\'`. SQLite reads a LIKE pattern as a C string, so a NUL in
 * the text ends the pattern there: `%prefix` without the closing `%`, i.e. "ends with the part
 * before the NUL" (and a text starting with NUL matches every document).
 */
function likeContains(document: string, text: string): boolean {
  const nul = text.indexOf('\0');
  if (nul < 0) return document.includes(text);
  const end = document.indexOf('\0');
  return (end < 0 ? document : document.slice(0, end)).endsWith(text.slice(0, nul));
}
