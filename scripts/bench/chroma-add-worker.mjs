// Real Chroma's add throughput, in the same run as ours, through the official JS client. Prints one
// JSON line { addPerSecond }.
//   node chroma-add-worker.mjs <empty-dir> <port> <chroma-bin> <client-dir>
//     a fresh server on an empty folder, the add-throughput row's records (ops.mjs addBatch) into a new collection;
//   ... <copy-of-a-bench-folder> <port> <chroma-bin> <client-dir> --into
//     the add-into row's records (ops.mjs intoBatch) into the folder's `bench` collection, after a
//     first query has loaded it (its load is not timed).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { addWorkload } from './ops.mjs';
import { startChroma } from './start-chroma.mjs';

const [dir, portArg, chromaBin, clientDir] = process.argv.slice(2);
const port = Number(portArg);
const { ChromaClient } = await import(pathToFileURL(createRequire(`${clientDir}/package.json`).resolve('chromadb')).href);

const { kill } = await startChroma(chromaBin, dir, port);
try {
  const client = new ChromaClient({ host: '127.0.0.1', port });
  console.log(JSON.stringify({ addPerSecond: await addWorkload(client, process.argv.includes('--into')) }));
} finally {
  kill();
}
process.exit(0);
