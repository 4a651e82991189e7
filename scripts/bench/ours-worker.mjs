// One fresh process per measurement. Prints one JSON line.
//   node ours-worker.mjs <folder> <runs> folder|client [--first-count]
// folder: the read-only ChromaFolder (sync); client: PersistentClient, the embedded Chroma users
// call (give it a copy: it may write). --first-count: open, then time the first count, and exit.
// --cold-only: open, time the first query, and exit (more samples of the cold start); with
// --second-after MS, then a second query MS ms later (ops.mjs secondQuery).
import { ChromaFolder, PersistentClient } from '../../dist/index.js';
import { measureOperations, queryVector, secondQuery } from './ops.mjs';

const [folderPath, runsArg, mode = 'folder'] = process.argv.slice(2);
const runs = Number(runsArg || 7);
const ref = { name: 'bench' };

async function openCollection() {
  if (mode === 'client') {
    const client = new PersistentClient({ path: folderPath });
    const col = await client.getCollection({ name: 'bench', embeddingFunction: null });
    return { call: (op, args) => (op === 'count' ? col.count() : col[op](args)), close: () => client.close?.() };
  }
  const folder = ChromaFolder.open(folderPath);
  return { call: (op, args) => (op === 'count' ? folder.count(ref) : folder[op](ref, args)), close: () => folder.close() };
}

const t0 = performance.now();
const opened = await openCollection();
if (process.argv.includes('--first-count')) {
  const openMs = performance.now() - t0;
  const t = performance.now();
  const records = await opened.call('count', {});
  console.log(JSON.stringify({ openMs, firstCountMs: performance.now() - t, records }));
  process.exit(0);
}
await opened.call('query', { queryEmbeddings: [queryVector(999)], nResults: 10 });
const coldMs = performance.now() - t0;
if (process.argv.includes('--cold-only')) {
  const second = await secondQuery(opened.call, t0);
  await opened.close();
  console.log(JSON.stringify({ coldMs, ...second }));
  process.exit(0);
}
const count = await opened.call('count', {});
const results = { coldMs, records: count, ...(await measureOperations(opened.call, count, runs)) };
results.peakRssMb = process.resourceUsage().maxRSS / 1024;
await opened.close();
console.log(JSON.stringify(results));
process.exit(0);
