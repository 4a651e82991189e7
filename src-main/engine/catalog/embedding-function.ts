import type { CatalogCollection } from './read-catalog.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The embedding function a collection was created with, as stored (schema first, then config):
 * what `collection.configuration.embedding_function` shows, and what a copy recreates.
 */
export function storedEmbeddingFunction(c: Pick<CatalogCollection, 'configJson' | 'schemaJson'>): Obj | null {
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
