/**
 * The public types of the embedded client, shaped like the `chromadb` JS client's (v3) so code
 * written against ChromaClient compiles against PersistentClient.
 */

export type Include = 'distances' | 'documents' | 'embeddings' | 'metadatas' | 'uris';

export interface SparseVector {
  indices: number[];
  values: number[];
}

export type MetadataScalar = boolean | number | string;
export type Metadata = Record<string, boolean | number | string | SparseVector | boolean[] | number[] | string[] | null>;
export type CollectionMetadata = Metadata;

type LiteralValue = string | number | boolean;
type OperatorExpression =
  | { $gt: LiteralValue }
  | { $gte: LiteralValue }
  | { $lt: LiteralValue }
  | { $lte: LiteralValue }
  | { $ne: LiteralValue }
  | { $eq: LiteralValue }
  | { $in: LiteralValue[] }
  | { $nin: LiteralValue[] }
  | { $contains: LiteralValue }
  | { $not_contains: LiteralValue };
export type Where = { [key: string]: LiteralValue | OperatorExpression } | { $and: Where[] } | { $or: Where[] };
export type WhereDocument =
  | { $contains: string }
  | { $not_contains: string }
  | { $matches: string }
  | { $not_matches: string }
  | { $regex: string }
  | { $not_regex: string }
  | { $and: WhereDocument[] }
  | { $or: WhereDocument[] };

export type EmbeddingFunctionSpace = 'cosine' | 'l2' | 'ip';

/** chromadb's EmbeddingFunction: we call `generate` when you give documents without embeddings. */
export interface EmbeddingFunction {
  generate(texts: string[]): Promise<number[][]>;
  generateForQueries?(texts: string[]): Promise<number[][]>;
  name?: string;
  defaultSpace?(): EmbeddingFunctionSpace;
  supportedSpaces?(): EmbeddingFunctionSpace[];
  getConfig?(): Record<string, unknown>;
}

export interface HNSWConfiguration {
  space?: EmbeddingFunctionSpace;
  ef_construction?: number;
  max_neighbors?: number;
  ef_search?: number;
  num_threads?: number;
  batch_size?: number;
  sync_threshold?: number;
  resize_factor?: number;
}

export interface CreateCollectionConfiguration {
  hnsw?: HNSWConfiguration | null;
  spann?: Record<string, unknown> | null;
  embeddingFunction?: EmbeddingFunction;
}

export interface UpdateCollectionConfiguration {
  hnsw?: Pick<HNSWConfiguration, 'batch_size' | 'ef_search' | 'num_threads' | 'resize_factor' | 'sync_threshold'>;
  spann?: Record<string, unknown>;
  embeddingFunction?: EmbeddingFunction;
}

/** What `collection.configuration` holds, as the server returns it. */
export interface CollectionConfiguration {
  hnsw?: {
    space: EmbeddingFunctionSpace;
    ef_construction: number;
    ef_search: number;
    max_neighbors: number;
    resize_factor: number;
    sync_threshold: number;
  } | null;
  spann?: Record<string, unknown> | null;
  embedding_function?: Record<string, unknown> | null;
}

export interface Database {
  id: string;
  name: string;
  tenant: string;
}

export interface DeleteResult {
  deleted: number;
}

export class GetResult<TMeta extends Metadata = Metadata> {
  readonly documents: (string | null)[];
  readonly embeddings: number[][];
  readonly ids: string[];
  readonly include: Include[];
  readonly metadatas: (TMeta | null)[];
  readonly uris: (string | null)[];

  constructor(d: {
    documents: (string | null)[];
    embeddings: number[][];
    ids: string[];
    include: Include[];
    metadatas: (TMeta | null)[];
    uris: (string | null)[];
  }) {
    this.documents = d.documents;
    this.embeddings = d.embeddings;
    this.ids = d.ids;
    this.include = d.include;
    this.metadatas = d.metadatas;
    this.uris = d.uris;
  }

  rows() {
    return this.ids.map((id, index) => ({
      id,
      document: this.include.includes('documents') ? this.documents[index] : undefined,
      embedding: this.include.includes('embeddings') ? this.embeddings[index] : undefined,
      metadata: this.include.includes('metadatas') ? this.metadatas[index] : undefined,
      uri: this.include.includes('uris') ? this.uris[index] : undefined,
    }));
  }
}

export interface QueryRowResult<TMeta extends Metadata = Metadata> {
  distance?: number | null;
  document?: string | null;
  embedding?: number[] | null;
  id: string;
  metadata?: TMeta | null;
  uri?: string | null;
}

export class QueryResult<TMeta extends Metadata = Metadata> {
  readonly distances: (number | null)[][];
  readonly documents: (string | null)[][];
  readonly embeddings: (number[] | null)[][];
  readonly ids: string[][];
  readonly include: Include[];
  readonly metadatas: (TMeta | null)[][];
  readonly uris: (string | null)[][];

  constructor(d: {
    distances: (number | null)[][];
    documents: (string | null)[][];
    embeddings: (number[] | null)[][];
    ids: string[][];
    include: Include[];
    metadatas: (TMeta | null)[][];
    uris: (string | null)[][];
  }) {
    this.distances = d.distances;
    this.documents = d.documents;
    this.embeddings = d.embeddings;
    this.ids = d.ids;
    this.include = d.include;
    this.metadatas = d.metadatas;
    this.uris = d.uris;
  }

  rows(): QueryRowResult<TMeta>[][] {
    return this.ids.map((ids, q) =>
      ids.map((id, index) => ({
        id,
        document: this.include.includes('documents') ? this.documents[q]![index] : undefined,
        embedding: this.include.includes('embeddings') ? this.embeddings[q]![index] : undefined,
        metadata: this.include.includes('metadatas') ? this.metadatas[q]![index] : undefined,
        uri: this.include.includes('uris') ? this.uris[q]![index] : undefined,
        distance: this.include.includes('distances') ? this.distances[q]![index] : undefined,
      })),
    );
  }
}
