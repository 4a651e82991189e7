import { storedEmbeddingFunction } from '../catalog/embedding-function.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';

/** What Chroma recorded about a collection's embedding function, reduced to what running it needs. */
export interface RecordedFunction {
  /** `known` functions have a name and config; `legacy` (created before 1.0 recorded functions) and `unknown` (a custom class) do not. */
  type: 'known' | 'legacy' | 'unknown' | 'none';
  name: string | null;
  config: Record<string, unknown>;
}

/**
 * Chroma's own default is recorded as `default` by the Python client (DefaultEmbeddingFunction)
 * and the JS client, and as `onnx_mini_lm_l6_v2` when ONNXMiniLM_L6_V2 is named directly: the
 * same model either way (docs/query-by-text.md).
 */
export const DEFAULT_FUNCTION_NAMES: ReadonlySet<string> = new Set(['default', 'onnx_mini_lm_l6_v2']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the function from a collection's schema or configuration (what `collection.configuration` shows). */
export function recordedFunction(c: Pick<CatalogCollection, 'configJson' | 'schemaJson'>): RecordedFunction {
  const stored = storedEmbeddingFunction(c);
  if (!stored) return { type: 'none', name: null, config: {} };
  const type = stored.type === 'known' || stored.type === 'legacy' ? stored.type : 'unknown';
  const name = type === 'known' && typeof stored.name === 'string' ? stored.name : null;
  return { type: name ? 'known' : type === 'known' ? 'unknown' : type, name, config: isObj(stored.config) ? stored.config : {} };
}
