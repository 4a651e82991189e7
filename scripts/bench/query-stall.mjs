// How long queries block the thread of an embedded client (PersistentClient): issue #14's "no
// engine call blocks others for more than 100 ms". Not a bench row (real Chroma has no such
// thread to compare); run by hand on a bench folder (it only reads):
//   node scripts/bench/query-stall.mjs <bench-folder>/data
// Opens the `bench` collection and asks, each on a fresh turn of the event loop: a first plain
// query (answered from the files), a second one (the vector load, joined with the background
// one), filtered ones, whereDocument ones, then a count and a get of embeddings. A 5 ms timer
// notes every gap over 40 ms, with the step it fell in.
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { watchGaps } from './thread-gaps.mjs';
import { OPERATIONS, queryVector } from './ops.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const [dir, pauseArg = '0'] = process.argv.slice(2);
// Milliseconds between the first and the second query: 0 asks at once (the second query joins
// the background load); a few seconds let the background load finish first.
const pauseMs = Number(pauseArg);
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const watch = watchGaps();
const gaps = watch.gaps;
const turn = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const took = {};
async function timed(name, fn) {
  await turn();
  watch.step(name);
  const t = performance.now();
  await fn();
  took[name] = Math.round(performance.now() - t);
}
const args = (label) => OPERATIONS.find(([l]) => l === label)[2](0, 0);
const client = new lib.PersistentClient({ path: dir });
let col;
await timed('open', async () => (col = await client.getCollection({ name: 'bench', embeddingFunction: null })));
await timed('first query', () => col.query({ queryEmbeddings: [queryVector(1)], nResults: 10 }));
await turn(pauseMs);
await timed('second query', () => col.query({ queryEmbeddings: [queryVector(2)], nResults: 10 }));
// Each filter twice: a key's first use goes through SQLite's index, its second builds its column.
for (const round of ['', ' again']) {
  await timed(`10% where${round}`, () => col.query(args('query k=10, 10% where')));
  await timed(`1% where${round}`, () => col.query(args('query k=10, 1% where')));
  await timed(`whereDocument${round}`, () => col.query(args('query k=10, whereDocument')));
  // A common phrase (~8% of the documents): FTS5 reads its rows past the first page in one piece.
  await timed(`whereDocument 8%${round}`, () => col.query({ queryEmbeddings: [queryVector(7)], nResults: 10, whereDocument: { $contains: 'graph hay' } }));
}
await timed('count', () => col.count());
await timed('get embeddings', () => col.get({ limit: 100, offset: 5000, include: ['embeddings'] }));
await timed('close', () => client.close());
await turn();
watch.stop();
const longest = {};
for (const g of gaps) longest[g.step] = Math.max(longest[g.step] ?? 0, g.ms);
console.log(JSON.stringify({ took, longestGapMs: longest, gaps }));
