// Builds a benchmark folder with REAL Chroma (test/reference-chroma), cached outside the repo:
//   node scripts/bench/make-bench-folder.mjs <records> <out-dir> [--wal-only] [--port N]
// One collection "bench" of bench-records.mjs's records, 128-d cosine. --wal-only sets a sync threshold so high that
// Chroma never persists the index: every vector stays in the WAL.
// Run from a directory where the `chromadb` client resolves (see bench.mjs).
import { mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchRecords } from './bench-records.mjs';
import { startChroma } from './start-chroma.mjs';

const [n, out] = [Number(process.argv[2]), process.argv[3]];
const walOnly = process.argv.includes('--wal-only');
const portAt = process.argv.indexOf('--port');
const port = portAt > 0 ? Number(process.argv[portAt + 1]) : 18811;
const chromaBin = process.env.CHROMA_BIN;
if (!n || !out || !chromaBin) throw new Error('usage: CHROMA_BIN=… make-bench-folder.mjs <records> <out-dir> [--wal-only]');
const { ChromaClient } = await import('chromadb');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const data = join(out, 'data');
const { kill: stop } = await startChroma(chromaBin, data, port);
const client = new ChromaClient({ host: '127.0.0.1', port });
const metadata = { 'hnsw:space': 'cosine', ...(walOnly ? { 'hnsw:sync_threshold': 100000000, 'hnsw:batch_size': 100000000 } : {}) };
const col = await client.createCollection({ name: 'bench', metadata, embeddingFunction: null });
const BATCH = 5000;
const records = benchRecords();
const t0 = Date.now();
for (let i = 0; i < n; i += BATCH) {
  const batch = records(i, Math.min(n, i + BATCH));
  await col.add(batch);
  if ((i / BATCH) % 20 === 0) process.stderr.write(`  ${i + batch.ids.length}/${n} (${Math.round(((i + batch.ids.length) / (Date.now() - t0)) * 1000)}/s)\n`);
}
const seconds = (Date.now() - t0) / 1000;
writeFileSync(join(out, 'made.json'), JSON.stringify({ records: n, walOnly, chromaAddPerSecond: n / seconds }, null, 1));
stop();
console.log(`${n} records in ${seconds.toFixed(1)} s (${Math.round(n / seconds)}/s) -> ${data}`);
if (!existsSync(join(data, 'chroma.sqlite3'))) process.exit(1);
