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

/** `include` as given: Chroma echoes duplicates back in the result's `include`. */
function validateInclude(include: unknown, exclude: IncludeField[]): IncludeField[] {
  enforce({ include, exclude }, ENGINE_ARGUMENTS.include, rejectAsInvalid);
  return [...(include as IncludeField[])];
}

/** `ids`: a list of unique strings. The chromadb client refuses a lone string. */
export function validateIds(raw: unknown): string[] {
  enforce(raw, ENGINE_ARGUMENTS.ids, rejectAsInvalid);
  return raw as string[];
}

const U32_MAX = 2 ** 32 - 1;
const INTEGER_RANGE = [-(2n ** 63n), 2n ** 64n - 1n] as const; // i64 and u64: what serde_json reads as an integer

/** How serde names a JSON value it cannot read as a u32 (`invalid type: …` / `invalid value: …`). */
function unexpected(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) < 1e21) {
      const digits = BigInt(String(value)); // the digits the client's JSON carries
      if (digits >= INTEGER_RANGE[0] && digits <= INTEGER_RANGE[1]) return `invalid value: integer \`${digits}\``;
    }
    // Beyond i64/u64 serde reads a float, printed with an exponent from 1e16 up (observed: 1e+21, -1e+20).
    const text = Math.abs(value) >= 1e16 ? value.toExponential() : String(value);
    return `invalid type: floating point \`${text}\``;
  }
  if (typeof value === 'bigint') return `invalid value: integer \`${value}\``;
  if (typeof value === 'string') return `invalid type: string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `invalid type: boolean \`${value}\``;
  return `invalid type: ${Array.isArray(value) ? 'sequence' : 'map'}`;
}

/**
 * Chroma reads `limit`, `offset` and `n_results` as u32 while deserialising the request body, so
 * a value out of range fails before anything else on the server, with serde's message and the
 * position in the body as the chromadb client lays it out (`body`: its keys in its order). NaN
 * and ±Infinity travel as null, which means "not given". Returns the value, or null.
 */
function u32Field(body: Record<string, unknown>, key: string): number | null {
  const value = body[key];
  if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= U32_MAX) return value;
  if (typeof value === 'bigint' && value >= 0n && value <= BigInt(U32_MAX)) return Number(value); // lossless JSON over IPC
  const keys = Object.keys(body);
  const upTo = Object.fromEntries(keys.slice(0, keys.indexOf(key) + 1).map((k) => [k, body[k]]));
  let column: number;
  try {
    column = Buffer.byteLength(JSON.stringify(upTo), 'utf8') - 1; // serde points just past the value
  } catch {
    column = 0; // a body JSON cannot carry (a bigint): no position to give
  }
  throw invalidArgument(`Failed to deserialize the JSON body into the target type: ${key}: ${unexpected(value)}, expected u32 at line 1 column ${column}`, {
    deserialize: true,
  });
}

/**
 * Keys the chromadb client does not take are refused, to catch typos on the command line; the
 * other read method's arguments (limit/offset for query, nResults for get) are ignored, as the
 * client ignores them.
 */
function rejectUnknownKeys(args: object, allowed: string[], ignored: string[]) {
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key) && !ignored.includes(key)) throw invalidArgument(`Unknown argument '${key}' (expected one of ${allowed.join(', ')})`);
  }
}

export function validateGetArgs(raw: unknown): GetSpec {
  const args = (raw ?? {}) as GetArgs;
  if (typeof args !== 'object' || Array.isArray(args)) throw invalidArgument('get arguments must be an object');
  rejectUnknownKeys(args, ['ids', 'where', 'whereDocument', 'limit', 'offset', 'include'], ['nResults']);
  // The client's checks (include, ids, where, whereDocument), then the server's u32 fields.
  const include = args.include === undefined ? ['documents', 'metadatas'] : validateInclude(args.include, ['distances']);
  const ids = args.ids === undefined || args.ids === null ? null : Object.freeze(validateIds(args.ids));
  const body = { ids: args.ids, where: args.where, limit: args.limit, offset: args.offset, where_document: args.whereDocument, include };
  const limit = u32Field(body, 'limit');
  const offset = u32Field(body, 'offset') ?? 0;
  return Object.freeze({
    ids,
    where: args.where === undefined || args.where === null ? null : parseWhere(args.where),
    whereDocument: args.whereDocument === undefined || args.whereDocument === null ? null : parseWhereDocument(args.whereDocument),
    limit,
    offset,
    include: Object.freeze<IncludeField[]>(include as IncludeField[]),
  });
}

export function validateQueryArgs(raw: unknown): QuerySpec {
  const args = (raw ?? {}) as QueryArgs;
  if (typeof args !== 'object' || Array.isArray(args)) throw invalidArgument('query arguments must be an object');
  rejectUnknownKeys(args, ['queryEmbeddings', 'nResults', 'ids', 'where', 'whereDocument', 'include', 'queryTexts', 'queryURIs'], ['limit', 'offset']);
  const extra = args as unknown as Record<string, unknown>;
  if (extra.queryTexts !== undefined || extra.queryURIs !== undefined) {
    throw invalidArgument('queryTexts and queryURIs need an embedding function; pass queryEmbeddings instead');
  }
  const embeddings = args.queryEmbeddings as unknown;
  if (embeddings === undefined) throw invalidArgument('One of queryEmbeddings, queryTexts, or queryURIs must be provided');
  // A flat vector is not a list of vectors: the chromadb client fails on it (`e.every is not a function`).
  if (Array.isArray(embeddings) && embeddings.some((e) => !Array.isArray(e))) {
    throw invalidArgument("Expected 'queryEmbeddings' to be a list of vectors (an array of arrays of numbers)");
  }
  enforce({ field: 'queryEmbeddings', embeddings }, ENGINE_ARGUMENTS.embeddings, rejectAsInvalid);
  const vectors = (embeddings as number[][]).map((e) => Float32Array.from(e));
  const include = args.include === undefined ? ['documents', 'metadatas', 'distances'] : validateInclude(args.include, []);
  const ids = args.ids === undefined || args.ids === null ? null : Object.freeze(validateIds(args.ids));
  // The client checks nResults only when truthy (so 0 reaches Chroma, which answers [[]]).
  const requested = args.nResults ?? 10;
  if (requested) enforce(requested, ENGINE_ARGUMENTS.nResults, rejectAsInvalid);
  const body = { ids: args.ids, include, n_results: requested, query_embeddings: embeddings, where: args.where, where_document: args.whereDocument };
  const nResults = u32Field(body, 'n_results') ?? 10;
  return Object.freeze({
    embeddings: Object.freeze(vectors),
    nResults,
    ids,
    where: args.where === undefined || args.where === null ? null : parseWhere(args.where),
    whereDocument: args.whereDocument === undefined || args.whereDocument === null ? null : parseWhereDocument(args.whereDocument),
    include: Object.freeze<IncludeField[]>(include as IncludeField[]),
  });
}
