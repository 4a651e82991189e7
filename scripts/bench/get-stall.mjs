// How long gets block the thread of an embedded client (PersistentClient): issue #14's "no engine
// call blocks others for more than 100 ms", for gets as query-stall.mjs measures it for queries.
// Not a bench row; run by hand on a bench folder (it only reads):
//   node scripts/bench/get-stall.mjs <bench-folder>/data
// Opens the `bench` collection and gets, each on a fresh turn of the event loop: the bench's get
// rows twice (a key's second use builds its column), a 1% filter's every id, then every record
// of it with documents and metadatas (the client's default include), twice, and a page of
// embeddings (the vector load). A 5 ms timer notes every gap over 40 ms, with the step it fell in.
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { watchGaps } from './thread-gaps.mjs';
import { OPERATIONS } from './ops.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const [dir] = process.argv.slice(2);
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const watch = watchGaps();
const turn = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const took = {};
const returned = {};
async function timed(name, fn) {
  await turn();
  watch.step(name);
  const t = performance.now();
  const out = await fn();
  took[name] = Math.round(performance.now() - t);
  if (out?.ids) returned[name] = out.ids.length;
}
const client = new lib.PersistentClient({ path: dir });
let col;
let count = 0;
await timed('open', async () => (col = await client.getCollection({ name: 'bench', embeddingFunction: null })));
await timed('count', async () => (count = await col.count()));
for (const [label, , args] of OPERATIONS.filter(([, op]) => op === 'get')) {
  await timed(label, () => col.get(args(0, count)));
  await timed(`${label} again`, () => col.get(args(0, count)));
}
await timed('1% where, every id', () => col.get({ where: { pct: 42 }, include: [] }));
await timed('1% where, every record', () => col.get({ where: { pct: 42 } }));
await timed('1% where, every record again', () => col.get({ where: { pct: 42 } }));
await timed('get embeddings', () => col.get({ limit: 100, offset: 5000, include: ['embeddings'] }));
await timed('close', () => client.close());
await turn();
watch.stop();
const longest = {};
for (const g of watch.gaps) longest[g.step] = Math.max(longest[g.step] ?? 0, g.ms);
console.log(JSON.stringify({ took, returned, longestGapMs: longest }));
