import type { GetArgs, IncludeField, QueryArgs } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import { parseWhere, parseWhereDocument } from '../filter/parse-where.js';
import type { DocumentNode, WhereNode } from '../filter/where-ast.js';
import { ENGINE_ARGUMENTS } from '../validation/argument-schema.js';
import { enforce, type Violation } from '../validation/rule-engine.js';

/**
 * Get and query arguments checked as the chromadb JS client and Chroma's server check them (the
 * rules live in ../validation), so a call rejected by Chroma is rejected here with the same
 * message. The result is an immutable spec the engine executes.
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

const rejectAsInvalid = (violation: Violation) => invalidArgument(violation.message);

function validateInclude(include: unknown, exclude: IncludeField[]): IncludeField[] {
  enforce({ include, exclude }, ENGINE_ARGUMENTS.include, rejectAsInvalid);
  return [...new Set(include as IncludeField[])];
}

/** `ids`: a list of unique strings (a single string stands for a list of one). */
export function validateIds(raw: unknown): string[] {
  const ids = typeof raw === 'string' ? [raw] : raw;
  enforce(ids, ENGINE_ARGUMENTS.ids, rejectAsInvalid);
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
  enforce({ field: 'queryEmbeddings', embeddings }, ENGINE_ARGUMENTS.embeddings, rejectAsInvalid);
  const vectors = (embeddings as number[][]).map((e) => Float32Array.from(e));
  const nResults = args.nResults ?? 10;
  enforce(nResults, ENGINE_ARGUMENTS.nResults, rejectAsInvalid);
  return Object.freeze({
    embeddings: Object.freeze(vectors),
    nResults,
    ids: args.ids === undefined ? null : Object.freeze(validateIds(args.ids)),
    where: args.where === undefined || args.where === null ? null : parseWhere(args.where),
    whereDocument: args.whereDocument === undefined || args.whereDocument === null ? null : parseWhereDocument(args.whereDocument),
    include: Object.freeze<IncludeField[]>(args.include === undefined ? ['documents', 'metadatas', 'distances'] : validateInclude(args.include, [])),
  });
}
