import { CLIENT_ARGUMENTS as ARGS } from './argument-schema.js';
import { focus, when, type Check, type Checks } from './rule-engine.js';

/**
 * Which arguments each Collection method of the chromadb JS client checks, and in which order,
 * before it sends a request. Optional arguments are checked only when truthy, as the client does.
 */

const ifGiven = <T>(select: (args: T) => unknown, checks: Checks<unknown>): Check<T> => focus(select, [when(Boolean, checks)]);

export interface RecordWriteArgs {
  readonly recordSet: { readonly ids: unknown; readonly embeddings?: unknown; readonly documents?: unknown; readonly metadatas?: unknown; readonly uris?: unknown };
  /** update() needs neither embeddings nor documents. */
  readonly update: boolean;
  readonly maxBatchSize: number;
}

/** add / update / upsert. */
export const RECORD_WRITE_CHECKS: Checks<RecordWriteArgs> = [
  focus(({ recordSet }) => recordSet, ARGS.recordSetLengths),
  focus(({ recordSet }) => recordSet.ids, ARGS.ids),
  focus(
    ({ recordSet, update }) => ({ ...recordSet, update, embeddingsField: 'embeddings', documentsField: 'documents' }),
    ARGS.recordContent,
  ),
  focus(({ recordSet, maxBatchSize }) => ({ length: (recordSet.ids as unknown[]).length, max: maxBatchSize }), ARGS.batchSize),
];

interface FilterArgs {
  readonly ids?: unknown;
  readonly where?: unknown;
  readonly whereDocument?: unknown;
}

const FILTER_CHECKS: Checks<FilterArgs> = [
  ifGiven(({ ids }) => ids, ARGS.ids),
  ifGiven(({ where }) => where, ARGS.where),
  ifGiven(({ whereDocument }) => whereDocument, ARGS.whereDocument),
];

export interface GetCheckArgs extends FilterArgs {
  readonly include: unknown;
}

export const GET_CHECKS: Checks<GetCheckArgs> = [focus(({ include }) => ({ include, exclude: ['distances'] }), ARGS.include), ...FILTER_CHECKS];

export interface QueryCheckArgs extends FilterArgs {
  readonly queryEmbeddings?: unknown;
  readonly queryTexts?: unknown;
  readonly include: unknown;
  readonly nResults: unknown;
}

export const QUERY_CHECKS: Checks<QueryCheckArgs> = [
  focus(
    ({ queryEmbeddings, queryTexts }) => ({ embeddings: queryEmbeddings, documents: queryTexts, update: false, embeddingsField: 'queryEmbeddings', documentsField: 'queryTexts' }),
    ARGS.recordContent,
  ),
  focus(({ include }) => ({ include, exclude: [] }), ARGS.include),
  ...FILTER_CHECKS,
  ifGiven(({ nResults }) => nResults, ARGS.nResults),
];

export const DELETE_CHECKS: Checks<FilterArgs> = FILTER_CHECKS;

/** modify(): the new collection metadata, when given. */
export const MODIFY_METADATA_CHECKS: Checks<unknown> = ARGS.metadata;
