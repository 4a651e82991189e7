// A second round of writes on a filled folder — one of the committed reference folders, or one our
// fixture workload (test/reference-chroma/workload.mjs) filled — then cases in the workload's format. Driven either by real Chroma (chromadb's
// ChromaClient) or by PersistentClient: `client(tenant?, database?)` returns one or the other.
// Plain JS with no imports, so the same file runs under vitest and under node beside `chromadb`.

/** Where the phase writes: the seed7 reference folders' collections by default. */
export const SEED7_LAYOUT = { l2: ['points', 3], cosine: ['articles', 16], cosineIds: ['articles-2', 'articles-3', 'articles-4'], scope: ['acme', 'prod'] };
/** The same roles in a folder our fixture workload filled. */
export const WORKLOAD_LAYOUT = { l2: ['sensors', 4], cosine: ['books', 8], cosineIds: ['book-0002', 'book-0003', 'book-0004'], scope: ['northwind', 'staging'] };

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'graph', 'index', 'sqlite', 'wal', 'ümlaut', '日本語', 'emoji🙂'];

/**
 * @param {{ client: (tenant?: string, database?: string) => any, seed: number, tag: string, bulk?: number, arrays?: boolean, layout?: typeof SEED7_LAYOUT }} opts
 * @returns {Promise<any[]>} the recorded cases
 */
export async function runPhase({ client, seed, tag, bulk = 1100, arrays = true, layout = SEED7_LAYOUT }) {
  const [l2Name, l2Dim] = layout.l2;
  const [cosName, cosDim] = layout.cosine;
  const [c2, c3, c4] = layout.cosineIds;
  const [tenant, database] = layout.scope;
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const vec = (d) => Array.from({ length: d }, () => Math.round((rand() * 2 - 1) * 1e4) / 1e4);
  const sentence = () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => pick(WORDS)).join(' ');
  const meta = (i) => ({ phase: tag, i, score: Math.round(rand() * 1000) / 100, even: i % 2 === 0, kind: pick(['x', 'y', 'z']) });

  const def = client();
  const cases = [];
  const record = async (coll, label, op, args, fn) => {
    try {
      cases.push({ collection: coll, label, op, args, result: await fn() });
    } catch (e) {
      cases.push({ collection: coll, label, op, args, error: String(e?.message ?? e) });
    }
  };

  // 1. Bulk adds to the l2 collection: past sync_threshold in one process, so the writer persists its checkpoint.
  const points = await def.getCollection({ name: l2Name, embeddingFunction: null });
  const ids = Array.from({ length: bulk }, (_, i) => `${tag}-p${i}`);
  for (let i = 0; i < ids.length; i += 300) {
    const chunk = ids.slice(i, i + 300);
    await points.add({ ids: chunk, embeddings: chunk.map(() => vec(l2Dim)), metadatas: chunk.map((_, k) => meta(i + k)), documents: chunk.map(() => sentence()) });
  }
  await points.update({ ids: ids.slice(0, 20), metadatas: ids.slice(0, 20).map(() => ({ kind: 'updated', score: 2.0 })) });
  await points.update({ ids: ids.slice(20, 25), embeddings: ids.slice(20, 25).map(() => vec(l2Dim)) });
  await points.delete({ ids: ids.slice(30, 60) });
  await points.delete({ where: { $and: [{ phase: tag }, { kind: 'z' }] } });
  await points.upsert({ ids: [ids[0], `${tag}-fresh`], embeddings: [vec(l2Dim), vec(l2Dim)], metadatas: [{ kind: 'upserted' }, { kind: 'fresh', ...(arrays ? { tags: ['a', 'b'] } : {}) }], documents: ['upserted doc', 'fresh doc'] });

  // 2. Small edits to a cosine collection (stays below the threshold: those rows wait in the WAL).
  const articles = await def.getCollection({ name: cosName, embeddingFunction: null });
  await articles.upsert({ ids: [c2, `${tag}-a1`], embeddings: [vec(cosDim), vec(cosDim)], metadatas: [{ category: tag }, { category: tag, year: 2030 }], documents: ['re-upserted', 'new article'] });
  await articles.delete({ ids: [c3] });
  await articles.update({ ids: [c4], embeddings: [vec(cosDim)], documents: [`updated by ${tag}`] });

  // 3. A new collection in another database, with arrays, floats that look like ints, and a modify.
  const acme = client(tenant, database);
  const fresh = await acme.getOrCreateCollection({ name: `${tag}-notes`, metadata: { 'hnsw:space': 'ip', phase: tag }, embeddingFunction: null });
  const nIds = Array.from({ length: 40 }, (_, i) => `${tag}-n${i}`);
  await fresh.add({ ids: nIds, embeddings: nIds.map(() => vec(5)), metadatas: nIds.map((_, i) => ({ ...meta(i), ...(arrays ? { tags: [pick(WORDS), pick(WORDS)] } : {}), ratio: i + 0.5 })), documents: nIds.map(() => sentence()) });
  await fresh.modify({ metadata: { phase: tag, modified: true } });

  // 4. Cases.
  const cols = [
    [l2Name, points, l2Dim],
    [cosName, articles, cosDim],
    [`${tag}-notes@${tenant}/${database}`, await acme.getCollection({ name: `${tag}-notes`, embeddingFunction: null }), 5],
  ];
  for (const [name, col, dim] of cols) {
    await record(name, 'count', 'count', {}, () => col.count());
    const sample = [ids[0], ids[25], `${tag}-fresh`, c2, c4, `${tag}-a1`, nIds[3], 'missing'];
    await record(name, 'get ids', 'get', { ids: sample, include: ['documents', 'metadatas', 'embeddings'] }, () =>
      col.get({ ids: sample, include: ['documents', 'metadatas', 'embeddings'] }),
    );
    const wheres = [{ phase: tag }, { kind: { $in: ['x', 'updated'] } }, { score: { $gte: 5 } }, { even: true }, { kind: { $ne: 'x' } }];
    if (arrays) wheres.push({ tags: { $contains: 'a' } });
    for (const w of wheres) await record(name, `get where ${JSON.stringify(w)}`, 'get', { where: w, include: ['metadatas'] }, () => col.get({ where: w, include: ['metadatas'] }));
    await record(name, 'get whereDocument', 'get', { whereDocument: { $contains: 'graph' }, include: ['documents'] }, () =>
      col.get({ whereDocument: { $contains: 'graph' }, include: ['documents'] }),
    );
    await record(name, 'get limit offset', 'get', { limit: 9, offset: 5 }, () => col.get({ limit: 9, offset: 5 }));
    for (const k of [1, 7]) {
      const e = [vec(dim), vec(dim)];
      await record(name, `query k=${k}`, 'query', { queryEmbeddings: e, nResults: k, include: ['distances', 'metadatas', 'documents'] }, () =>
        col.query({ queryEmbeddings: e, nResults: k, include: ['distances', 'metadatas', 'documents'] }),
      );
    }
    const e = [vec(dim)];
    await record(name, 'query where', 'query', { queryEmbeddings: e, nResults: 5, where: { phase: tag }, include: ['distances'] }, () =>
      col.query({ queryEmbeddings: e, nResults: 5, where: { phase: tag }, include: ['distances'] }),
    );
  }
  return cases;
}
