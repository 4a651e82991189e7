import { whereAnd, whereDocument, type DocumentNode, type WhereNode } from './where-ast.js';

/**
 * `where` AND `where_document`, as Chroma combines them (RawWhereFields::parse). Null when there
 * is no filter at all.
 */
export function combineFilters(where: WhereNode | null, document: DocumentNode | null): WhereNode | null {
  if (where && document) return whereAnd([where, whereDocument(document)]);
  if (where) return where;
  if (document) return whereDocument(document);
  return null;
}
