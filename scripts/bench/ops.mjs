// The operations both engines run, with the chromadb JS client's argument objects, so the same
// list drives our engine and real Chroma. Query vectors are deterministic.
export const DIM = 128;

export function queryVector(seed) {
  let s = seed >>> 0 || 1;
  return Array.from({ length: DIM }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296) * 2 - 1);
}

/** [label, op, args-builder(i, count)] — i varies the query vector between runs. */
export const OPERATIONS = [
  ['query k=10', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 1)], nResults: 10, include: ['distances'] })],
  ['query k=10, 10% where', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 101)], nResults: 10, where: { bucket: 3 }, include: ['distances'] })],
  ['query k=10, 1% where', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 201)], nResults: 10, where: { pct: 42 }, include: ['distances'] })],
  ['query k=10, whereDocument', 'query', (i) => ({ queryEmbeddings: [queryVector(i + 301)], nResults: 10, whereDocument: { $contains: 'needle' }, include: ['distances'] })],
  ['get where, limit 100', 'get', () => ({ where: { bucket: 7 }, limit: 100, include: ['documents', 'metadatas'] })],
  ['get offset N/2, limit 100', 'get', (_i, count) => ({ offset: Math.floor(count / 2), limit: 100, include: ['documents', 'metadatas'] })],
  ['get $contains, limit 100', 'get', () => ({ whereDocument: { $contains: 'needle' }, limit: 100, include: ['documents'] })],
  ['count', 'count', () => ({})],
];

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
