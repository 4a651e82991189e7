// The operations both engines run, with the chromadb JS client's argument objects, so the same
// list drives our engine and real Chroma. Query vectors are deterministic pseudo-random vectors,
// never ones stored in the folder. No `include` is passed: every row uses the client's default
// (query: documents, metadatas, distances; get: documents, metadatas), which is what users get.
export const DIM = 128;

export function queryVector(seed) {
  let s = seed >>> 0 || 1;
  return Array.from({ length: DIM }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296) * 2 - 1);
}

/** The add-throughput row's records: 20,000 in batches of 5,000, the same for both engines. */
export const ADD_RECORDS = 20_000;
export const ADD_BATCH = 5000;

/** The add call for records start… start + ADD_BATCH. */
export function addBatch(start) {
  const ids = Array.from({ length: ADD_BATCH }, (_, k) => `w${start + k}`);
  return { ids, embeddings: ids.map((_, k) => queryVector(start + k + 1)), metadatas: ids.map((_, k) => ({ bucket: (start + k) % 10 })) };
}

/** The add-into row's records: 15,000 more into the bench collection itself, in batches of 5,000. */
export const INTO_RECORDS = 15_000;

/** The add call for records start… start + ADD_BATCH into the bench collection (ids no bench folder holds). */
export function intoBatch(start) {
  const ids = Array.from({ length: ADD_BATCH }, (_, k) => `into${start + k}`);
  return { ids, embeddings: ids.map((_, k) => queryVector(start + k + 50_001)), metadatas: ids.map((_, k) => ({ bucket: (start + k) % 10 })) };
}

/** [label, op, args-builder(i, count)] — i varies the query vector between runs. */
/**
 * The add rows' workload on a chromadb-shaped client (ours or the official one): a new cosine
 * collection and ADD_RECORDS records, or (`into`) INTO_RECORDS more into the folder's `bench`
 * collection after a first query has loaded it. The clock stops after `finish` (our close(), which
 * waits for the last checkpoint). Returns records per second.
 */
export async function addWorkload(client, into, finish = async () => {}) {
  const col = into
    ? await client.getCollection({ name: 'bench', embeddingFunction: null })
    : await client.createCollection({ name: 'bench-write', metadata: { 'hnsw:space': 'cosine' }, embeddingFunction: null });
  // Loads the collection's index before the clock starts.
  if (into) await col.query({ queryEmbeddings: [queryVector(1)], nResults: 1 });
  const [records, batch] = into ? [INTO_RECORDS, intoBatch] : [ADD_RECORDS, addBatch];
  const t = performance.now();
  for (let i = 0; i < records; i += ADD_BATCH) await col.add(batch(i));
  await finish();
  return records / ((performance.now() - t) / 1000);
}

export const OPERATIONS = [
  ['query k=10', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 1)], nResults: 10 })],
  ['query k=10, 10% where', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 101)], nResults: 10, where: { bucket: 3 } })],
  ['query k=10, 1% where', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 201)], nResults: 10, where: { pct: 42 } })],
  // About 1 record in 100,000 (score takes 1,001 values, pct 100): fewer than ef, so Chroma's walk is exhaustive.
  ['query k=10, where admitting ~0.001%', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 401)], nResults: 10, where: { $and: [{ score: 42.5 }, { pct: 7 }] } })],
  ['query k=10, whereDocument', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 301)], nResults: 10, whereDocument: { $contains: 'needle' } })],
  ['get where, limit 100', 'get', () => ({ where: { bucket: 7 }, limit: 100 })],
  ['get offset N/2, limit 100', 'get', (_i, count) => ({ offset: Math.floor(count / 2), limit: 100 })],
  ['get $contains 1%, limit 100', 'get', () => ({ whereDocument: { $contains: 'needle' }, limit: 100 })],
  // The second word of a document is "graph" in 1 of 12 documents, and only there is it followed by " hay".
  ['get $contains ~8%, limit 100', 'get', () => ({ whereDocument: { $contains: 'graph hay' }, limit: 100 })],
  ['count', 'count', () => ({})],
];

/**
 * `--second-after MS` (with --cold-only): a second query after the first, MS milliseconds later
 * (0: at once). Gives { secondMs } — its own time — and `secondFromOpenMs` (open → its answer)
 * when it was asked at once. A person reading a first answer asks the next a few seconds later.
 */
export async function secondQuery(call, t0) {
  const i = process.argv.indexOf('--second-after');
  if (i < 0) return {};
  const pause = Number(process.argv[i + 1]);
  if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  const t = performance.now();
  await call('query', { queryEmbeddings: [queryVector(998)], nResults: 10 });
  const end = performance.now();
  return { secondMs: end - t, ...(pause > 0 ? {} : { secondFromOpenMs: end - t0 }) };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs every operation through `call(op, args)` (sync or async): first call, then `runs` timed. */
export async function measureOperations(call, count, runs) {
  const results = {};
  for (const [label, op, args] of OPERATIONS) {
    const first = performance.now();
    await call(op, args(0, count));
    const firstMs = performance.now() - first;
    const times = [];
    for (let i = 1; i <= runs; i++) {
      const s = performance.now();
      await call(op, args(i, count));
      times.push(performance.now() - s);
    }
    results[label] = { p50: median(times), firstMs };
  }
  return results;
}
