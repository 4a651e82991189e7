import { CHROMADB_CLIENT, ENGINE, type JsDialect } from './dialect.js';
import { whereDocumentRules, whereRules } from './filter-rules.js';
import { INCLUDE_RULES, nResultsRules, type IncludeArg } from './read-rules.js';
import {
  BATCH_SIZE_RULES,
  DOCUMENT_RULES,
  METADATAS_RULES,
  METADATA_RULES,
  RECORD_SET_LENGTH_RULES,
  embeddingRules,
  idRules,
  recordContentRules,
  type BatchSizeArg,
  type DocumentsArg,
  type EmbeddingsArg,
  type RecordContentArg,
} from './record-rules.js';
import type { Checks } from './rule-engine.js';

/**
 * The checks for each argument of Chroma's record API, in one dialect. Callers evaluate them
 * with `enforce(value, schema.<argument>, toError)` and choose the error class.
 */
export interface ArgumentSchema {
  readonly ids: Checks<unknown>;
  readonly embeddings: Checks<EmbeddingsArg>;
  readonly documents: Checks<DocumentsArg>;
  /** One metadata map; falsy means none. */
  readonly metadata: Checks<unknown>;
  readonly metadatas: Checks<unknown>;
  readonly include: Checks<IncludeArg>;
  readonly nResults: Checks<unknown>;
  readonly where: Checks<unknown>;
  readonly whereDocument: Checks<unknown>;
  /** A record set's field lengths (ids, embeddings, …: non-empty, all equal). */
  readonly recordSetLengths: Checks<object>;
  /** A record set's (or a query's) embeddings, documents and metadatas together. */
  readonly recordContent: Checks<RecordContentArg>;
  readonly batchSize: Checks<BatchSizeArg>;
}

export function argumentSchema(dialect: JsDialect): ArgumentSchema {
  return Object.freeze({
    ids: idRules(dialect),
    embeddings: embeddingRules(dialect),
    documents: DOCUMENT_RULES,
    metadata: METADATA_RULES,
    metadatas: METADATAS_RULES,
    include: INCLUDE_RULES,
    nResults: nResultsRules(),
    where: whereRules(dialect),
    whereDocument: whereDocumentRules(dialect),
    recordSetLengths: RECORD_SET_LENGTH_RULES,
    recordContent: recordContentRules(dialect),
    batchSize: BATCH_SIZE_RULES,
  });
}

/** The arguments as the chromadb JS client checks them (PersistentClient's Collection). */
export const CLIENT_ARGUMENTS = argumentSchema(CHROMADB_CLIENT);
/** The arguments as the engine checks them (IPC, HTTP, CLI, and behind the client). */
export const ENGINE_ARGUMENTS = argumentSchema(ENGINE);
