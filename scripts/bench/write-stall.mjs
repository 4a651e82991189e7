// How long writes block the thread of an embedded client (PersistentClient): issue #14's "no
// engine call blocks others for more than 100 ms". Not a bench row (real Chroma has no such
// thread to compare); run by hand on a copy of a bench folder (it writes):
//   node scripts/bench/write-stall.mjs <copy-of-a-bench-folder>/data [records=10000]
// After one query, it adds the records into the `bench` collection 1,000 per call, then closes.
// A 5 ms timer notes every gap over 40 ms, with the step it fell in; each step starts on a fresh
// turn of the event loop, so a gap is one block, not several calls awaited back to back.
import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { watchGaps } from './thread-gaps.mjs';
import { intoBatch, queryVector } from './ops.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const [dir, recordsArg = '10000'] = process.argv.slice(2);
const records = Number(recordsArg);
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
// Made first: making the records is this script's work, not the engine's.
const batches = [];
for (let i = 0; i < records; i += 1000) {
  const b = intoBatch(i);
  batches.push({ ids: b.ids.slice(0, 1000), embeddings: b.embeddings.slice(0, 1000) });
}
// A fresh copy's pages are still dirty in the page cache: the first commit's fsync would write
// the whole file back (~0.4 s at 1M), which a folder in use does not. Flushed before measuring.
for (const file of readdirSync(dir, { recursive: true })) {
  const path = join(dir, String(file));
  if (!statSync(path).isFile()) continue;
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  closeSync(fd);
}
const watch = watchGaps();
const gaps = watch.gaps;
const turn = () => new Promise((r) => setTimeout(r, 20));
const client = new lib.PersistentClient({ path: dir });
const col = await client.getCollection({ name: 'bench', embeddingFunction: null });
await turn();
watch.step('first query');
await col.query({ queryEmbeddings: [queryVector(1)], nResults: 1 });
for (const [k, batch] of batches.entries()) {
  await turn();
  watch.step(`add ${k * 1000}`);
  await col.add(batch);
}
await turn();
watch.step('close');
await client.close();
await turn();
watch.stop();
const longest = (pick) => Math.max(0, ...gaps.filter(pick).map((g) => g.ms));
console.log(JSON.stringify({ firstAddMs: longest((g) => g.step === 'add 0'), laterAddsMs: longest((g) => g.step.startsWith('add') && g.step !== 'add 0'), closeMs: longest((g) => g.step === 'close'), gaps }));
