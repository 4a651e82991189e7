// Builds a benchmark folder with OUR write engine (PersistentClient from dist/), cached outside the
// repo, for sizes where real Chroma would take hours to write one (5M):
//   GLIBC_TUNABLES=glibc.malloc.hugetlb=1 BENCH_HNSWLIB_DIR=<dir> node --max-old-space-size=14000 \
//     --import ./scripts/bench/use-hnswlib-at.mjs scripts/bench/make-bench-folder-ours.mjs <records> <out-dir>
// (bench.mjs sets both: huge pages and a CPU-specific hnswlib-node build, see native-hnswlib.mjs.)
// The records are bench-records.mjs's, as in the folders real Chroma writes. The HNSW checkpoint is
// persisted every PERSIST_EVERY records (the collection's hnsw:sync_threshold), built in the
// background on every core (docs/native.md): the 5M folder took 64 minutes on the bench machine
// (2026-12-05; over two hours when inserts ran one at a time).
// verify-bench-folder.mjs then checks it with real Chroma. An interrupted build resumes: every
// add is committed, so the folder holds a prefix of the records, and the next run adds the rest.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PersistentClient } from '../../dist/index.js';
import { benchRecords } from './bench-records.mjs';

const [n, out] = [Number(process.argv[2]), process.argv[3]];
if (!n || !out) throw new Error('usage: make-bench-folder-ours.mjs <records> <out-dir>');
const BATCH = 5000;
const PERSIST_EVERY = 1_000_000;

const data = join(out, 'data');
const resuming = existsSync(join(data, 'chroma.sqlite3')) && !existsSync(join(out, 'made.json'));
if (!resuming) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
}
// A checkpoint that could not be persisted is only a warning to a user (the WAL keeps the rows),
// but a bench folder without one measures the wrong thing: the run fails instead.
const persistFailures = [];
process.on('warning', (w) => {
  if (/could not persist the HNSW checkpoint/.test(w.message)) persistFailures.push(w.message);
});
const client = new PersistentClient({ path: data });
const metadata = { 'hnsw:space': 'cosine', 'hnsw:sync_threshold': PERSIST_EVERY, 'hnsw:batch_size': BATCH };
const col = await client.getOrCreateCollection({ name: 'bench', metadata, embeddingFunction: null });
const start = await col.count();
if (start % BATCH !== 0 || start > n) throw new Error(`${data} holds ${start} records: not a prefix this script wrote; remove it`);
if (resuming) process.stderr.write(`  resuming at ${start}/${n}\n`);
const records = benchRecords();
process.stderr.write(`  hnswlib-node: ${createRequire(import.meta.url).resolve('hnswlib-node')}\n`);
const t0 = Date.now();
for (let i = start; i < n; i += BATCH) {
  const t = Date.now();
  const batch = records(i, Math.min(n, i + BATCH));
  await col.add(batch);
  const done = i + batch.ids.length;
  if ((i / BATCH) % 20 === 0 || Date.now() - t > 10_000) {
    process.stderr.write(`  ${done}/${n} (${Math.round(((done - start) / (Date.now() - t0)) * 1000)}/s, last batch ${Date.now() - t} ms)\n`);
  }
}
await client.close();
// A failure of close()'s last persist is a warning delivered on a later tick.
await new Promise((r) => setImmediate(r));
// Every segment must have taken the WAL's last record: a failed build leaves the vector segment
// behind (or with no checkpoint at all) while earlier persists' folders are still there.
const db = new (createRequire(import.meta.url)('better-sqlite3'))(join(data, 'chroma.sqlite3'), { readonly: true });
const last = db.prepare('SELECT max(seq_id) FROM embeddings_queue').pluck().get();
const behind = db.prepare('SELECT s.id FROM segments s LEFT JOIN max_seq_id m ON m.segment_id = s.id WHERE m.seq_id IS NULL OR m.seq_id < ?').pluck().all(last ?? 0);
db.close();
if (persistFailures.length > 0 || behind.length > 0) {
  process.stderr.write(`  the HNSW checkpoint in ${data} does not hold every record: ${persistFailures[0] ?? `segment ${behind[0]} is behind the WAL`}\n`);
  process.exit(1);
}
const seconds = (Date.now() - t0) / 1000;
const rate = (n - start) / seconds;
writeFileSync(join(out, 'made.json'), JSON.stringify({ records: n, walOnly: false, writtenBy: 'chroma-inspector', oursAddPerSecond: resuming ? null : rate }, null, 1));
console.log(`${n - start} records in ${seconds.toFixed(1)} s (${Math.round(rate)}/s) -> ${data}`);
if (!existsSync(join(data, 'chroma.sqlite3'))) process.exit(1);
