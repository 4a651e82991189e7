import { availableParallelism } from 'node:os';
import type { Space } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import type { TypedMetadata } from '../util/typed-value.js';
import { DEFAULT_HNSW } from '../catalog/hnsw-params.js';
import type { WriteEra } from './write-era.js';

/** A collection's HNSW configuration in Chroma's snake_case names (the `configuration.hnsw` of the JS client). */
export interface HnswConfig {
  space: Space;
  ef_construction: number;
  ef_search: number;
  max_neighbors: number;
  num_threads: number;
  batch_size: number;
  sync_threshold: number;
  resize_factor: number;
}

export const DEFAULT_HNSW_CONFIG: HnswConfig = {
  space: DEFAULT_HNSW.space,
  ef_construction: DEFAULT_HNSW.efConstruction,
  ef_search: DEFAULT_HNSW.efSearch,
  max_neighbors: DEFAULT_HNSW.maxNeighbors,
  // Rust core fills in the machine's CPU count (it is 2 in the folders recorded on a 2-CPU box).
  num_threads: availableParallelism(),
  batch_size: DEFAULT_HNSW.batchSize,
  sync_threshold: DEFAULT_HNSW.syncThreshold,
  resize_factor: DEFAULT_HNSW.resizeFactor,
};

/** Chroma's error when `hnsw:*` collection metadata cannot become a configuration. */
export const HNSW_METADATA_ERROR = 'Failed to parse hnsw parameters from segment metadata';

const LEGACY_KEYS: Record<string, keyof HnswConfig> = {
  'hnsw:space': 'space',
  'hnsw:construction_ef': 'ef_construction',
  'hnsw:search_ef': 'ef_search',
  'hnsw:M': 'max_neighbors',
  'hnsw:num_threads': 'num_threads',
  'hnsw:resize_factor': 'resize_factor',
  'hnsw:sync_threshold': 'sync_threshold',
  'hnsw:batch_size': 'batch_size',
};

const SPACES: readonly Space[] = ['l2', 'cosine', 'ip'];

/**
 * The configuration Chroma derives at creation: `configuration.hnsw` when given, otherwise the
 * legacy `hnsw:*` collection metadata keys (unknown keys or wrong types are an error, as in Rust).
 */
export function resolveCreateConfig(metadata: TypedMetadata | null, hnsw: Partial<HnswConfig> | null | undefined): HnswConfig {
  const out: HnswConfig = { ...DEFAULT_HNSW_CONFIG };
  if (hnsw) {
    for (const [k, v] of Object.entries(hnsw)) {
      if (v === undefined || v === null) continue;
      if (!(k in out)) throw invalidArgument(`Unknown HNSW configuration key '${k}'`);
      if (k === 'space' ? !SPACES.includes(v as Space) : typeof v !== 'number' || !Number.isFinite(v)) {
        throw invalidArgument(`Invalid HNSW configuration value for '${k}': ${JSON.stringify(v)}`);
      }
      (out as unknown as Record<string, unknown>)[k] = v;
    }
    return out;
  }
  for (const [key, value] of metadata ?? []) {
    if (!key.startsWith('hnsw:')) continue;
    const field = LEGACY_KEYS[key];
    if (!field) throw invalidArgument(HNSW_METADATA_ERROR);
    if (field === 'space') {
      if (value.kind !== 'string' || !SPACES.includes(value.value as Space)) throw invalidArgument(HNSW_METADATA_ERROR);
      out.space = value.value as Space;
    } else if (field === 'resize_factor') {
      if (value.kind !== 'float' && value.kind !== 'int') throw invalidArgument(HNSW_METADATA_ERROR);
      out.resize_factor = Number(value.value);
    } else {
      if (value.kind !== 'int') throw invalidArgument(HNSW_METADATA_ERROR);
      out[field] = Number(value.value);
    }
  }
  return out;
}

const hnswSchemaJson = (h: HnswConfig) => ({
  ef_construction: h.ef_construction,
  max_neighbors: h.max_neighbors,
  ef_search: h.ef_search,
  num_threads: h.num_threads,
  batch_size: h.batch_size,
  sync_threshold: h.sync_threshold,
  resize_factor: h.resize_factor,
});

/** `resize_factor` is an f64 in Rust: keep it a float literal in the stored JSON even when it is integral. */
function stringifyWithFloats(value: unknown, floatKeys: ReadonlySet<string>): string {
  return JSON.stringify(value, (k, v) => (floatKeys.has(k) && typeof v === 'number' && Number.isInteger(v) ? `@@float:${v}` : v)).replace(
    /"@@float:(-?\d+)"/g,
    '$1.0',
  );
}
const FLOAT_KEYS = new Set(['resize_factor']);

/** `schema_str` of a new collection (Rust ≥ sysdb/10), as Chroma 1.3 writes it. */
export function newSchemaJson(h: HnswConfig, embeddingFunction: unknown): string {
  const ef = embeddingFunction ? { embedding_function: embeddingFunction } : {};
  const schema = {
    defaults: {
      string: { fts_index: { enabled: false, config: {} }, string_inverted_index: { enabled: true, config: {} } },
      float_list: { vector_index: { enabled: false, config: { space: h.space, ...ef, hnsw: hnswSchemaJson(h) } } },
      sparse_vector: { sparse_vector_index: { enabled: false, config: { embedding_function: { type: 'unknown' }, bm25: false } } },
      int: { int_inverted_index: { enabled: true, config: {} } },
      float: { float_inverted_index: { enabled: true, config: {} } },
      bool: { bool_inverted_index: { enabled: true, config: {} } },
    },
    keys: {
      '#document': { string: { fts_index: { enabled: true, config: {} }, string_inverted_index: { enabled: false, config: {} } } },
      '#embedding': {
        float_list: { vector_index: { enabled: true, config: { space: h.space, ...ef, source_key: '#document', hnsw: hnswSchemaJson(h) } } },
      },
    },
  };
  return stringifyWithFloats(schema, FLOAT_KEYS);
}

/** `config_json_str` of a new collection in the era's own shape (docs/format.md §3.2). */
export function newConfigJson(era: WriteEra, h: HnswConfig, embeddingFunction: unknown): string {
  if (era.schemaStr) return '{}';
  if (era.rustCore) {
    const hnsw = {
      space: h.space,
      ef_construction: h.ef_construction,
      ef_search: h.ef_search,
      max_neighbors: h.max_neighbors,
      resize_factor: h.resize_factor,
      sync_threshold: h.sync_threshold,
    };
    return stringifyWithFloats({ vector_index: { hnsw }, embedding_function: embeddingFunction ?? null }, FLOAT_KEYS);
  }
  const python = {
    hnsw_configuration: {
      space: h.space,
      ef_construction: h.ef_construction,
      ef_search: h.ef_search,
      num_threads: h.num_threads,
      M: h.max_neighbors,
      resize_factor: h.resize_factor,
      batch_size: h.batch_size,
      sync_threshold: h.sync_threshold,
      _type: 'HNSWConfigurationInternal',
    },
    _type: 'CollectionConfigurationInternal',
  };
  // Python's json.dumps separators.
  return stringifyWithFloats(python, FLOAT_KEYS).replace(/([,:])(?=["{\d-])/g, '$1 ');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `modify({configuration: {hnsw}})` to a stored schema_str / config_json_str; returns the new text or null. */
export function updatedConfigText(text: string | null, update: Partial<HnswConfig>, kind: 'schema' | 'rust-config' | 'python-config'): string | null {
  if (!text) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const apply = (target: unknown, names: Partial<Record<keyof HnswConfig, string>> = {}) => {
    if (!isObj(target)) return;
    for (const [k, v] of Object.entries(update)) if (v !== undefined && k !== 'space') target[names[k as keyof HnswConfig] ?? k] = v;
  };
  if (kind === 'schema' && isObj(json)) {
    const hnswOf = (vt: unknown) => (isObj(vt) && isObj(vt.float_list) && isObj(vt.float_list.vector_index) && isObj(vt.float_list.vector_index.config) ? vt.float_list.vector_index.config.hnsw : null);
    apply(hnswOf(json.defaults));
    if (isObj(json.keys)) apply(hnswOf(json.keys['#embedding']));
  } else if (kind === 'rust-config' && isObj(json) && isObj(json.vector_index)) {
    apply(json.vector_index.hnsw);
  } else if (kind === 'python-config' && isObj(json)) {
    apply(json.hnsw_configuration, { max_neighbors: 'M' });
  }
  const out = stringifyWithFloats(json, FLOAT_KEYS);
  return kind === 'python-config' ? out.replace(/([,:])(?=["{\d-])/g, '$1 ') : out;
}
