// Edge cases of the read API — number printing, limits, argument shapes, big integers, regex
// flags, NUL characters, indexes a collection schema disables — in a form that runs against real
// Chroma (chromadb's ChromaClient over HTTP) and against PersistentClient, so their answers and
// errors can be compared exactly. Plain JS, no imports: runs under node beside `chromadb` and under
// vitest. Chroma's answers are recorded in test/fixtures/reference/edge-cases-1.3.4.json.

export const EDGE_FORMAT = 1;

// Stored components stay within what our checkpoint reader finds plausible (1e-35…1e18); the
// overflowing distances come from huge query vectors instead.
/** Values whose float32 form is not a short decimal, so a widened answer shows (-0.8231 vs -0.82309997…). */
const VECTORS = {
  a: [0.1, 0.2, 0.3],
  b: [-0.8231, 0.5, 1e-7],
  c: [123456.789, 1, 0],
  d: [0.33333334, 2.5, -1.1],
};
const BIG = 2 ** 60; // exactly representable; beyond 2^53

/** The collections the cases read, filled through `client` (Chroma's or ours). */
export async function setupEdgeCollections({ client, schemaWithDisabledIndexes }) {
  const c = client();
  const edges = await c.createCollection({ name: 'edges', embeddingFunction: null });
  await edges.add({
    ids: ['a', 'b', 'c', 'd'],
    embeddings: [VECTORS.a, VECTORS.b, VECTORS.c, VECTORS.d],
    documents: ['apple pie', 'Apple tart', 'APPLE juice', 'pear'],
    metadatas: [
      { n: BIG, f: 0.1, s: 'x' },
      { n: BIG + 256, f: -0.8231, s: 'y' },
      { n: 1, f: 1e300, s: 'x' },
      { n: -(2 ** 63), f: 2.5, s: 'z' },
    ],
  });
  const ip = await c.createCollection({ name: 'edges_ip', embeddingFunction: null, metadata: { 'hnsw:space': 'ip' } });
  await ip.add({ ids: ['p', 'q'], embeddings: [[-1, 2], [1, 1]], documents: ['mixed', 'ones'] });
  // URIs live in the metadata segment under chroma:uri: a record with a URI and no metadata.
  const uris = await c.createCollection({ name: 'uris', embeddingFunction: null });
  await uris.add({
    ids: ['u1', 'u2', 'u3', 'u4'],
    embeddings: [[1, 0], [0, 1], [1, 1], [0.5, 0]],
    uris: ['s3://only-uri', 's3://with-meta', null, null],
    metadatas: [null, { k: 1 }, { k: 2 }, null],
  });
  if (schemaWithDisabledIndexes) {
    const noindex = await c.createCollection({ name: 'noindex', embeddingFunction: null, schema: schemaWithDisabledIndexes() });
    await noindex.add({
      ids: ['r1', 'r2'],
      embeddings: [[1, 0], [0, 1]],
      documents: ['alpha', 'beta'],
      metadatas: [
        { s: 'x', i: 1, f: 1.5, b: true, t: 'kept' },
        { s: 'y', i: 2, f: 2.5, b: false, t: 'kept' },
      ],
    });
  }
}

/** How the schema of `noindex` is built with the chromadb client's Schema class. */
export function disabledIndexesSchema(chromadb) {
  return new chromadb.Schema()
    .deleteIndex(new chromadb.StringInvertedIndexConfig(), 's')
    .deleteIndex(new chromadb.IntInvertedIndexConfig(), 'i')
    .deleteIndex(new chromadb.FloatInvertedIndexConfig(), 'f')
    .deleteIndex(new chromadb.BoolInvertedIndexConfig(), 'b')
    .deleteIndex(new chromadb.FtsIndexConfig(), chromadb.DOCUMENT_KEY);
}

const q = (queryEmbeddings, extra = {}) => ({ queryEmbeddings, ...extra });

/** The cases: [collection, label, op, args]. */
export const EDGE_CASES = [
  // numbers as a chromadb user sees them: float32 shortest, metadata floats f64
  ['edges', 'get embeddings', 'get', { include: ['embeddings', 'metadatas', 'documents'] }],
  ['edges', 'query distances and embeddings', 'query', q([[0.1, 0.2, 0.3]], { nResults: 3, include: ['distances', 'embeddings', 'metadatas'] })],
  ['edges', 'query two vectors', 'query', q([[-0.8231, 0.5, 0], [0.33333334, 2.5, -1.1]], { nResults: 2, include: ['distances'] })],
  // non-finite distances
  ['edges', 'query overflowing l2', 'query', q([[-3e38, -3e38, 0]], { nResults: 4, include: ['distances'] })],
  ['edges_ip', 'query overflowing ip', 'query', q([[3e38, 3e38]], { nResults: 2, include: ['distances'] })],
  // nResults and limits
  ['edges', 'query nResults 0', 'query', q([[0.1, 0.2, 0.3]], { nResults: 0 })],
  ['edges', 'query nResults 0 two vectors', 'query', q([[0.1, 0.2, 0.3], [0, 0, 0]], { nResults: 0 })],
  ['edges', 'query nResults 0, wrong dimension', 'query', q([[0.1, 0.2]], { nResults: 0 })],
  ['edges', 'query nResults -1', 'query', q([[0.1, 0.2, 0.3]], { nResults: -1 })],
  ['edges', 'query nResults 1.5', 'query', q([[0.1, 0.2, 0.3]], { nResults: 1.5, include: [] })],
  ['edges', 'get limit -1', 'get', { limit: -1 }],
  ['edges', 'query nResults NaN', 'query', q([[0.1, 0.2, 0.3]], { nResults: NaN, include: [] })],
  ['edges', 'get limit NaN', 'get', { limit: NaN, include: [] }],
  ['edges', 'get offset 1e21', 'get', { offset: 1e21, include: [] }],
  ['edges', 'get limit -1e20', 'get', { where: { s: 'é' }, limit: -1e20, include: [] }],
  ['edges', 'get ids null, limit 2^32', 'get', { ids: null, limit: 2 ** 32, include: [] }],
  ['edges', 'query nResults 2^32, where', 'query', q([[0.1, 0.2, 0.3]], { nResults: 2 ** 32, where: { s: 'x' }, ids: ['a'] })],
  ['edges', 'get limit 1.5', 'get', { limit: 1.5, include: [] }],
  ['edges', 'query nResults 2^32', 'query', q([[0.1, 0.2, 0.3]], { nResults: 2 ** 32 })],
  ['edges', 'query nResults 2^32-1', 'query', q([[0.1, 0.2, 0.3]], { nResults: 2 ** 32 - 1, include: [] })],
  ['edges', 'get limit 2^32', 'get', { limit: 2 ** 32 }],
  ['edges', 'get limit 2^32-1', 'get', { limit: 2 ** 32 - 1, include: [] }],
  ['edges', 'get offset 2^32', 'get', { offset: 2 ** 32 }],
  ['edges', 'get offset 2^32-1', 'get', { offset: 2 ** 32 - 1 }],
  ['edges', 'get limit 0', 'get', { limit: 0 }],
  // argument shapes
  ['edges', 'get ids null', 'get', { ids: null, include: [] }],
  ['edges', 'query ids null', 'query', q([[0.1, 0.2, 0.3]], { ids: null, nResults: 1, include: [] })],
  ['edges', 'get ids string', 'get', { ids: 'a', include: [] }],
  ['edges', 'query ids string', 'query', q([[0.1, 0.2, 0.3]], { ids: 'a', nResults: 1, include: [] })],
  ['edges', 'get include duplicates', 'get', { ids: ['a'], include: ['documents', 'documents', 'metadatas'] }],
  ['edges', 'query include duplicates', 'query', q([[0.1, 0.2, 0.3]], { nResults: 1, include: ['distances', 'distances', 'documents'] })],
  ['edges', 'query flat queryEmbeddings', 'query', q([0.1, 0.2, 0.3], { nResults: 1 })],
  ['edges', 'query with limit and offset', 'query', q([[0.1, 0.2, 0.3]], { nResults: 1, limit: 5, offset: 1, include: [] })],
  ['edges', 'get with nResults', 'get', { nResults: 1, include: [] }],
  // URIs without, with and beside other metadata
  ['uris', 'get uris and metadatas', 'get', { include: ['uris', 'metadatas'] }],
  ['uris', 'get metadatas only', 'get', { include: ['metadatas'] }],
  ['uris', 'query uris and metadatas', 'query', q([[1, 0]], { nResults: 4, include: ['uris', 'metadatas', 'distances'] })],
  ['uris', 'where on a uri-only record', 'get', { where: { k: { $ne: 1 } }, include: ['metadatas'] }],
  // regex flags (Rust's regex crate)
  ['edges', 'regex (?i) whole', 'get', { whereDocument: { $regex: '(?i)apple' }, include: [] }],
  ['edges', 'regex (?i) mid-pattern', 'get', { whereDocument: { $regex: 'A(?i)PPLE' }, include: [] }],
  ['edges', 'regex (?i:…) group', 'get', { whereDocument: { $regex: '(?i:apple) [jt]' }, include: [] }],
  ['edges', 'regex (?i) then (?-i)', 'get', { whereDocument: { $regex: '(?i)a(?-i)pple' }, include: [] }],
  ['edges', 'regex (?i:…) nested (?-i:…)', 'get', { whereDocument: { $regex: '(?i:a(?-i:PPLE))' }, include: [] }],
  ['edges', 'regex (?is) flags', 'get', { whereDocument: { $regex: '(?is)PEAR' }, include: [] }],
  ['edges', 'not_regex (?i:…)', 'get', { whereDocument: { $not_regex: '(?i:apple)' }, include: [] }],
  // NUL characters
  ['edges', 'contains NUL', 'get', { whereDocument: { $contains: 'app\u0000le' }, include: [] }],
  ['edges', 'not_contains NUL', 'get', { whereDocument: { $not_contains: '\u0000' }, include: [] }],
  ['edges', 'metadata eq NUL', 'get', { where: { s: 'x\u0000' }, include: [] }],
  ['edges', 'regex NUL', 'get', { whereDocument: { $regex: 'a\u0000' }, include: [] }],
  // #document inside where
  ['edges', 'where #document contains', 'get', { where: { '#document': { $contains: 'apple' } }, include: [] }],
  // integers beyond 2^53
  ['edges', 'where n eq 2^60', 'get', { where: { n: BIG }, include: [] }],
  ['edges', 'where n eq 2^60+256', 'get', { where: { n: BIG + 256 }, include: [] }],
  ['edges', 'where n gt 2^60', 'get', { where: { n: { $gt: BIG } }, include: [] }],
  ['edges', 'where n gte 2^60', 'get', { where: { n: { $gte: BIG } }, include: [] }],
  ['edges', 'where n lt 2^60+256', 'get', { where: { n: { $lt: BIG + 256 } }, include: [] }],
  ['edges', 'where n eq -2^63', 'get', { where: { n: -(2 ** 63) }, include: [] }],
  ['edges', 'where n eq 2^63', 'get', { where: { n: 2 ** 63 }, include: [] }],
  ['edges', 'where n gt 2^63', 'get', { where: { n: { $gt: 2 ** 63 } }, include: [] }],
  ['edges', 'where n lt 2^64', 'get', { where: { n: { $lt: 2 ** 64 } }, include: [] }],
  ['edges', 'where n eq 1e20', 'get', { where: { n: 1e20 }, include: [] }],
  ['edges', 'where n in [2^60, 1]', 'get', { where: { n: { $in: [BIG, 1] } }, include: [] }],
  ['edges', 'where n in [2^60+256]', 'get', { where: { n: { $in: [BIG + 256] } }, include: [] }],
  ['edges', 'where n in [2^63, 1]', 'get', { where: { n: { $in: [2 ** 63, 1] } }, include: [] }],
  ['edges', 'where n in [1, 2^63]', 'get', { where: { n: { $in: [1, 2 ** 63] } }, include: [] }],
  ['edges', 'where n in [1e20]', 'get', { where: { n: { $in: [1e20] } }, include: [] }],
  ['edges', 'where n in [1e20, 1]', 'get', { where: { n: { $in: [1e20, 1] } }, include: [] }],
  ['edges', 'where n nin [2^64, 1]', 'get', { where: { n: { $nin: [2 ** 64, 1] } }, include: [] }],
  ['edges', 'where n in [-2^63, 1]', 'get', { where: { n: { $in: [-(2 ** 63), 1] } }, include: [] }],
  ['edges', 'where n in [2^53+2, 1]', 'get', { where: { n: { $in: [2 ** 53 + 2, 1] } }, include: [] }],
  ['edges', 'where n in [2.5, 1]', 'get', { where: { n: { $in: [2.5, 1] } }, include: [] }],
  ['edges', 'where n in [1, 2.5]', 'get', { where: { n: { $in: [1, 2.5] } }, include: [] }],
  ['edges', 'where f eq 1e300', 'get', { where: { f: 1e300 }, include: [] }],
  ['edges', 'where f in [1e300, 0.1]', 'get', { where: { f: { $in: [1e300, 0.1] } }, include: [] }],
  // a schema that disables indexes
  ['noindex', 'string index disabled', 'get', { where: { s: 'x' }, include: [] }],
  ['noindex', 'int index disabled', 'get', { where: { i: 1 }, include: [] }],
  ['noindex', 'int index disabled, float operand', 'get', { where: { i: { $gt: 1.5 } }, include: [] }],
  ['noindex', 'float index disabled', 'get', { where: { f: { $gt: 1 } }, include: [] }],
  ['noindex', 'float index disabled, int operand', 'get', { where: { f: 2 }, include: [] }],
  ['noindex', 'bool index disabled', 'get', { where: { b: true }, include: [] }],
  ['noindex', 'string $in on disabled', 'get', { where: { s: { $in: ['x'] } }, include: [] }],
  ['noindex', 'string $ne on disabled', 'get', { where: { s: { $ne: 'x' } }, include: [] }],
  ['noindex', 'enabled key still filters', 'get', { where: { t: 'kept' }, include: [] }],
  ['noindex', 'disabled key inside $or', 'get', { where: { $or: [{ t: 'kept' }, { s: 'x' }] }, include: [] }],
  ['noindex', 'fts disabled contains', 'get', { whereDocument: { $contains: 'alpha' }, include: [] }],
  ['noindex', 'fts disabled regex', 'get', { whereDocument: { $regex: 'alp' }, include: [] }],
  ['noindex', 'fts disabled query', 'query', q([[1, 0]], { nResults: 1, whereDocument: { $contains: 'alpha' }, include: [] })],
  ['noindex', 'disabled in query where', 'query', q([[1, 0]], { nResults: 1, where: { s: 'x' }, include: [] })],
  ['noindex', 'unknown key (defaults enabled)', 'get', { where: { other: 1 }, include: [] }],
  ['noindex', 'get all', 'get', { include: ['metadatas', 'documents'] }],
  ['noindex', 'where #document on noindex', 'get', { where: { '#document': { $contains: 'alpha' } }, include: [] }],
];

/** A client result as plain JSON (the chromadb client returns class instances with methods). */
const plain = (value) => JSON.parse(JSON.stringify(value));

/**
 * The error's message, with the request URL the chromadb client puts in server errors replaced
 * (same as workload.mjs's errorMessage).
 */
export const edgeErrorMessage = (e) => String(e?.message ?? e).replace(/^Bad request to \S+ with status:/, 'Bad request to * with status:');

/** Runs every case with `client` (a factory); answers and errors as plain JSON. */
export async function runEdgeCases({ client, only }) {
  const c = client();
  const collections = new Map();
  const out = [];
  for (const [collection, label, op, args] of EDGE_CASES) {
    if (only && !only.includes(collection)) continue;
    if (!collections.has(collection)) collections.set(collection, await c.getCollection({ name: collection, embeddingFunction: null }));
    const coll = collections.get(collection);
    try {
      const result = op === 'get' ? await coll.get(args) : await coll.query(args);
      out.push({ collection, label, op, args, result: plain(result) });
    } catch (e) {
      out.push({ collection, label, op, args, error: edgeErrorMessage(e), errorName: e?.name ?? 'Error' });
    }
  }
  return out;
}
