import type { GetArgs, IncludeField, QueryArgs } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import { parseWhere, parseWhereDocument } from '../filter/parse-where.js';
import type { DocumentNode, WhereNode } from '../filter/where-ast.js';

/**
 * Validation as the chromadb JS client and Chroma's server apply it, so a call rejected by Chroma
 * is rejected here with the same message. The result is an immutable spec the engine executes.
 */
export interface GetSpec {
  readonly ids: readonly string[] | null;
  readonly where: WhereNode | null;
  readonly whereDocument: DocumentNode | null;
  readonly limit: number | null;
  readonly offset: number;
  readonly include: readonly IncludeField[];
}

export interface QuerySpec {
  readonly embeddings: readonly Float32Array[];
  readonly nResults: number;
  readonly ids: readonly string[] | null;
  readonly where: WhereNode | null;
  readonly whereDocument: DocumentNode | null;
  readonly include: readonly IncludeField[];
}

const INCLUDE_VALUES: readonly IncludeField[] = ['distances', 'documents', 'embeddings', 'metadatas', 'uris'];

function validateInclude(include: unknown, exclude: IncludeField[]): IncludeField[] {
  if (!Array.isArray(include)) throw invalidArgument("Expected 'include' to be a non-empty array");
  for (const item of include) {
    if (typeof item !== 'string') throw invalidArgument("Expected 'include' items to be strings");
    if (!INCLUDE_VALUES.includes(item as IncludeField)) {
      throw invalidArgument(`Expected 'include' items to be one of ${INCLUDE_VALUES.join(', ')}, but got ${item}`);
    }
    if (exclude.includes(item as IncludeField)) throw invalidArgument(`${item} is not allowed for this operation`);
  }
  return [...new Set(include as IncludeField[])];
}

export function validateIds(raw: unknown): string[] {
  const ids = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(ids)) throw invalidArgument(`Expected 'ids' to be an array, but got ${typeof ids}`);
  if (ids.length === 0) throw invalidArgument("Expected 'ids' to be a non-empty list");
  const nonStrings = ids.map((id, i) => [id, i] as const).filter(([id]) => typeof id !== 'string').map(([, i]) => i);
  if (nonStrings.length > 0) throw invalidArgument(`Found non-string IDs at ${nonStrings.join(', ')}`);
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const id of ids as string[]) {
    if (seen.has(id)) dups.push(id);
    seen.add(id);
  }
  if (dups.length > 0) {
    const shown = dups.length <= 5 ? dups.join(', ') : `${dups.slice(0, 5).join(', ')}, ..., ${dups.slice(-5).join(', ')}`;
    throw invalidArgument(`Expected IDs to be unique, but found duplicates of ${shown}`);
  }
  return ids as string[];
}

function validateCount(name: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw invalidArgument(`Expected '${name}' to be a ${allowZero ? 'non-negative' : 'positive'} integer, but got ${JSON.stringify(value)}`);
  }
  return value;
}

function rejectUnknownKeys(args: object, allowed: string[]) {
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) throw invalidArgument(`Unknown argument '${key}' (expected one of ${allowed.join(', ')})`);
  }
}

export function validateGetArgs(raw: unknown): GetSpec {
  const args = (raw ?? {}) as GetArgs;
  if (typeof args !== 'object' || Array.isArray(args)) throw invalidArgument('get arguments must be an object');
  rejectUnknownKeys(args, ['ids', 'where', 'whereDocument', 'limit', 'offset', 'include']);
  return Object.freeze({
    ids: args.ids === undefined ? null : Object.freeze(validateIds(args.ids)),
    where: args.where === undefined || args.where === null ? null : parseWhere(args.where),
    whereDocument: args.whereDocument === undefined || args.whereDocument === null ? null : parseWhereDocument(args.whereDocument),
    limit: args.limit === undefined || args.limit === null ? null : validateCount('limit', args.limit, true),
    offset: args.offset === undefined || args.offset === null ? 0 : validateCount('offset', args.offset, true),
    include: Object.freeze<IncludeField[]>(args.include === undefined ? ['documents', 'metadatas'] : validateInclude(args.include, ['distances'])),
  });
}

export function validateQueryArgs(raw: unknown): QuerySpec {
  const args = (raw ?? {}) as QueryArgs;
  if (typeof args !== 'object' || Array.isArray(args)) throw invalidArgument('query arguments must be an object');
  rejectUnknownKeys(args, ['queryEmbeddings', 'nResults', 'ids', 'where', 'whereDocument', 'include', 'queryTexts', 'queryURIs']);
  const extra = args as unknown as Record<string, unknown>;
  if (extra.queryTexts !== undefined || extra.queryURIs !== undefined) {
    throw invalidArgument('queryTexts and queryURIs need an embedding function; pass queryEmbeddings instead');
  }
  let embeddings = args.queryEmbeddings as unknown;
  if (embeddings === undefined) throw invalidArgument('One of queryEmbeddings, queryTexts, or queryURIs must be provided');
  if (Array.isArray(embeddings) && embeddings.length > 0 && typeof embeddings[0] === 'number') embeddings = [embeddings];
  if (!Array.isArray(embeddings)) throw invalidArgument(`Expected 'queryEmbeddings' to be an array, but got ${typeof embeddings}`);
  if (embeddings.length === 0) throw invalidArgument('Expected embeddings to be an array with at least one item');
  const vectors = embeddings.map((e: unknown, i: number) => {
    if (!Array.isArray(e) || !e.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw invalidArgument(`Expected each embedding to be an array of numbers (index ${i})`);
    }
    if (e.length === 0) {
      throw invalidArgument(`Expected each embedding to be a non-empty array of numbers, but got an empty array at index ${i}`);
    }
    return Float32Array.from(e as number[]);
  });
  const nResults = args.nResults ?? 10;
  if (typeof nResults !== 'number') throw invalidArgument(`Expected 'nResults' to be a number, but got ${typeof nResults}`);
  if (nResults <= 0 || !Number.isInteger(nResults)) throw invalidArgument('Number of requested results has to positive');
  return Object.freeze({
    embeddings: Object.freeze(vectors),
    nResults,
    ids: args.ids === undefined ? null : Object.freeze(validateIds(args.ids)),
    where: args.where === undefined || args.where === null ? null : parseWhere(args.where),
    whereDocument: args.whereDocument === undefined || args.whereDocument === null ? null : parseWhereDocument(args.whereDocument),
    include: Object.freeze<IncludeField[]>(args.include === undefined ? ['documents', 'metadatas', 'distances'] : validateInclude(args.include, [])),
  });
}
