import type { CatalogCollection } from '../engine/catalog/read-catalog.js';
import { chromaHnswConfig, resolveHnswParams } from '../engine/catalog/hnsw-params.js';
import { typedMetadataToPlain } from '../engine/collection/plain-metadata.js';
import type { CollectionConfiguration, CollectionMetadata } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The embedding function a collection was created with, as stored (schema first, then config). */
function storedEmbeddingFunction(c: CatalogCollection): Obj | null {
  const fromValueTypes = (vt: unknown): Obj | null => {
    if (!isObj(vt)) return null;
    const fl = vt.float_list ?? vt['#float_list'];
    if (!isObj(fl)) return null;
    const vi = fl.vector_index ?? fl['$vector_index'];
    return isObj(vi) && isObj(vi.config) && isObj(vi.config.embedding_function) ? vi.config.embedding_function : null;
  };
  if (isObj(c.schemaJson)) {
    const keys = c.schemaJson.keys ?? c.schemaJson.key_overrides;
    const found = (isObj(keys) ? fromValueTypes(keys['#embedding']) : null) ?? fromValueTypes(c.schemaJson.defaults);
    if (found) return found;
  }
  if (isObj(c.configJson) && isObj(c.configJson.embedding_function)) return c.configJson.embedding_function;
  return null;
}

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
