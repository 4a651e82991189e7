// Checks a benchmark folder our write engine made with REAL Chroma: Chroma serves a private copy,
// and a sample of queries (plain, filtered, by document) and gets by id must give Chroma's answers
// from our read engine on the original. Prints one JSON line: { calls, differences: [...] }.
//   node verify-bench-folder.mjs <folder> <runs-unused> <port> <chroma-bin> <client-dir> [--calls N]
// (the argument order of chroma-worker.mjs, so bench.mjs starts both the same way).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChromaFolder } from '../../dist/index.js';
import { queryVector } from './ops.mjs';
import { startChroma } from './start-chroma.mjs';

const [folder, , portArg, chromaBin, clientDir] = process.argv.slice(2);
const callsAt = process.argv.indexOf('--calls');
const n = callsAt > 0 ? Number(process.argv[callsAt + 1]) : 24;
const port = Number(portArg);
const { ChromaClient } = await import(pathToFileURL(createRequire(`${clientDir}/package.json`).resolve('chromadb')).href);

/** Plain, 10% where, 1% where and $contains queries, k = 10 and 50, then gets of the ids they found. */
const calls = Array.from({ length: n }, (_, i) => {
  const filters = [{}, { where: { bucket: i % 10 } }, { where: { pct: (i * 7) % 100 } }, { whereDocument: { $contains: 'needle' } }];
  return { queryEmbeddings: [queryVector(70_000 + i)], nResults: i % 2 ? 50 : 10, include: ['distances', 'documents', 'metadatas'], ...filters[i % 4] };
});

const ours = ChromaFolder.open(folder);
const ourAnswers = calls.map((c) => ours.query({ name: 'bench' }, c));

const copy = mkdtempSync(join(tmpdir(), 'bench-verify-'));
process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
cpSync(folder, join(copy, 'data'), { recursive: true });
const t0 = performance.now();
const chroma = await startChroma(chromaBin, join(copy, 'data'), port, 300_000);
const col = await new ChromaClient({ host: '127.0.0.1', port }).getCollection({ name: 'bench', embeddingFunction: null });

const differences = [];
/** Metadata as a canonical string: Chroma's key order is its hash map's. */
const sorted = (m) => (m && typeof m === 'object' ? Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))) : m);
const metadatas = (lists) => JSON.stringify(lists.map((l) => (Array.isArray(l) ? l.map(sorted) : sorted(l))));
/** float32 distances printed by two engines: equal to float32 precision (Chroma prints the shortest float32 form). */
const close = (a, b) => Math.abs(a - b) <= 2e-7 * Math.max(1, Math.abs(a), Math.abs(b));
for (let i = 0; i < calls.length; i++) {
  const theirs = await col.query(calls[i]);
  const mine = ourAnswers[i];
  const same =
    JSON.stringify(theirs.ids) === JSON.stringify(mine.ids) &&
    theirs.distances[0].every((d, j) => close(d, mine.distances[0][j])) &&
    JSON.stringify(theirs.documents) === JSON.stringify(mine.documents) &&
    metadatas(theirs.metadatas) === metadatas(mine.metadatas);
  if (!same) differences.push({ call: i, args: { ...calls[i], queryEmbeddings: `queryVector(${70_000 + i})` }, chroma: theirs.ids[0], ours: mine.ids[0] });
}
const ids = [...new Set(ourAnswers.flatMap((a) => a.ids[0]))].slice(0, 500);
const theirGet = await col.get({ ids, include: ['documents', 'metadatas', 'embeddings'] });
const ourGet = ours.get({ name: 'bench' }, { ids, include: ['documents', 'metadatas', 'embeddings'] });
const byId = (g) => new Map(g.ids.map((id, i) => [id, JSON.stringify([g.documents[i], sorted(g.metadatas[i]), Array.from(g.embeddings[i], Math.fround)])]));
const theirMap = byId(theirGet);
for (const [id, value] of byId(ourGet)) if (theirMap.get(id) !== value) differences.push({ get: id });
if (theirMap.size !== ids.length) differences.push({ get: `Chroma returned ${theirMap.size} of ${ids.length} ids` });
ours.close();
chroma.kill();
console.log(JSON.stringify({ calls: calls.length, gets: ids.length, seconds: Math.round((performance.now() - t0) / 1000), differences }));
process.exit(0);
