// One fresh process per folder: cold open → first answer, then medians of each operation.
// Prints one JSON line. usage: node ours-worker.mjs <folder> <runs>
import { ChromaFolder } from '../../dist/index.js';
import { OPERATIONS, median, queryVector } from './ops.mjs';

const [folderPath, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 7);
const ref = { name: 'bench' };
const t0 = performance.now();
const folder = ChromaFolder.open(folderPath);
folder.query(ref, { queryEmbeddings: [queryVector(999)], nResults: 10 });
const coldMs = performance.now() - t0;
const count = folder.count(ref);
const results = { coldMs, records: count };
for (const [label, op, args] of OPERATIONS) {
  const call = (i) => (op === 'count' ? folder.count(ref) : folder[op](ref, args(i, count)));
  // The first call of an operation may build caches (a metadata column): reported as `firstMs`.
  const first = performance.now();
  call(0);
  const firstMs = performance.now() - first;
  const times = [];
  for (let i = 1; i <= runs; i++) {
    const s = performance.now();
    call(i);
    times.push(performance.now() - s);
  }
  results[label] = { p50: median(times), firstMs };
}
results.peakRssMb = process.resourceUsage().maxRSS / 1024;
folder.close();
console.log(JSON.stringify(results));
