// Our add throughput, in a fresh process as real Chroma's is measured (chroma-add-worker.mjs): the
// bench's own process has loaded folders, run servers and a browser by then. Prints one JSON line
// { addPerSecond }. The clock stops after close(), once the last checkpoint is on disk.
//   node ours-add-worker.mjs <root> <empty-dir>            a new collection, the add-throughput row's records;
//   node ours-add-worker.mjs <root> <copy-of-a-bench-folder> --into
//     the add-into row's records into the folder's `bench` collection, after a first query has
//     loaded it (its load is not timed).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addWorkload } from './ops.mjs';

const [root, dir] = process.argv.slice(2);
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const client = new lib.PersistentClient({ path: dir });
const addPerSecond = await addWorkload(client, process.argv.includes('--into'), () => client.close());
console.log(JSON.stringify({ addPerSecond }));
