// The client API step by step — results, validation errors and their messages — in a form that
// can be recorded from real Chroma (chromadb's ChromaClient/AdminClient over HTTP) and compared
// with PersistentClient/PersistentAdminClient. Plain JS, no imports: runs under vitest and node.
//
// `make.client(tenant?, database?)`, `make.admin()` build clients; `make.allowReset` says
// whether reset() is expected to work. Returns [{ step, ok } | { step, error: { name, message } }].

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** What is compared: collections by their public fields, ids and URLs normalised away. */
function shape(v) {
  if (v === undefined) return null;
  if (v && typeof v === 'object' && 'embeddingFunction' in v && typeof v.count === 'function') {
    return { name: v.name, tenant: v.tenant, database: v.database, metadata: v.metadata ?? null, configuration: v.configuration };
  }
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = shape(v[k]);
    return out;
  }
  if (typeof v === 'string') return v.replace(UUID, '<uuid>');
  return v;
}

export const normaliseMessage = (m) => String(m).replace(/^Bad request to \S+ with status:/, 'Bad request to * with status:').replace(UUID, '<uuid>');

export async function runApiProbe(make) {
  const steps = [];
  const step = async (name, fn) => {
    try {
      steps.push({ step: name, ok: shape(await fn()) });
    } catch (e) {
      steps.push({ step: name, error: { name: e?.name ?? 'Error', message: normaliseMessage(e?.message ?? e) } });
    }
  };
  const c = make.client();
  const admin = make.admin();

  await step('heartbeat is a number', async () => typeof (await c.heartbeat()));
  await step('createCollection', () => c.createCollection({ name: 'col1', embeddingFunction: null }));
  await step('createCollection duplicate', () => c.createCollection({ name: 'col1', embeddingFunction: null }));
  await step('createCollection with metadata', () =>
    c.createCollection({ name: 'col2', metadata: { 'hnsw:space': 'cosine', a: 1, b: 2.5, s: 'x', t: true }, embeddingFunction: null }),
  );
  await step('createCollection name too short', () => c.createCollection({ name: 'a', embeddingFunction: null }));
  await step('createCollection name with ..', () => c.createCollection({ name: 'a..b', embeddingFunction: null }));
  await step('createCollection name is an IP', () => c.createCollection({ name: '10.0.0.1', embeddingFunction: null }));
  await step('createCollection empty metadata', () => c.createCollection({ name: 'emptymd', metadata: {}, embeddingFunction: null }));
  await step('createCollection bad hnsw:space', () => c.createCollection({ name: 'badmd', metadata: { 'hnsw:space': 'foo' }, embeddingFunction: null }));
  await step('createCollection unknown hnsw key', () => c.createCollection({ name: 'badmd2', metadata: { 'hnsw:foo': 1 }, embeddingFunction: null }));
  await step('createCollection legacy hnsw metadata', () =>
    c.createCollection({
      name: 'mdh',
      metadata: { 'hnsw:M': 32, 'hnsw:search_ef': 50, 'hnsw:sync_threshold': 500, 'hnsw:construction_ef': 120, 'hnsw:space': 'ip' },
      embeddingFunction: null,
    }),
  );
  await step('createCollection configuration.hnsw', () =>
    c.createCollection({ name: 'cfgh', configuration: { hnsw: { space: 'ip', ef_search: 77, max_neighbors: 8 } }, embeddingFunction: null }),
  );
  await step('createCollection configuration wins over metadata', () =>
    c.createCollection({ name: 'both', metadata: { 'hnsw:space': 'cosine' }, configuration: { hnsw: { space: 'ip' } }, embeddingFunction: null }),
  );
  await step('getCollection missing', () => c.getCollection({ name: 'nope' }));
  await step('deleteCollection missing', () => c.deleteCollection({ name: 'nope' }));
  await step('getOrCreateCollection existing keeps metadata', () => c.getOrCreateCollection({ name: 'mdh', metadata: { other: 1 }, embeddingFunction: null }));
  await step('listCollections', async () => (await c.listCollections()).map((x) => x.name).sort());
  await step('listCollections limit offset (ordered by id)', async () => (await c.listCollections({ limit: 2, offset: 1 })).length);
  await step('countCollections', () => c.countCollections());

  const col = await c.getCollection({ name: 'col1' });
  await step('add', () =>
    col.add({ ids: ['a', 'b'], embeddings: [[1, 2, 3], [4, 5, 6]], metadatas: [{ x: 1 }, { y: 2.0, z: 2.5 }], documents: ['doc a', 'doc b'] }),
  );
  await step('add dimension mismatch', () => col.add({ ids: ['c'], embeddings: [[1, 2]] }));
  await step('add inconsistent dimensions', () => col.add({ ids: ['c', 'd'], embeddings: [[1, 2, 3], [1, 2]] }));
  await step('add duplicate ids', () => col.add({ ids: ['c', 'c'], embeddings: [[1, 2, 3], [1, 2, 3]] }));
  await step('add many duplicate ids', () => col.add({ ids: ['d', 'd', 'e', 'e', 'f', 'f', 'g', 'g', 'h', 'h', 'i', 'i'], embeddings: Array(12).fill([1, 2, 3]) }));
  await step('add empty ids', () => col.add({ ids: [], embeddings: [] }));
  await step('add empty id string', () => col.add({ ids: [''], embeddings: [[1, 2, 3]] }));
  await step('add non-string id', () => col.add({ ids: [7], embeddings: [[1, 2, 3]] }));
  await step('add nested metadata value', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{ x: { y: 1 } }] }));
  await step('add empty metadata', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{}] }));
  await step('add metadata key #', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{ '#x': 1 }] }));
  await step('add metadata key $ at index 1', () => col.add({ ids: ['c', 'd'], embeddings: [[1, 2, 3], [1, 2, 3]], metadatas: [{ a: 1 }, { $x: 1 }] }));
  await step('add mixed-type list', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{ x: [1, 'a'] }] }));
  await step('add empty list', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{ x: [] }] }));
  await step('add null metadata value is dropped', () => col.add({ ids: ['c'], embeddings: [[1, 2, 3]], metadatas: [{ x: null, y: 1 }] }));
  await step('get c', () => col.get({ ids: ['c'] }));
  const big = Array.from({ length: 5462 }, (_, i) => 'id' + i);
  await step('add over the max batch size', () => col.add({ ids: big, embeddings: big.map(() => [1, 2, 3]) }));
  await step('add documents without embeddings or function', () => col.add({ ids: ['q'], documents: ['x'] }));
  await step('add unequal lengths', () => col.add({ ids: ['q', 'r'], embeddings: [[1, 2, 3]] }));
  await step('add null document', () => col.add({ ids: ['q'], embeddings: [[1, 2, 3]], documents: [null] }));
  await step('add an existing id is ignored', () => col.add({ ids: ['a'], embeddings: [[9, 9, 9]], metadatas: [{ x: 99 }] }));
  await step('get everything', () => col.get({ include: ['embeddings', 'metadatas', 'documents', 'uris'] }));
  await step('update missing id', () => col.update({ ids: ['zzz'], metadatas: [{ x: 1 }] }));
  await step('update dimension mismatch', () => col.update({ ids: ['a'], embeddings: [[1, 2]] }));
  await step('update documents without embeddings or function', () => col.update({ ids: ['a'], documents: ['x'] }));
  await step('update merges metadata', () => col.update({ ids: ['a'], metadatas: [{ x: null, w: 'new' }], documents: ['doc a2'], embeddings: [[7, 7, 7]] }));
  await step('upsert', () => col.upsert({ ids: ['a', 'n'], embeddings: [[1, 1, 1], [2, 2, 2]], metadatas: [{ k: 1 }, { k: 2 }] }));
  await step('upsert without embeddings', () => col.upsert({ ids: ['m'], metadatas: [{ k: 1 }] }));
  await step('update arrays and floats', () => col.update({ ids: ['b'], metadatas: [{ f: 2.0, g: 1.5, arr: [1, 2], sarr: ['a'], barr: [true] }] }));
  await step('update uri', () => col.update({ ids: ['b'], uris: ['http://x'] }));
  await step('get everything again', () => col.get({ include: ['embeddings', 'metadatas', 'documents', 'uris'] }));
  await step('get include distances', () => col.get({ include: ['distances'] }));
  await step('get bad include', () => col.get({ include: ['nope'] }));
  await step('get where', () => col.get({ where: { k: { $gte: 1 } }, include: ['metadatas'] }));
  await step('get bad where', () => col.get({ where: { k: { $gt: 'x' } } }));
  await step('get bad whereDocument', () => col.get({ whereDocument: { $foo: 'x' } }));
  await step('delete by ids (missing ones count)', () => col.delete({ ids: ['n', 'zzz'] }));
  await step('delete where', () => col.delete({ where: { k: 1 } }));
  await step('delete nothing', () => col.delete({}));
  await step('delete limit without where', () => col.delete({ ids: ['a'], limit: 1 }));
  await step('delete where limit', () => col.delete({ where: { y: { $gte: 0 } }, limit: 1 }));
  await step('count', () => col.count());
  await step('peek', () => col.peek({}));
  await step('query', () => col.query({ queryEmbeddings: [[1, 2, 3]], nResults: 5 }));
  await step('query include embeddings', () => col.query({ queryEmbeddings: [[1, 2, 3]], nResults: 1, include: ['embeddings', 'uris'] }));
  await step('query dimension mismatch', () => col.query({ queryEmbeddings: [[1, 2]], nResults: 1 }));
  await step('query texts without function', () => col.query({ queryTexts: ['x'], nResults: 1 }));
  await step('query nothing', () => col.query({ nResults: 1 }));
  await step('query negative nResults', () => col.query({ queryEmbeddings: [[1, 2, 3]], nResults: -1 }));
  await step('query empty ids', () => col.query({ queryEmbeddings: [[1, 2, 3]], ids: [] }));
  await step('modify', () => col.modify({ name: 'col1b', metadata: { q: 1 } }));
  await step('collection after modify', async () => ({ name: col.name, metadata: col.metadata }));
  await step('getCollection renamed', () => c.getCollection({ name: 'col1b' }));
  await step('modify empty metadata', () => col.modify({ metadata: {} }));
  await step('modify to a taken name', () => col.modify({ name: 'col2' }));
  const cfg = await c.getCollection({ name: 'cfgh' });
  await step('modify configuration', async () => {
    await cfg.modify({ configuration: { hnsw: { ef_search: 99 } } });
    return c.getCollection({ name: 'cfgh' });
  });

  await step('createTenant too short', () => admin.createTenant({ name: 't1' }));
  await step('createTenant', () => admin.createTenant({ name: 'ten1' }));
  await step('createTenant duplicate', () => admin.createTenant({ name: 'ten1' }));
  await step('getTenant', () => admin.getTenant({ name: 'ten1' }));
  await step('getTenant missing', () => admin.getTenant({ name: 'ten9' }));
  await step('createDatabase', () => admin.createDatabase({ name: 'db1', tenant: 'ten1' }));
  await step('createDatabase duplicate', () => admin.createDatabase({ name: 'db1', tenant: 'ten1' }));
  await step('createDatabase in a missing tenant', () => admin.createDatabase({ name: 'db1', tenant: 'ten9' }));
  await step('createDatabase bad name', () => admin.createDatabase({ name: 'd', tenant: 'ten1' }));
  await step('getDatabase', () => admin.getDatabase({ name: 'db1', tenant: 'ten1' }));
  await step('getDatabase short name', () => admin.getDatabase({ name: 'd', tenant: 'ten1' }));
  await step('getDatabase missing', () => admin.getDatabase({ name: 'db9', tenant: 'ten1' }));
  await step('listDatabases', () => admin.listDatabases({ tenant: 'ten1' }));
  await step('listDatabases default', () => admin.listDatabases({ tenant: 'default_tenant' }));
  const scoped = make.client('ten1', 'db1');
  await step('collection in another database', () => scoped.createCollection({ name: 'scoped', embeddingFunction: null }));
  await step('countCollections there', () => scoped.countCollections());
  await step('deleteDatabase', () => admin.deleteDatabase({ name: 'db1', tenant: 'ten1' }));
  await step('deleteDatabase missing', () => admin.deleteDatabase({ name: 'db1', tenant: 'ten1' }));
  const missing = make.client('ten1', 'nodb');
  await step('list in a missing database', () => missing.listCollections());
  await step('create in a missing database', () => missing.createCollection({ name: 'xyz', embeddingFunction: null }));
  await step('deleteCollection', () => c.deleteCollection({ name: 'col2' }));
  await step('countCollections after delete', () => c.countCollections());
  await step('reset', () => c.reset());
  await step('countCollections after reset', () => c.countCollections());
  return steps;
}
