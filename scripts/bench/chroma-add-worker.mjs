// Real Chroma's add throughput, in the same run as ours: a fresh server on an empty folder, the
// add-throughput row's records (ops.mjs addBatch) through the official JS client. Prints one JSON
// line { addPerSecond }.
// usage: node chroma-add-worker.mjs <empty-dir> <port> <chroma-bin> <client-dir>
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ADD_BATCH, ADD_RECORDS, addBatch } from './ops.mjs';
import { startChroma } from './start-chroma.mjs';

const [dir, portArg, chromaBin, clientDir] = process.argv.slice(2);
const port = Number(portArg);
const { ChromaClient } = await import(pathToFileURL(createRequire(`${clientDir}/package.json`).resolve('chromadb')).href);

const { kill } = await startChroma(chromaBin, dir, port);
try {
  const client = new ChromaClient({ host: '127.0.0.1', port });
  const col = await client.createCollection({ name: 'bench-write', metadata: { 'hnsw:space': 'cosine' }, embeddingFunction: null });
  const t = performance.now();
  for (let i = 0; i < ADD_RECORDS; i += ADD_BATCH) await col.add(addBatch(i));
  console.log(JSON.stringify({ addPerSecond: ADD_RECORDS / ((performance.now() - t) / 1000) }));
} finally {
  kill();
}
process.exit(0);
