// The library: the read engine (ChromaFolder) and the embedded Chroma client (PersistentClient).
export { ChromaFolder } from './engine/chroma-folder.js';
export { InspectorError, toErrorData, type ErrorCode, type ErrorData } from '../shared/errors.js';
export type * from '../shared/models.js';
// The embedded Chroma: the chromadb client's API over a persistent folder, no server.
export { PersistentClient, type PersistentClientArgs } from './client/persistent-client.js';
export { PersistentAdminClient, type PersistentAdminClientArgs } from './client/admin-client.js';
export { Collection } from './client/collection.js';
export { DefaultEmbeddingFunction } from './client/default-embedding-function.js';
export type {
  CollectionConfiguration,
  CollectionMetadata,
  CreateCollectionConfiguration,
  Database,
  DeleteResult,
  EmbeddingFunction,
  Include,
  Metadata as RecordMetadata,
  QueryRowResult,
  UpdateCollectionConfiguration,
  Where,
  WhereDocument,
} from './client/types.js';
export {
  ChromaClientError,
  ChromaConnectionError,
  ChromaForbiddenError,
  ChromaNotFoundError,
  ChromaServerError,
  ChromaUniqueError,
  ChromaValueError,
} from './client/errors.js';
