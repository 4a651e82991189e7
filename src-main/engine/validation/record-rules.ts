import { allItems, presentEntries, type JsDialect } from './dialect.js';
import { focus, forEach, when, type Checks, type Rule } from './rule-engine.js';

/**
 * Rules for the record arguments of Chroma's API: ids, embeddings, documents, metadatas, and a
 * record set as a whole. Messages are Chroma's public contract and must not change.
 */

/** The record-set fields, in the order (and with the repetition) Chroma's message lists them. */
const RECORD_SET_FIELDS = ['ids', 'embeddings', 'metadatas', 'documents', 'uris', 'ids'];
const MAX_SHOWN_DUPLICATES = 5;

interface Sized {
  readonly length: number;
}
const lengthOf = (value: unknown): number => (value as Sized).length;

// ---- ids ------------------------------------------------------------------------------------

/** Ids that repeat an earlier one, once per repetition, in order. */
function repeatedIds(ids: unknown, dialect: JsDialect): unknown[] {
  const seen = new Set<unknown>();
  return dialect.items(ids).filter((id) => {
    const repeated = seen.has(id);
    seen.add(id);
    return repeated && !(dialect.emptyIdsMayRepeat && id === '');
  });
}

function describeDuplicates(duplicates: unknown[]): string {
  const shown =
    duplicates.length <= MAX_SHOWN_DUPLICATES
      ? duplicates.join(', ')
      : `${duplicates.slice(0, MAX_SHOWN_DUPLICATES).join(', ')}, ..., ${duplicates.slice(-MAX_SHOWN_DUPLICATES).join(', ')}`;
  return `Expected IDs to be unique, but found duplicates of ${shown}`;
}

const nonStringIdIndexes = (ids: unknown): number[] =>
  presentEntries(ids)
    .filter(([id]) => typeof id !== 'string')
    .map(([, index]) => index);

export function idRules(dialect: JsDialect): Checks<unknown> {
  return [
    { applies: (ids) => !Array.isArray(ids), message: (ids) => `Expected 'ids' to be an array, but got ${typeof ids}` },
    { applies: (ids) => lengthOf(ids) === 0, message: () => "Expected 'ids' to be a non-empty list" },
    { applies: (ids) => nonStringIdIndexes(ids).length > 0, message: (ids) => `Found non-string IDs at ${nonStringIdIndexes(ids).join(', ')}` },
    { applies: (ids) => repeatedIds(ids, dialect).length > 0, message: (ids) => describeDuplicates(repeatedIds(ids, dialect)) },
  ];
}

// ---- embeddings -----------------------------------------------------------------------------

/** Embeddings passed as the argument named `field` (`embeddings` or `queryEmbeddings`). */
export interface EmbeddingsArg {
  readonly field: string;
  readonly embeddings: unknown;
}

interface Indexed {
  readonly item: unknown;
  readonly index: number;
}
const indexedEntries = (list: unknown): Indexed[] => presentEntries(list).map(([item, index]) => ({ item, index }));

const isFiniteNumber = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

export function embeddingRules(dialect: JsDialect): Checks<EmbeddingsArg> {
  const vectorRules: Rule<Indexed>[] = [];
  if (dialect.numericVectors) {
    vectorRules.push({
      applies: ({ item }) => !Array.isArray(item) || !item.every(isFiniteNumber),
      message: ({ index }) => `Expected each embedding to be an array of numbers (index ${index})`,
    });
  }
  vectorRules.push({
    applies: ({ item }) => lengthOf(item) === 0,
    message: ({ index }) => `Expected each embedding to be a non-empty array of numbers, but got an empty array at index ${index}`,
  });
  return [
    { applies: ({ embeddings }) => !Array.isArray(embeddings), message: ({ field, embeddings }) => `Expected '${field}' to be an array, but got ${typeof embeddings}` },
    { applies: ({ embeddings }) => lengthOf(embeddings) === 0, message: () => 'Expected embeddings to be an array with at least one item' },
    forEach(({ embeddings }) => indexedEntries(embeddings), vectorRules),
  ];
}

// ---- documents ------------------------------------------------------------------------------

export interface DocumentsArg {
  readonly field: string;
  readonly documents: unknown;
}

export const DOCUMENT_RULES: Checks<DocumentsArg> = [
  { applies: ({ documents }) => !Array.isArray(documents), message: ({ field, documents }) => `Expected '${field}' to be an array, but got ${typeof documents}` },
  { applies: ({ documents }) => lengthOf(documents) === 0, message: ({ field }) => `Expected '${field}' to be a non-empty list` },
  forEach(({ documents }) => allItems(documents), [
    // Falsy non-strings only: the contract lets e.g. numbers through.
    { applies: (document) => typeof document !== 'string' && !document, message: (document) => `Expected each document to be a string, but got ${typeof document}` },
  ]),
];

// ---- metadata -------------------------------------------------------------------------------

/** A sparse vector metadata value: `{ indices: number[], values: number[] }`. */
export function isSparseVector(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { indices, values } = value as Record<string, unknown>;
  return Array.isArray(indices) && Array.isArray(values) && indices.every((n) => typeof n === 'number') && values.every((n) => typeof n === 'number');
}

interface MetadataEntry {
  readonly key: string;
  readonly value: unknown;
}
interface ListItem {
  readonly key: string;
  readonly item: unknown;
  readonly firstType: string;
}

const isScalarType = (type: string) => type === 'string' || type === 'number' || type === 'boolean';
const isPlainValue = (v: unknown) => v === null || v === undefined || isScalarType(typeof v) || isSparseVector(v);

const LIST_ITEM_RULES: Checks<ListItem> = [
  {
    applies: ({ item }) => !isScalarType(typeof item),
    message: ({ key, item }) => `Expected metadata list value for key '${key}' to contain only strings, numbers, or booleans, got ${typeof item}`,
  },
  { applies: ({ item, firstType }) => typeof item !== firstType, message: ({ key }) => `Expected metadata list value for key '${key}' to contain only the same type, got mixed types` },
];

const METADATA_ENTRY_RULES: Checks<MetadataEntry> = [
  when(({ value }) => !isPlainValue(value) && Array.isArray(value), [
    { applies: ({ value }) => lengthOf(value) === 0, message: ({ key }) => `Expected metadata list value for key '${key}' to be non-empty` },
    forEach(({ key, value }) => allItems(value).map((item) => ({ key, item, firstType: typeof (value as unknown[])[0] })), LIST_ITEM_RULES),
  ]),
  {
    applies: ({ value }) => !isPlainValue(value) && !Array.isArray(value),
    message: ({ key }) =>
      `Expected metadata value for key '${key}' to be a string, number, boolean, SparseVector, typed array (string[], number[], boolean[]), or null`,
  },
];

/** One metadata map (a record's, or a collection's); falsy means none. */
export const METADATA_RULES: Checks<unknown> = [
  when(Boolean, [
    { applies: (metadata) => Object.keys(metadata as object).length === 0, message: () => 'Expected metadata to be non-empty' },
    forEach((metadata) => Object.entries(metadata as object).map(([key, value]) => ({ key, value })), METADATA_ENTRY_RULES),
  ]),
];

export const METADATAS_RULES: Checks<unknown> = [
  { applies: (metadatas) => !Array.isArray(metadatas), message: (metadatas) => `Expected metadatas to be an array, but got ${typeof metadatas}` },
  forEach((metadatas) => presentEntries(metadatas).map(([metadata]) => metadata), METADATA_RULES),
];

// ---- record sets ----------------------------------------------------------------------------

interface FieldLength {
  readonly field: string;
  readonly length: number;
}

const recordSetLengths = (recordSet: object): FieldLength[] =>
  Object.entries(recordSet)
    .filter(([field, value]) => RECORD_SET_FIELDS.includes(field) && value !== undefined)
    .map(([field, value]) => ({ field, length: lengthOf(value) }));
const emptyFields = (lengths: FieldLength[]) => lengths.filter(({ length }) => length === 0).map(({ field }) => field);

/** The fields given in a record set (ids, embeddings, …) must be non-empty and of equal length. */
export const RECORD_SET_LENGTH_RULES: Checks<object> = [
  focus(recordSetLengths, [
    { applies: (lengths) => lengths.length === 0, message: () => `At least one of ${RECORD_SET_FIELDS.join(', ')} must be provided` },
    { applies: (lengths) => emptyFields(lengths).length > 0, message: (lengths) => `Non-empty lists are required for ${emptyFields(lengths).join(', ')}` },
    {
      applies: (lengths) => new Set(lengths.map(({ length }) => length)).size > 1,
      message: (lengths) => `Unequal lengths for fields ${lengths.map(({ field }) => field).join(', ')}`,
    },
  ]),
];

export interface BatchSizeArg {
  readonly length: number;
  readonly max: number;
}

export const BATCH_SIZE_RULES: Checks<BatchSizeArg> = [
  { applies: ({ length, max }) => length > max, message: ({ length, max }) => `Record set length ${length} exceeds max batch size ${max}` },
];

/** The content of a record set (writes) or of a query's inputs, with the names of its fields. */
export interface RecordContentArg {
  readonly embeddings?: unknown;
  readonly documents?: unknown;
  readonly metadatas?: unknown;
  readonly update: boolean;
  readonly embeddingsField: string;
  readonly documentsField: string;
}

export function recordContentRules(dialect: JsDialect): Checks<RecordContentArg> {
  return [
    {
      applies: ({ embeddings, documents, update }) => !embeddings && !documents && !update,
      message: ({ embeddingsField, documentsField }) => `At least one of '${embeddingsField}' and '${documentsField}' must be provided`,
    },
    when(({ embeddings }) => Boolean(embeddings), [focus(({ embeddings, embeddingsField }) => ({ embeddings, field: embeddingsField }), embeddingRules(dialect))]),
    when(({ documents }) => Boolean(documents), [focus(({ documents, documentsField }) => ({ documents, field: documentsField }), DOCUMENT_RULES)]),
    when(({ metadatas }) => Boolean(metadatas), [focus(({ metadatas }) => metadatas, METADATAS_RULES)]),
  ];
}
