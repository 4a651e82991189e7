// Real Chroma through its official JS client, the way a Node user reaches it today.
// Starts `chroma run` on a private copy of the folder (Chroma writes to folders it opens), measures
// cold start → first answer, then medians. Prints one JSON line.
// usage: node chroma-worker.mjs <folder-copy> <runs> <port> <chroma-bin> <client-dir>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { OPERATIONS, median, queryVector } from './ops.mjs';

const [folder, runsArg, portArg, chromaBin, clientDir] = process.argv.slice(2);
const runs = Number(runsArg || 7);
const port = Number(portArg);
const { ChromaClient } = await import(pathToFileURL(createRequire(`${clientDir}/package.json`).resolve('chromadb')).href);

const peakRssMb = (pid) => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};

const t0 = performance.now();
const server = spawn(chromaBin, ['run', '--path', folder, '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore', detached: true });
const kill = () => {
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
};
process.on('exit', kill);
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`)).ok) break;
  } catch {
    /* not listening yet */
  }
  if (performance.now() - t0 > 120_000) throw new Error('Chroma did not start');
  await new Promise((r) => setTimeout(r, 20));
}
const client = new ChromaClient({ host: '127.0.0.1', port });
const col = await client.getCollection({ name: 'bench', embeddingFunction: null });
await col.query({ queryEmbeddings: [queryVector(999)], nResults: 10 });
const coldMs = performance.now() - t0;
const count = await col.count();
const results = { coldMs, records: count };
for (const [label, op, args] of OPERATIONS) {
  const call = (i) => (op === 'count' ? col.count() : col[op](args(i, count)));
  const first = performance.now();
  await call(0);
  const firstMs = performance.now() - first;
  const times = [];
  for (let i = 1; i <= runs; i++) {
    const s = performance.now();
    await call(i);
    times.push(performance.now() - s);
  }
  results[label] = { p50: median(times), firstMs };
}
results.peakRssMb = peakRssMb(server.pid);
kill();
console.log(JSON.stringify(results));
process.exit(0);
