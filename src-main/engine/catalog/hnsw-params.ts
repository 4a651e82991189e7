import type { HnswParams, Space } from '../../../shared/models.js';
import type { CatalogCollection } from './read-catalog.js';
import type { TypedMetadata } from '../util/typed-value.js';

export const DEFAULT_HNSW: Omit<HnswParams, 'source'> = {
  space: 'l2',
  efConstruction: 100,
  efSearch: 100,
  maxNeighbors: 16,
  numThreads: null,
  resizeFactor: 1.2,
  syncThreshold: 1000,
  batchSize: 100,
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (o: Obj, ...keys: string[]): unknown => {
  for (const k of keys) if (k in o) return o[k];
  return undefined;
};
const asSpace = (v: unknown): Space | undefined => (v === 'l2' || v === 'ip' || v === 'cosine' ? v : undefined);
const asNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function fromHnswObject(space: unknown, hnsw: unknown): Partial<Omit<HnswParams, 'source'>> {
  const h = isObj(hnsw) ? hnsw : {};
  const out: Partial<Omit<HnswParams, 'source'>> = {};
  const s = asSpace(space ?? h.space);
  if (s) out.space = s;
  const set = <K extends keyof Omit<HnswParams, 'source' | 'space'>>(key: K, v: unknown) => {
    const n = asNum(v);
    if (n !== undefined) (out as Record<string, unknown>)[key] = n;
  };
  set('efConstruction', h.ef_construction);
  set('efSearch', h.ef_search);
  set('maxNeighbors', pick(h, 'max_neighbors', 'M'));
  set('numThreads', h.num_threads);
  set('resizeFactor', h.resize_factor);
  set('syncThreshold', h.sync_threshold);
  set('batchSize', h.batch_size);
  return out;
}

/** schema_str → `#embedding` key (or defaults) → float_list → vector_index → config. Early 1.x aliases accepted. */
export function fromSchema(schema: unknown): Partial<Omit<HnswParams, 'source'>> | null {
  if (!isObj(schema)) return null;
  const keys = pick(schema, 'keys', 'key_overrides');
  const configOf = (vt: unknown): Obj | null => {
    if (!isObj(vt)) return null;
    const fl = pick(vt, 'float_list', '#float_list');
    if (!isObj(fl)) return null;
    const vi = pick(fl, 'vector_index', '$vector_index');
    if (!isObj(vi) || !isObj(vi.config)) return null;
    return vi.config;
  };
  const cfg = (isObj(keys) ? configOf(keys['#embedding']) : null) ?? configOf(schema.defaults);
  if (!cfg) return null;
  return fromHnswObject(cfg.space, cfg.hnsw);
}

function fromConfigJson(config: unknown): Partial<Omit<HnswParams, 'source'>> | null {
  if (!isObj(config)) return null;
  // Rust 1.0–1.2 form. The Python 0.5.4–0.6 `hnsw_configuration` form is parsed by Rust as the
  // default config (its keys are unknown to Rust), and Python itself never used it for the index.
  if (isObj(config.vector_index) && isObj(config.vector_index.hnsw)) {
    return fromHnswObject(config.vector_index.hnsw.space, config.vector_index.hnsw);
  }
  return null;
}

function fromLegacyMetadata(md: TypedMetadata): Partial<Omit<HnswParams, 'source'>> | null {
  const get = (k: string) => {
    const v = md.get(k);
    if (!v || v.kind === 'array' || v.kind === 'bool') return undefined;
    return v.kind === 'int' ? Number(v.value) : v.value;
  };
  const out = fromHnswObject(get('hnsw:space'), {
    ef_construction: get('hnsw:construction_ef'),
    ef_search: get('hnsw:search_ef'),
    M: get('hnsw:M'),
    num_threads: get('hnsw:num_threads'),
    resize_factor: get('hnsw:resize_factor'),
    sync_threshold: get('hnsw:sync_threshold'),
    batch_size: get('hnsw:batch_size'),
  });
  return Object.keys(out).length > 0 ? out : null;
}

const isDefault = (p: Partial<Omit<HnswParams, 'source'>>) =>
  (Object.keys(p) as (keyof typeof p)[]).every((k) => p[k] === DEFAULT_HNSW[k] || (k === 'numThreads'));

/**
 * The parameters Chroma actually uses for a collection (docs/format.md §3.6): schema, then
 * config, then — only when those give the full default — the legacy `hnsw:*` segment metadata.
 */
export function resolveHnswParams(c: CatalogCollection): HnswParams {
  const schema = fromSchema(c.schemaJson);
  if (schema && !isDefault(schema)) return { ...DEFAULT_HNSW, ...schema, source: 'schema' };
  const config = fromConfigJson(c.configJson);
  if (config && !isDefault(config)) return { ...DEFAULT_HNSW, ...config, source: 'config' };
  const seg = c.vectorSegment ? fromLegacyMetadata(c.vectorSegment.metadata) : null;
  if (seg) return { ...DEFAULT_HNSW, ...seg, source: 'segment-metadata' };
  // Rust derives the config from collection metadata at creation; older writers copied it to
  // the segment. Either way the collection's own `hnsw:*` keys are the user's intent.
  const coll = fromLegacyMetadata(c.metadata);
  if (coll) return { ...DEFAULT_HNSW, ...coll, source: 'collection-metadata' };
  if (schema) return { ...DEFAULT_HNSW, ...schema, source: 'schema' };
  if (config) return { ...DEFAULT_HNSW, ...config, source: 'config' };
  return { ...DEFAULT_HNSW, source: 'default' };
}

/**
 * The index parameters a Chroma server reports for a collection: schema (1.3+), then the
 * configuration's hnsw, then the `hnsw:space` of its metadata.
 */
export function serverHnswParams(configuration: unknown, schema: unknown, metadataSpace: unknown): HnswParams {
  const fromSchemaJson = fromSchema(schema);
  if (fromSchemaJson && Object.keys(fromSchemaJson).length > 0) return { ...DEFAULT_HNSW, ...fromSchemaJson, source: 'schema' };
  const hnsw = isObj(configuration) ? configuration.hnsw : undefined;
  if (isObj(hnsw)) return { ...DEFAULT_HNSW, ...fromHnswObject(undefined, hnsw), source: 'config' };
  if (metadataSpace !== undefined) return { ...DEFAULT_HNSW, ...fromHnswObject(metadataSpace, {}), source: 'collection-metadata' };
  return { ...DEFAULT_HNSW, source: 'default' };
}

/**
 * The parameters every Chroma 1.x configuration names, under its own snake_case keys — as
 * `collection.configuration.hnsw` reports them and as a collection is created with them.
 */
export function chromaHnswConfig(p: HnswParams): { space: Space; ef_construction: number; ef_search: number; max_neighbors: number; resize_factor: number; sync_threshold: number } {
  return {
    space: p.space,
    ef_construction: p.efConstruction,
    ef_search: p.efSearch,
    max_neighbors: p.maxNeighbors,
    resize_factor: p.resizeFactor,
    sync_threshold: p.syncThreshold,
  };
}
