import type { Space } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { TypedMetadata } from '../util/typed-value.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { plural, type CollectionFindings } from './findings.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asSpace = (v: unknown): Space | null => (v === 'l2' || v === 'ip' || v === 'cosine' ? v : null);

/**
 * The `vector_index` config of a schema_str: `#embedding`'s, else (unless `ownOnly`) the float_list
 * default (docs/format.md §3.3). A space only in the defaults is not one Rust applies over the
 * legacy metadata (§3.6), so the space check asks for `#embedding`'s own.
 */
function schemaVectorConfig(schema: unknown, ownOnly = false): Obj | null {
  if (!isObj(schema)) return null;
  const of = (vt: unknown): Obj | null => {
    if (!isObj(vt)) return null;
    const fl = vt.float_list ?? vt['#float_list'];
    const vi = isObj(fl) ? (fl.vector_index ?? fl.$vector_index) : null;
    return isObj(vi) && isObj(vi.config) ? vi.config : null;
  };
  const keys = schema.keys ?? schema.key_overrides;
  const own = isObj(keys) ? of(keys['#embedding']) : null;
  return ownOnly ? own : (own ?? of(schema.defaults));
}

function metadataSpace(md: TypedMetadata): Space | null {
  const v = md.get('hnsw:space');
  return v && v.kind === 'string' ? asSpace(v.value) : null;
}

/**
 * Embedding functions whose output dimension is fixed by their name and model. Chroma stores the
 * function with the collection (config_json_str or schema_str, docs/format.md §3.2, §3.3) and the
 * clients embed `query_texts` and documents with it.
 */
export function embeddingFunctionDimension(ef: unknown): { name: string; dimension: number | null } | null {
  if (!isObj(ef) || ef.type !== 'known' || typeof ef.name !== 'string') return null;
  const config = isObj(ef.config) ? ef.config : {};
  const model = typeof config.model_name === 'string' ? config.model_name : typeof config.model === 'string' ? config.model : null;
  const name = ef.name;
  if (typeof config.dimensions === 'number') return { name, dimension: config.dimensions };
  if (name === 'default' || name === 'onnx_mini_lm_l6_v2') return { name, dimension: 384 };
  if (name === 'openai') {
    const m = model ?? 'text-embedding-ada-002';
    const dims: Record<string, number> = { 'text-embedding-ada-002': 1536, 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072 };
    return { name: `${name} ${m}`, dimension: dims[m] ?? null };
  }
  if (name === 'sentence_transformer' && model) {
    const dims: Record<string, number> = { 'all-MiniLM-L6-v2': 384, 'all-MiniLM-L12-v2': 384, 'all-mpnet-base-v2': 768, 'multi-qa-MiniLM-L6-cos-v1': 384 };
    const short = model.replace(/^sentence-transformers\//, '');
    return { name: `${name} ${short}`, dimension: dims[short] ?? null };
  }
  return { name, dimension: null };
}

/**
 * Dimension, space and embedding function, wherever the folder states them: collections.dimension,
 * the checkpoint's header, the WAL's vectors; the space in the schema, the Rust config, and the
 * `hnsw:space` metadata of the collection and its vector segment (docs/format.md §3.6); the
 * embedding function's output dimension against the collection's.
 */
export function checkConsistency(reader: CollectionReader, out: CollectionFindings): void {
  const { db } = reader.ctx;
  const c = reader.catalog;
  const dim = reader.dimension;
  const walVectors = db
    .prepare(`SELECT count(*) AS n, coalesce(sum(length(vector) != ?), 0) AS off, min(length(vector)) AS lo, max(length(vector)) AS hi FROM embeddings_queue WHERE topic = ? AND vector IS NOT NULL AND length(vector) > 0`)
    .get((dim ?? 0) * 4, c.topic) as { n: number; off: number; lo: number | null; hi: number | null };
  if (dim === null && walVectors.n > 0) {
    out.add({
      code: 'dimension.unset',
      severity: 'warning',
      title: `the collection has no dimension but ${plural(walVectors.n, 'WAL row')} carry vectors`,
      chromaWould: 'Chroma returns empty query results for a collection whose dimension is NULL (docs/format.md §7.3) and sets it only when a new embedding is added (§3.2).',
      fix: null,
      remedy: 'Add (or upsert) one record with its embedding through Chroma: that sets the dimension.',
      evidence: { numbers: { walVectors: walVectors.n, smallestBytes: walVectors.lo ?? 0, largestBytes: walVectors.hi ?? 0 }, files: [SQLITE_FILE] },
    });
  } else if (dim !== null && walVectors.off > 0) {
    out.add({
      code: 'dimension.wal-mismatch',
      severity: 'error',
      title: `${plural(walVectors.off, 'WAL vector')} of another dimension than the collection's ${dim}`,
      chromaWould: 'Chroma validates the dimension on every add (docs/format.md §3.2); rows written around it break the backfill of the collection.',
      fix: null,
      remedy: 'Delete those records and add them again with vectors of the right dimension.',
      evidence: { numbers: { dimension: dim, rows: walVectors.off, smallestDimension: (walVectors.lo ?? 0) / 4, largestDimension: (walVectors.hi ?? 0) / 4 }, files: [SQLITE_FILE] },
    });
  }
  const header = reader.checkpointSummary()?.header;
  if (dim !== null && header && header.curElementCount > 0 && header.dim !== dim) {
    const seg = c.vectorSegment!.id;
    out.add({
      code: 'dimension.checkpoint-mismatch',
      severity: 'error',
      title: `header.bin holds ${header.dim}-dimensional vectors, the collection says ${dim}`,
      chromaWould: 'The checkpoint cannot belong to this collection; Chroma would load it and fail or answer from foreign vectors (docs/format.md §6.9).',
      fix: 'hnsw-rebuild',
      remedy: 'Rebuild the checkpoint on a copy (`fix --only hnsw-rebuild`).',
      evidence: { numbers: { collectionDimension: dim, headerDimension: header.dim }, files: [`${seg}/header.bin`], segments: [seg] },
    });
  }

  // The space: what Chroma uses (reader.params) against what each place in the folder says.
  const stated: [string, Space | null][] = [
    ['schema_str', asSpace(schemaVectorConfig(c.schemaJson, true)?.space)],
    ['config_json_str', isObj(c.configJson) && isObj(c.configJson.vector_index) && isObj(c.configJson.vector_index.hnsw) ? asSpace(c.configJson.vector_index.hnsw.space) : null],
    ['collection metadata hnsw:space', metadataSpace(c.metadata)],
    ['vector segment metadata hnsw:space', c.vectorSegment ? metadataSpace(c.vectorSegment.metadata) : null],
  ];
  const disagree = stated.filter(([, s]) => s !== null && s !== reader.params.space);
  if (disagree.length > 0) {
    out.add({
      code: 'space.conflict',
      severity: 'warning',
      title: `the ${reader.params.space} space is in use (from ${reader.params.source}), but ${disagree.map(([where, s]) => `${where} says ${s}`).join(' and ')}`,
      chromaWould: `Chroma resolves the space as schema → config → legacy segment metadata (docs/format.md §3.6) and ranks every query by ${reader.params.space}; the other setting is ignored.`,
      fix: null,
      remedy: 'If the other space was meant, copy the records into a new collection created with it (the space of an existing index cannot change).',
      evidence: { numbers: {}, notes: stated.filter(([, s]) => s !== null).map(([where, s]) => `${where}: ${s}`) },
    });
  }

  // The embedding function Chroma stored with the collection, against the vectors it holds.
  const schemaEf = schemaVectorConfig(c.schemaJson)?.embedding_function;
  const configEf = isObj(c.configJson) ? c.configJson.embedding_function : undefined;
  const efs = [schemaEf, configEf].map(embeddingFunctionDimension).filter((e): e is NonNullable<typeof e> => e !== null);
  const ef = efs[0];
  if (dim !== null && ef && ef.dimension !== null && ef.dimension !== dim) {
    out.add({
      code: 'embedding-function.dimension',
      severity: 'warning',
      title: `the stored embedding function (${ef.name}) makes ${ef.dimension}-dimensional vectors, the collection holds ${dim}`,
      chromaWould: `Chroma clients that use the stored function fail on query_texts and on documents without embeddings: "Collection expecting embedding with dimension of ${dim}, got ${ef.dimension}" (docs/format.md §3.2, §7.6).`,
      fix: null,
      remedy: 'Pass the embedding function that made these vectors when getting the collection (or give embeddings yourself).',
      evidence: { numbers: { collectionDimension: dim, functionDimension: ef.dimension } },
    });
  }
  if (efs.length === 2 && efs[0]!.name !== efs[1]!.name) {
    out.add({
      code: 'embedding-function.conflict',
      severity: 'warning',
      title: `schema_str and config_json_str name different embedding functions (${efs[0]!.name}, ${efs[1]!.name})`,
      chromaWould: 'Chroma reads the schema first (docs/format.md §3.2, §3.3); clients of different versions may pick different functions.',
      fix: null,
      remedy: 'Pass the intended embedding function explicitly when getting the collection.',
      evidence: { numbers: {} },
    });
  }
}
