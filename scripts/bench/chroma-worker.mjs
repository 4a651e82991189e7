// Real Chroma through its official JS client, the way a Node user reaches it today.
// Starts `chroma run` on a private copy of the folder (Chroma writes to folders it opens), measures
// cold start → first answer, then medians. Prints one JSON line.
// usage: node chroma-worker.mjs <folder-copy> <runs> <port> <chroma-bin> <client-dir> [--first-count]
// --first-count: start, then time the first count on the fresh server, and exit.
// --cold-only: start, time the first query, and exit (more samples of the cold start); with
// --second-after MS, then a second query MS ms later (ops.mjs secondQuery).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { measureOperations, queryVector, secondQuery } from './ops.mjs';
import { startChroma } from './start-chroma.mjs';

const [folder, runsArg, portArg, chromaBin, clientDir] = process.argv.slice(2);
const runs = Number(runsArg || 7);
const port = Number(portArg);
const { ChromaClient } = await import(pathToFileURL(createRequire(`${clientDir}/package.json`).resolve('chromadb')).href);

/** Peak RSS of one process (VmHWM), or null once it is gone. */
const hwmMb = (pid) => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};

/** Every process below `pid` (the launcher starts Chroma as a child, possibly through a loader). */
const descendants = (pid) => {
  const out = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        out.push(Number(child), ...descendants(Number(child)));
      }
    }
  } catch {
    /* gone */
  }
  return out;
};

/** Chroma's own peak: the largest process under the launcher (the launcher itself is a small node). */
const peakRssMb = (pid) => Math.max(...descendants(pid).map((p) => hwmMb(p) ?? 0), 0) || hwmMb(pid);

const t0 = performance.now();
// As long as verify-bench-folder.mjs allows: on 2026-12-05 Chroma took over 120 s to answer on the 5M copy.
const { pid, kill } = await startChroma(chromaBin, folder, port, 300_000);
const client = new ChromaClient({ host: '127.0.0.1', port });
const col = await client.getCollection({ name: 'bench', embeddingFunction: null });
if (process.argv.includes('--first-count')) {
  const t = performance.now();
  const records = await col.count();
  console.log(JSON.stringify({ firstCountMs: performance.now() - t, records }));
  kill();
  process.exit(0);
}
await col.query({ queryEmbeddings: [queryVector(999)], nResults: 10 });
const coldMs = performance.now() - t0;
if (process.argv.includes('--cold-only')) {
  const second = await secondQuery((op, args) => col[op](args), t0);
  kill();
  console.log(JSON.stringify({ coldMs, ...second }));
  process.exit(0);
}
const count = await col.count();
const results = { coldMs, records: count, ...(await measureOperations((op, args) => (op === 'count' ? col.count() : col[op](args)), count, runs)) };
results.peakRssMb = peakRssMb(pid);
kill();
console.log(JSON.stringify(results));
process.exit(0);
