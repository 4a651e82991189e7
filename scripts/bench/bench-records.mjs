// The benchmark collection's records, the same for every folder whichever engine writes it: 128-d
// vectors, typed metadata (bucket = i % 10 for 10% filters, pct = i % 100 for 1% filters) and short
// documents (1% hold "needle"). One seeded generator, consumed in record order.
const WORDS = ['vector', 'index', 'sqlite', 'graph', 'cat', 'dog', 'search', 'query', 'backup', 'segment', 'tenant', 'hnsw'];

export function benchRecords(seed = 12345) {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
  /** Records [from, to) as the chromadb client's add() arguments. Call with ascending, adjacent ranges (the first may start past 0). */
  let next = 0;
  return (from, to) => {
    // Skipping ahead draws what the skipped records would have drawn: 128 + 1 + 2 per record.
    for (; next < from; next++) for (let k = 0; k < 131; k++) rand();
    next = to;
    const ids = [], embeddings = [], metadatas = [], documents = [];
    for (let j = from; j < to; j++) {
      ids.push(`r${j}`);
      embeddings.push(Array.from({ length: 128 }, () => rand() * 2 - 1));
      metadatas.push({ bucket: j % 10, pct: j % 100, score: Math.round(rand() * 1000) / 10, flag: j % 2 === 0, tag: WORDS[j % WORDS.length] });
      documents.push(`${WORDS[Math.floor(rand() * 12)]} ${WORDS[Math.floor(rand() * 12)]} ${j % 100 === 7 ? 'needle' : 'hay'} ${j}`);
    }
    return { ids, embeddings, metadatas, documents };
  };
}
