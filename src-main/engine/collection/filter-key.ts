import type { DocumentNode, WhereNode } from '../filter/where-ast.js';

/** A call's filters (its ids included: a call with ids is never kept, so its key matches none). */
export type FilterSpec = { readonly ids?: readonly string[] | null; readonly where: WhereNode | null; readonly whereDocument: DocumentNode | null };

/** The filters of a spec as one key: what work kept ahead of a call is kept under (kept-allowed-labels.ts, kept-get-page.ts). */
export function filterKey(spec: FilterSpec): string {
  return JSON.stringify([spec.ids ?? null, spec.where, spec.whereDocument], (_, v: unknown) => (typeof v === 'bigint' ? { bigint: String(v) } : v));
}
