// Our add throughput, in a fresh process as real Chroma's is measured (chroma-add-worker.mjs): the
// bench's own process has loaded folders, run servers and a browser by then. Prints one JSON line
// { addPerSecond }. The clock stops after close(), once the last checkpoint is on disk.
//   node ours-add-worker.mjs <root> <empty-dir>            a new collection, the add-throughput row's records;
//   node ours-add-worker.mjs <root> <copy-of-a-bench-folder> --into
//     the add-into row's records into the folder's `bench` collection, after a first query has
//     loaded it (its load is not timed).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ADD_BATCH, ADD_RECORDS, INTO_RECORDS, addBatch, intoBatch, queryVector } from './ops.mjs';

const [root, dir] = process.argv.slice(2);
const into = process.argv.includes('--into');
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const client = new lib.PersistentClient({ path: dir });
const col = into
  ? await client.getCollection({ name: 'bench', embeddingFunction: null })
  : await client.createCollection({ name: 'bench-write', metadata: { 'hnsw:space': 'cosine' }, embeddingFunction: null });
if (into) await col.query({ queryEmbeddings: [queryVector(1)], nResults: 1 });
const [records, batch] = into ? [INTO_RECORDS, intoBatch] : [ADD_RECORDS, addBatch];
const t = performance.now();
for (let i = 0; i < records; i += ADD_BATCH) await col.add(batch(i));
await client.close();
console.log(JSON.stringify({ addPerSecond: records / ((performance.now() - t) / 1000) }));
