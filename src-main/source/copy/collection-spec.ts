import type { Space } from '../../../shared/models.js';
import type { CatalogCollection } from '../../engine/catalog/read-catalog.js';
import { storedEmbeddingFunction } from '../../engine/catalog/embedding-function.js';
import { chromaHnswConfig, resolveHnswParams } from '../../engine/catalog/hnsw-params.js';
import type { HnswConfig } from '../../engine/write/collection-config.js';
import type { CollectionSpec, ConfigurationJson } from './copy-types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const SPACES: readonly Space[] = ['l2', 'cosine', 'ip'];

/** The HNSW settings a Chroma server takes at creation (`num_threads` is the machine's, so it is not carried). */
const HNSW_KEYS = ['space', 'ef_construction', 'ef_search', 'max_neighbors', 'resize_factor', 'sync_threshold', 'batch_size'] as const;

/** A folder's collection as a copy recreates it: the configuration a server would report for it. */
export function folderCollectionSpec(c: CatalogCollection): CollectionSpec {
  return {
    id: c.id,
    name: c.name,
    metadata: c.metadata.size > 0 ? c.metadata : null,
    configuration: { hnsw: chromaHnswConfig(resolveHnswParams(c)), spann: null, embedding_function: storedEmbeddingFunction(c) },
    dimension: c.dimension,
  };
}

/** The space a configuration's vector index uses (l2 when it names none, as Chroma defaults). */
export function spaceOf(configuration: ConfigurationJson): Space {
  const index = configuration.hnsw ?? configuration.spann;
  const space = isObj(index) ? index.space : undefined;
  return SPACES.includes(space as Space) ? (space as Space) : 'l2';
}

/** The hnsw object of a configuration, keeping only the keys Chroma accepts at creation. */
function hnswSettings(hnsw: Obj): Obj {
  const out: Obj = {};
  for (const k of HNSW_KEYS) if (hnsw[k] !== undefined && hnsw[k] !== null) out[k] = hnsw[k];
  return out;
}

/**
 * The `configuration` to create the copy on a server with: the source's HNSW settings (or
 * SPANN's, which a single-node server turns into HNSW with the same space) and its embedding
 * function as recorded, so the target answers the same queries and clients resolve the same EF.
 */
export function serverConfiguration(from: CollectionSpec): ConfigurationJson {
  const c = from.configuration;
  const out: ConfigurationJson = {};
  if (isObj(c.hnsw)) out.hnsw = hnswSettings(c.hnsw);
  else if (isObj(c.spann)) out.spann = c.spann;
  if (c.embedding_function !== undefined && c.embedding_function !== null) out.embedding_function = c.embedding_function;
  return out;
}

/** What the folder writer's createCollection takes for the copy, and what cannot be carried. */
export function folderCreateSettings(from: CollectionSpec): { hnsw: Partial<HnswConfig>; embeddingFunction: unknown; warnings: string[] } {
  const c = from.configuration;
  const warnings: string[] = [];
  const hnsw: Partial<HnswConfig> = {};
  if (isObj(c.hnsw)) {
    for (const [k, v] of Object.entries(hnswSettings(c.hnsw))) {
      if (k === 'space' ? SPACES.includes(v as Space) : typeof v === 'number' && Number.isFinite(v)) (hnsw as Obj)[k] = v;
    }
  } else {
    hnsw.space = spaceOf(c);
    if (isObj(c.spann)) warnings.push(`${from.name}: the source uses a SPANN index; the folder gets an HNSW index with the same space (${hnsw.space})`);
  }
  return { hnsw, embeddingFunction: c.embedding_function ?? null, warnings };
}
