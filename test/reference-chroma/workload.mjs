// The project's fixture workload: fills a fresh Chroma folder through a chromadb-style client and
// records the answers to a fixed list of get / query / count cases, errors included. Run against
// real Chroma (chromadb's ChromaClient over HTTP) it records Chroma's answers (record-fixture.mjs);
// run against PersistentClient it must give the same ones (test/write/fixture-workload.test.ts).
// Plain JS importing only its neighbours, so the same file runs under node beside `chromadb` and under vitest.
//
// What it covers: two tenants, l2 / cosine / ip collections, one past Chroma's sync threshold (so
// its HNSW checkpoint is persisted) and others whose vectors stay in the WAL, typed metadata (str,
// int, float, bool, optional arrays), keys some records lack, case and LIKE wildcards in documents,
// non-ASCII text, updates (metadata, documents, embeddings, key removal), deletes by id and by
// filter, upserts, an empty collection and a dropped one.

import { seededRandom } from './seeded-random.mjs';

export const WORKLOAD_FORMAT = 1;


const VOCABULARY = [
  'river', 'Index', 'index', 'lantern', 'orbit', 'granite', 'vector', 'harbor', 'meadow', 'signal',
  'café', 'naïve', 'Zürich', '東京', '검색', 'данные', 'emoji🙂', '100%', 'snake_case', 'a.b', 'Graph', 'graph',
];
const GENRES = ['fiction', 'science', 'history', 'poetry', 'Science'];
const TAGS = ['classic', 'new', 'award', 'signed', 'rare'];

/**
 * @param {{ client: (tenant?: string, database?: string) => any, admin: () => any, seed?: number, arrays?: boolean }} opts
 * @returns {Promise<Array<{ collection: string, label: string, op: string, args: object, result?: unknown, error?: string }>>}
 */
export async function runWorkload({ client, admin, seed = 7, arrays = true }) {
  const random = seededRandom(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const vector = (dim) => Array.from({ length: dim }, () => Math.round((random() * 2 - 1) * 1e5) / 1e5);
  const text = () => Array.from({ length: int(4, 10) }, () => pick(VOCABULARY)).join(' ');
  const range = (prefix, from, to) => Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(4, '0')}`);

  async function addInBatches(collection, ids, make, batch = 150) {
    for (let i = 0; i < ids.length; i += batch) {
      const chunk = ids.slice(i, i + batch);
      const rows = chunk.map((id, k) => make(id, i + k));
      await collection.add({
        ids: chunk,
        embeddings: rows.map((r) => r.embedding),
        metadatas: rows.map((r) => r.metadata),
        documents: rows.map((r) => r.document),
      });
    }
  }

  // --- fill ---------------------------------------------------------------------------------------
  await admin().createTenant({ name: 'northwind' });
  await admin().createDatabase({ name: 'staging', tenant: 'northwind' });
  const main = client();

  const books = await main.createCollection({ name: 'books', metadata: { 'hnsw:space': 'cosine', owner: 'library' }, embeddingFunction: null });
  await addInBatches(books, range('book', 0, 700), (_id, i) => {
    const metadata = { genre: pick(GENRES), year: int(1950, 2024), in_print: random() < 0.6, pages: int(40, 900) };
    if (i % 7 !== 0) metadata.rating = Math.round(random() * 50) / 10; // some books are unrated
    if (i % 11 === 0) metadata.rating = int(1, 5) + 0.5;
    if (arrays && i % 3 !== 0) {
      metadata.tags = Array.from({ length: int(1, 3) }, () => pick(TAGS));
      metadata.editions = Array.from({ length: int(1, 3) }, () => int(1, 6));
    }
    return { embedding: vector(8), metadata, document: text() };
  });

  // Records without a document (the client refuses null inside a list of documents).
  const undocumented = range('book', 720, 728);
  await books.add({ ids: undocumented, embeddings: undocumented.map(() => vector(8)), metadatas: undocumented.map((_, i) => ({ genre: 'fiction', year: 2000 + i })) });

  const sensors = await main.createCollection({ name: 'sensors', metadata: { 'hnsw:space': 'l2' }, embeddingFunction: null });
  await addInBatches(sensors, range('s', 0, 1500), (_id, i) => ({
    embedding: vector(4),
    metadata: { site: pick(['north', 'south', 'east', 'west']), reading: Math.round(random() * 1e4) / 100, ok: i % 5 !== 0, batch: Math.floor(i / 150) },
    document: `sensor ${i} ${pick(VOCABULARY)}`,
  }), 300);

  const affinity = await main.createCollection({ name: 'affinity', metadata: { 'hnsw:space': 'ip' }, embeddingFunction: null });
  await addInBatches(affinity, range('u', 0, 250), (_id, i) => ({
    embedding: vector(6),
    metadata: { score: Math.round((random() * 2 - 1) * 1000) / 10, big: 3_000_000_000 + i, level: int(-5, 5) },
    document: text(),
  }));

  await main.createCollection({ name: 'empty', embeddingFunction: null });
  const scratch = await main.createCollection({ name: 'scratch', embeddingFunction: null });
  await addInBatches(scratch, range('x', 0, 20), () => ({ embedding: vector(2), metadata: { n: 1 }, document: 'gone' }));
  await main.deleteCollection({ name: 'scratch' });

  const staging = client('northwind', 'staging');
  const orders = await staging.createCollection({ name: 'orders', embeddingFunction: null });
  await addInBatches(orders, range('o', 0, 120), (_id, i) => ({
    embedding: vector(3),
    metadata: { status: pick(['open', 'paid', 'shipped']), total: Math.round(random() * 50000) / 100, items: int(1, 9), ...(arrays ? { skus: [pick(TAGS), pick(TAGS)] } : {}) },
    document: i % 9 === 0 ? `Order ${i}: RUSH ${text()}` : `order ${i}: ${text()}`,
  }));

  // --- changes after the fill ------------------------------------------------------------------------
  const bookIds = range('book', 0, 700);
  await books.update({ ids: bookIds.slice(0, 30), metadatas: bookIds.slice(0, 30).map((_, i) => ({ genre: 'revised', rating: i % 2 ? null : 4.0 })) });
  // The client re-embeds documents it is given, so new documents travel with their vectors.
  await books.update({ ids: bookIds.slice(30, 40), embeddings: bookIds.slice(30, 40).map(() => vector(8)), documents: bookIds.slice(30, 40).map((_, i) => `Revised edition ${i} of a graph index`) });
  await books.update({ ids: bookIds.slice(40, 50), embeddings: bookIds.slice(40, 50).map(() => vector(8)) });
  await books.delete({ ids: bookIds.slice(50, 75) });
  await books.delete({ where: { $and: [{ genre: 'poetry' }, { year: { $lt: 1970 } }] } });
  await books.upsert({
    ids: [...bookIds.slice(100, 105), ...range('book', 700, 705)],
    embeddings: Array.from({ length: 10 }, () => vector(8)),
    metadatas: Array.from({ length: 10 }, (_, i) => ({ genre: 'upserted', year: 2025, rating: i })),
    documents: Array.from({ length: 10 }, (_, i) => `upserted ${i} ${text()}`),
  });
  const sensorIds = range('s', 0, 1500);
  await sensors.delete({ ids: sensorIds.filter((_, i) => i % 15 === 0) });
  await sensors.update({ ids: sensorIds.slice(1, 60), embeddings: sensorIds.slice(1, 60).map(() => vector(4)) });
  await sensors.upsert({ ids: ['s-0000', 's-9999'], embeddings: [vector(4), vector(4)], metadatas: [{ site: 'moved' }, { site: 'new', ok: true }], documents: ['back again', 'brand new'] });
  await orders.delete({ whereDocument: { $contains: 'RUSH' } });

  // --- cases ----------------------------------------------------------------------------------------
  const cases = [];
  const record = async (name, collection, label, op, args) => {
    try {
      const value = op === 'count' ? await collection.count() : await collection[op](args);
      cases.push({ collection: name, label, op, args, result: op === 'count' ? value : plain(value) });
    } catch (e) {
      cases.push({ collection: name, label, op, args, error: errorMessage(e) });
    }
  };

  const bookWheres = [
    { genre: 'science' },
    { genre: 'Science' },
    { genre: { $ne: 'fiction' } },
    { year: 1999 },
    { year: { $gt: 2010 } },
    { year: { $gte: 2010.0 } },
    { year: { $lt: 1960.5 } },
    { rating: { $lte: 2 } },
    { rating: 4 },
    { rating: { $gt: 4.5 } },
    { rating: { $ne: 3.5 } },
    { rating: { $nin: [1, 2, 3, 4.5] } },
    { in_print: true },
    { in_print: { $ne: false } },
    { genre: { $in: ['poetry', 'history', 'missing'] } },
    { genre: { $nin: ['fiction', 'science'] } },
    { $and: [{ year: { $gte: 1980 } }, { year: { $lt: 1990 } }, { in_print: false }] },
    { $or: [{ genre: 'revised' }, { rating: { $gte: 4.9 } }] },
    { $or: [{ $and: [{ genre: 'history' }, { pages: { $gt: 500 } }] }, { year: 2024 }] },
    { pages: { $in: [100, 200, 300, 400] } },
  ];
  if (arrays) bookWheres.push({ tags: { $contains: 'rare' } }, { tags: { $not_contains: 'classic' } }, { editions: { $contains: 3 } });
  const bookDocuments = [
    { $contains: 'graph' },
    { $contains: 'Graph' },
    { $contains: '100%' },
    { $contains: 'snake_case' },
    { $contains: '東京' },
    { $not_contains: 'river' },
    { $regex: '^Revised' },
    { $regex: 'caf[eé]\\s+na' },
    { $not_regex: '[0-9]' },
    { $and: [{ $contains: 'orbit' }, { $contains: 'meadow' }] },
    { $or: [{ $contains: 'Zürich' }, { $contains: 'данные' }] },
  ];

  await record('books', books, 'count', 'count', {});
  await record('books', books, 'get ids', 'get', { ids: ['book-0003', 'book-0041', 'book-0060', 'book-0702', 'book-0721', 'nope'], include: ['documents', 'metadatas', 'embeddings'] });
  await record('books', books, 'get first page', 'get', { limit: 25, include: ['metadatas'] });
  await record('books', books, 'get page 8', 'get', { limit: 25, offset: 200, include: ['documents'] });
  await record('books', books, 'get past the end', 'get', { limit: 10, offset: 5000 });
  for (const where of bookWheres) await record('books', books, `get where ${JSON.stringify(where)}`, 'get', { where, include: ['metadatas'] });
  for (const whereDocument of bookDocuments) await record('books', books, `get whereDocument ${JSON.stringify(whereDocument)}`, 'get', { whereDocument, include: ['documents'] });
  await record('books', books, 'get where + document + page', 'get', { where: { year: { $gte: 1990 } }, whereDocument: { $contains: 'index' }, limit: 6, offset: 2, include: ['documents', 'metadatas'] });
  await record('books', books, 'get ids + where', 'get', { ids: bookIds.slice(0, 60), where: { genre: 'revised' }, include: [] });
  for (const k of [1, 5, 10, 40]) {
    await record('books', books, `query k=${k}`, 'query', { queryEmbeddings: [vector(8), vector(8)], nResults: k, include: ['distances', 'documents', 'metadatas'] });
  }
  for (const where of bookWheres.slice(0, 12)) {
    await record('books', books, `query where ${JSON.stringify(where)}`, 'query', { queryEmbeddings: [vector(8)], nResults: 7, where, include: ['distances'] });
  }
  await record('books', books, 'query whereDocument', 'query', { queryEmbeddings: [vector(8)], nResults: 5, whereDocument: { $contains: 'lantern' }, include: ['distances', 'documents'] });
  // Only live ids: Chroma 1.3.4 fails a query whose ids include a deleted record ("Error finding id").
  await record('books', books, 'query ids', 'query', { queryEmbeddings: [vector(8)], nResults: 4, ids: ['book-0003', 'book-0100', 'book-0101', 'book-0102', 'book-0700', 'book-0701', 'book-0721'], include: ['distances', 'embeddings'] });
  await record('books', books, 'query more than match', 'query', { queryEmbeddings: [vector(8)], nResults: 50, where: { genre: 'upserted' }, include: ['distances', 'metadatas'] });
  await record('books', books, 'error: $gt on a string', 'get', { where: { year: { $gt: 'x' } } });
  await record('books', books, 'error: unknown operator', 'get', { where: { year: { $between: [1, 2] } } });
  await record('books', books, 'error: wrong dimension', 'query', { queryEmbeddings: [vector(5)], nResults: 3 });
  await record('books', books, 'error: empty $in', 'get', { where: { genre: { $in: [] } } });

  const sensorWheres = [{ site: 'north' }, { ok: false }, { reading: { $gt: 50 } }, { batch: { $in: [0, 9] } }, { $and: [{ site: 'east' }, { reading: { $lt: 20.5 } }] }, { site: { $nin: ['north', 'south'] } }];
  await record('sensors', sensors, 'count', 'count', {});
  await record('sensors', sensors, 'get ids', 'get', { ids: ['s-0000', 's-0001', 's-0015', 's-0777', 's-9999'], include: ['documents', 'metadatas', 'embeddings'] });
  await record('sensors', sensors, 'get page', 'get', { limit: 30, offset: 1400, include: ['metadatas'] });
  for (const where of sensorWheres) await record('sensors', sensors, `get where ${JSON.stringify(where)}`, 'get', { where, limit: 40, include: ['metadatas'] });
  await record('sensors', sensors, 'get whereDocument', 'get', { whereDocument: { $contains: 'harbor' }, include: ['documents'] });
  for (const k of [1, 3, 10, 25]) {
    await record('sensors', sensors, `query k=${k}`, 'query', { queryEmbeddings: [vector(4), vector(4), vector(4)], nResults: k, include: ['distances', 'metadatas'] });
  }
  for (const where of sensorWheres) {
    await record('sensors', sensors, `query where ${JSON.stringify(where)}`, 'query', { queryEmbeddings: [vector(4)], nResults: 6, where, include: ['distances', 'documents'] });
  }
  await record('sensors', sensors, 'query embeddings back', 'query', { queryEmbeddings: [vector(4)], nResults: 3, include: ['embeddings', 'distances'] });

  const affinityWheres = [{ score: { $gt: 0 } }, { score: { $lte: -50.5 } }, { big: { $gte: 3_000_000_200 } }, { level: { $in: [-5, 0, 5] } }, { level: -3 }];
  await record('affinity', affinity, 'count', 'count', {});
  await record('affinity', affinity, 'get ids', 'get', { ids: ['u-0000', 'u-0123', 'u-0249'], include: ['metadatas', 'embeddings', 'documents'] });
  for (const where of affinityWheres) await record('affinity', affinity, `get where ${JSON.stringify(where)}`, 'get', { where, include: ['metadatas'] });
  for (const k of [1, 8, 20]) {
    await record('affinity', affinity, `query k=${k}`, 'query', { queryEmbeddings: [vector(6), vector(6)], nResults: k, include: ['distances', 'metadatas', 'documents'] });
  }
  await record('affinity', affinity, 'query where', 'query', { queryEmbeddings: [vector(6)], nResults: 9, where: { score: { $gt: 10 } }, include: ['distances'] });

  const empty = await main.getCollection({ name: 'empty', embeddingFunction: null });
  await record('empty', empty, 'count', 'count', {});
  await record('empty', empty, 'get', 'get', { include: ['documents', 'metadatas'] });
  await record('empty', empty, 'query', 'query', { queryEmbeddings: [[0.5, 0.5]], nResults: 3 });

  const ordersName = 'orders@northwind/staging';
  const orderWheres = [{ status: 'paid' }, { total: { $gte: 250 } }, { items: { $lt: 3 } }, { $or: [{ status: 'open' }, { items: 9 }] }];
  if (arrays) orderWheres.push({ skus: { $contains: 'award' } });
  await record(ordersName, orders, 'count', 'count', {});
  await record(ordersName, orders, 'get all', 'get', { include: ['documents', 'metadatas', 'embeddings'] });
  for (const where of orderWheres) await record(ordersName, orders, `get where ${JSON.stringify(where)}`, 'get', { where, include: ['metadatas'] });
  await record(ordersName, orders, 'get whereDocument', 'get', { whereDocument: { $regex: 'order [0-9]+: (river|orbit)' }, include: ['documents'] });
  for (const k of [2, 12]) {
    await record(ordersName, orders, `query k=${k}`, 'query', { queryEmbeddings: [vector(3)], nResults: k, include: ['distances', 'documents', 'metadatas'] });
  }
  return cases;
}

/**
 * The error's message, with the request URL the chromadb client puts in server errors replaced
 * (it names a port and a collection uuid that differ from run to run; PersistentClient has none).
 */
export function errorMessage(e) {
  return String(e?.message ?? e).replace(/^Bad request to \S+ with status:/, 'Bad request to * with status:');
}

/** A client result as plain JSON (the chromadb client returns class instances with methods). */
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
