import type { CatalogCollection } from '../engine/catalog/read-catalog.js';
import { storedEmbeddingFunction } from '../engine/catalog/embedding-function.js';
import { chromaHnswConfig, resolveHnswParams } from '../engine/catalog/hnsw-params.js';
import { typedMetadataToPlain } from '../engine/collection/plain-metadata.js';
import type { CollectionConfiguration, CollectionMetadata } from './types.js';

/** `collection.configuration` as Chroma's server returns it (`configuration_json`). */
export function configurationOf(c: CatalogCollection): CollectionConfiguration {
  return {
    hnsw: chromaHnswConfig(resolveHnswParams(c)),
    spann: null,
    embedding_function: storedEmbeddingFunction(c),
  };
}

export function metadataOf(c: CatalogCollection): CollectionMetadata | undefined {
  return (typedMetadataToPlain(c.metadata) as CollectionMetadata | null) ?? undefined;
}
