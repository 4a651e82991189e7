// `npm run bench`: our engine beside real Chroma (server + official chromadb JS client) on the same
// folders, same machine, same run. Folders are cached outside the repo: 100k and 1M are written by
// real Chroma; 5M by our write engine (real Chroma would take many hours), then checked by real
// Chroma on a sample of queries before it is used.
//   npm run bench -- [--sizes 100k,1m,5m] [--runs 7] [--fuzz 5000] [--fuzz-seed N] [--write]      (--write updates BENCHMARKS.md)
//   npm run bench -- --sizes 5m --make-only      (makes and checks the folders, measures nothing: the 5M folder takes an hour)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OPERATIONS } from './bench/ops.mjs';
import { measureExtras } from './bench/extras.mjs';
import { nativeHnswlib } from './bench/native-hnswlib.mjs';
import { installChroma, installClient } from '../test/reference-chroma/install.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg('sizes', '100k,1m').split(',');
const runs = Number(arg('runs', '7'));
const cache = process.env.CHROMA_INSPECTOR_BENCH_CACHE ?? join(homedir(), '.cache', 'chroma-inspector-bench');
const RECORDS = { '100k': 100_000, '1m': 1_000_000, '5m': 5_000_000 };
/** Sizes our write engine makes (see make-bench-folder-ours.mjs); the others real Chroma makes. */
const WRITTEN_BY_US = new Set(['5m']);
/** How long real Chroma may take for one worker run before the bench says it did not finish. */
const CHROMA_BUDGET_MS = 20 * 60_000;

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

// --- real Chroma -------------------------------------------------------------------------------
// Installed from npm into a cache by the project's own tooling (test/reference-chroma/); the
// launcher script runs Chroma's CLI (through a newer libc where the system's is too old).
let chroma = null;
try {
  installChroma('1.3.4');
  chroma = { bin: join(root, 'test', 'reference-chroma', 'chroma-server.mjs'), clientDir: installClient() };
} catch (err) {
  log(`real Chroma is not available (${err.message}); only our engine is measured`);
}

async function ensureFolder(name, records, walOnly) {
  const out = join(cache, name);
  if (WRITTEN_BY_US.has(name)) return ensureOurFolder(name, records);
  if (existsSync(join(out, 'made.json'))) return join(out, 'data');
  if (!chroma) throw new Error(`${out} is missing and real Chroma is not available to make it`);
  log(`making ${name} with real Chroma (${records} records${walOnly ? ', vectors only in the WAL' : ''}); cached in ${out}`);
  // Run from the client's folder, where `chromadb` resolves; the helpers it imports go beside it.
  const script = join(chroma.clientDir, '.make-bench-folder.mjs');
  cpSync(join(root, 'scripts', 'bench', 'make-bench-folder.mjs'), script);
  for (const helper of ['bench-records.mjs', 'start-chroma.mjs']) cpSync(join(root, 'scripts', 'bench', helper), join(chroma.clientDir, helper));
  const r = spawnSync(process.execPath, [script, String(records), out, ...(walOnly ? ['--wal-only'] : [])], {
    stdio: 'inherit',
    env: { ...process.env, CHROMA_BIN: chroma.bin },
  });
  if (r.status !== 0) throw new Error(`making ${name} failed`);
  return join(out, 'data');
}

/**
 * A folder written by our engine, verified once by real Chroma: a sample of queries and gets must
 * give Chroma's answers (verify-bench-folder.mjs). The verdict is kept in made.json.
 */
async function ensureOurFolder(name, records) {
  const out = join(cache, name);
  if (!existsSync(join(out, 'made.json'))) {
    log(`making ${name} with our write engine (${records} records; about an hour at 5M on the bench machine, resumed if interrupted); cached in ${out}`);
    const script = join(root, 'scripts', 'bench', 'make-bench-folder-ours.mjs');
    // hnswlib's index is one big malloc; transparent huge pages for it (glibc >= 2.35 honours the
    // tunable, older ones ignore it) make its random reads far cheaper: 1.7x faster inserts here.
    const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', BENCH_HNSWLIB_DIR: nativeHnswlib(root, cache, log) ?? '' };
    const preload = pathToFileURL(join(root, 'scripts', 'bench', 'use-hnswlib-at.mjs')).href;
    const r = spawnSync(process.execPath, ['--max-old-space-size=14000', '--import', preload, script, String(records), out], { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`making ${name} failed`);
  }
  const made = JSON.parse(readFileSync(join(out, 'made.json'), 'utf8'));
  if (!made.verified && chroma) {
    log(`${name}: checking the folder our engine wrote with real Chroma…`);
    const v = await runWorker('verify-bench-folder.mjs', [join(out, 'data'), '1', '18990', chroma.bin, chroma.clientDir]);
    if (v.differences.length > 0) throw new Error(`real Chroma answers differently on ${out}: ${JSON.stringify(v.differences.slice(0, 3))}`);
    made.verified = { chroma: '1.3.4', calls: v.calls, gets: v.gets, at: new Date().toISOString() };
    writeFileSync(join(out, 'made.json'), JSON.stringify(made, null, 1));
  }
  if (!made.verified) log(`${name}: not checked by real Chroma yet (Chroma is not available)`);
  return join(out, 'data');
}

/** Reads every file once so both engines start from a warm page cache, whichever runs first. */
function warmPageCache(dir) {
  spawnSync('bash', ['-c', `find "${dir}" -type f -exec cat {} + > /dev/null`]);
}

/** Runs a worker script; with `budgetMs`, a run that takes longer is killed and gives null. */
function runWorker(script, args, budgetMs = 0) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=12000', join(root, 'scripts', 'bench', script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let late = false;
    const timer = budgetMs > 0 ? setTimeout(() => ((late = true), child.kill('SIGKILL')), budgetMs) : null;
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (late) resolveRun(null);
      else if (code === 0) resolveRun(JSON.parse(out.trim().split('\n').pop()));
      else reject(new Error(`${script} exited ${code}`));
    });
  });
}

/**
 * A cold start (open → first query) is one fresh process, and on a shared host one sample swings
 * by ±30% or more: the row is the median of COLD_SAMPLES, the operations run's and more
 * `--cold-only` processes (a process that overran its budget gives no sample).
 */
const COLD_SAMPLES = 3;
/**
 * The extra cold processes also ask a second query: the first at once, the second after a 3 s
 * pause (ops.mjs secondQuery). Their times land on `into` (one sample each).
 */
const SECOND_AFTER = [0, 3000];
async function medianCold(first, again, into) {
  const samples = [first];
  for (let i = 1; i < COLD_SAMPLES; i++) {
    const pause = SECOND_AFTER[i - 1];
    const run = await again(pause === undefined ? [] : ['--second-after', String(pause)]);
    samples.push(run?.coldMs);
    if (into && pause === 0) into.secondFromOpenMs = run?.secondFromOpenMs ?? null;
    if (into && pause > 0) into.secondAfterPauseMs = run?.secondMs ?? null;
  }
  const got = samples.filter((ms) => typeof ms === 'number').sort((a, b) => a - b);
  return got.length ? got[Math.floor((got.length - 1) / 2)] : null;
}

/** Runs `fn(dir)` on a private copy of `folder` (Chroma and PersistentClient may write to it). */
async function onCopy(folder, fn) {
  const copy = mkdtempSync(join(tmpdir(), 'bench-copy-'));
  try {
    cpSync(folder, join(copy, 'data'), { recursive: true });
    return await fn(join(copy, 'data'));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Chroma's first count, then its operations, on one private copy (two fresh server processes). */
async function measureChroma(folder, port) {
  if (!chroma) return { count: null, ops: null };
  return onCopy(folder, async (dir) => {
    // A run that fails (Chroma did not start within the worker's limit, a crash) leaves its cells empty, as one over the budget does: the bench goes on.
    const failures = [];
    const worker = (extra) =>
      runWorker('chroma-worker.mjs', [dir, String(runs), String(port), chroma.bin, chroma.clientDir, ...extra], CHROMA_BUDGET_MS).catch((err) => {
        failures.push(err.message);
        return null;
      });
    const count = await worker(['--first-count']);
    const ops = await worker([]);
    if (ops) ops.coldMs = await medianCold(ops.coldMs, (extra) => worker(['--cold-only', ...extra]), ops);
    const where = folder.includes('5m') ? '5M' : 'this size';
    if (failures.length) notes.push(`Chroma failed a run at ${where} (${[...new Set(failures)].join('; ')}; its stderr is in the bench's output): its cells are empty.`);
    else if (!count || !ops) notes.push(`Chroma did not finish a run at ${where} within the bench's budget (${CHROMA_BUDGET_MS / 60_000} min): its cells are empty.`);
    return { count, ops };
  });
}
const notes = [];

// --- run ---------------------------------------------------------------------------------------
if (!existsSync(join(root, 'dist', 'index.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const rows = [];
const fmt = (ms) => (ms === null || ms === undefined ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
// Targets: `faster` = at least N× Chroma's speed; `within` = at most N ms; `memory` = at most N× Chroma's peak.
const met = (t, ours, theirs) => {
  if (!t || ours === null || ours === undefined) return null;
  if (t.within !== undefined) return ours <= t.within;
  if (t.ofVectors !== undefined) return ours <= t.ofVectors * t.vectorsMb;
  if (!theirs) return null;
  if (t.faster !== undefined) return theirs / ours >= t.faster;
  if (t.more !== undefined) return ours / theirs >= t.more;
  if (t.memory !== undefined) return ours / theirs <= t.memory;
  return null;
};
const targetText = (t) => {
  if (!t) return '—';
  if (t.within !== undefined) return `≤ ${fmt(t.within)}`;
  if (t.ofVectors !== undefined) return `≤ ${t.ofVectors}× the vectors (${Math.round(t.ofVectors * t.vectorsMb).toLocaleString('en-US')} MB)`;
  return t.memory !== undefined ? `≤ ${t.memory}× Chroma` : `≥ ${t.faster ?? t.more}×`;
};
/** One table row: `client` is PersistentClient (what users call), `folder` the read-only ChromaFolder. */
const add = (size, label, client, folder, theirs, target, unit = 'ms') => {
  const ratio = client && theirs ? (unit === 'ms' ? theirs / client : client / theirs) : null;
  rows.push({ size, label, client, folder, theirs, unit, ratio, target, met: met(target, client, theirs) });
};

if (process.argv.includes('--make-only')) {
  for (const size of sizes) {
    if (!RECORDS[size]) throw new Error(`unknown size ${size} (use 100k, 1m or 5m)`);
    log(`${size}: ${await ensureFolder(size, RECORDS[size], false)}`);
  }
  process.exit(0);
}

for (const size of sizes) {
  const records = RECORDS[size];
  if (!records) throw new Error(`unknown size ${size} (use 100k, 1m or 5m)`);
  const folder = await ensureFolder(size, records, false);
  warmPageCache(folder);
  log(`${size}: our engine (ChromaFolder, read-only, in place)…`);
  const viaFolder = await runWorker('ours-worker.mjs', [folder, String(runs), 'folder']);
  const folderCount = await runWorker('ours-worker.mjs', [folder, '1', 'folder', '--first-count']);
  viaFolder.coldMs = await medianCold(viaFolder.coldMs, (extra) => runWorker('ours-worker.mjs', [folder, '1', 'folder', '--cold-only', ...extra]), viaFolder);
  log(`${size}: our engine (PersistentClient, on a copy)…`);
  // First count, then the operations: two fresh processes on one copy (reads never write it).
  const [clientCount, viaClient] = await onCopy(folder, async (dir) => {
    const count = await runWorker('ours-worker.mjs', [dir, '1', 'client', '--first-count']);
    const ops = await runWorker('ours-worker.mjs', [dir, String(runs), 'client']);
    ops.coldMs = await medianCold(ops.coldMs, (extra) => runWorker('ours-worker.mjs', [dir, '1', 'client', '--cold-only', ...extra]), ops);
    return [count, ops];
  });
  log(`${size}: real Chroma…`);
  const port = 18900 + sizes.indexOf(size);
  const { ops: theirs, count: theirCount } = await measureChroma(folder, port);
  const coldTarget = { '100k': 60, '1m': 600, '5m': 3000 }[size];
  add(size, 'open → first query', viaClient.coldMs, viaFolder.coldMs, theirs?.coldMs, { within: coldTarget });
  add(size, 'first count after open', clientCount.firstCountMs, folderCount.firstCountMs, theirCount?.firstCountMs, { within: 1 });
  // What a person meets next: the second query loads what the first skipped (one process each).
  add(size, 'open → second query, asked at once', viaClient.secondFromOpenMs, viaFolder.secondFromOpenMs, theirs?.secondFromOpenMs, null);
  add(size, 'second query, asked 3 s after the first', viaClient.secondAfterPauseMs, viaFolder.secondAfterPauseMs, theirs?.secondAfterPauseMs, null);
  for (const [label] of OPERATIONS) {
    add(size, `${label} (p50)`, viaClient[label].p50, viaFolder[label].p50, theirs?.[label]?.p50, label.includes('~8%') ? { faster: 5 } : { faster: 3 });
  }
  // At 5M the target is against the raw vector bytes (records × 128 float32s), not Chroma.
  const memoryTarget = size === '5m' ? { ofVectors: 1.3, vectorsMb: (records * 128 * 4) / 2 ** 20 } : { memory: 0.8 };
  add(size, 'peak memory (MB)', viaClient.peakRssMb, viaFolder.peakRssMb, theirs?.peakRssMb, memoryTarget, 'MB');
  const extras = await measureExtras({ root, folder, size, records, chroma, runs, log, notes });
  for (const e of extras) add(size, e.label, e.ours, null, e.theirs, e.target, e.unit);
  // Each size's rows as soon as they exist: a later failure must not lose them.
  log(`${size} rows so far: ${JSON.stringify(rows.filter((r) => r.size === size))}`);
}

if (sizes.includes('100k')) {
  const walFolder = await ensureFolder('100k-wal', 100_000, true);
  warmPageCache(walFolder);
  log('WAL replay: our engine…');
  const viaFolder = await runWorker('ours-worker.mjs', [walFolder, '1', 'folder']);
  const viaClient = await onCopy(walFolder, (dir) => runWorker('ours-worker.mjs', [dir, '1', 'client']));
  log('WAL replay: real Chroma…');
  const { ops: theirs } = await measureChroma(walFolder, 18950);
  const rate = (r) => (r ? r.records / (r.coldMs / 1000) : null);
  add('100k', 'WAL replay, records/s (all vectors in the WAL)', rate(viaClient), rate(viaFolder), rate(theirs), { more: 2 }, 'rec/s');
}

// A longer differential fuzz run than CI's (npm test runs 400 calls with a fixed seed): the same
// random calls through real Chroma and through our engine must get the same answers.
const fuzzCallsArg = Number(arg('fuzz', '5000'));
if (fuzzCallsArg > 0) {
  const seed = Number(arg('fuzz-seed', String(Date.now() % 1e9)));
  log(`differential fuzz against real Chroma: ${fuzzCallsArg} calls, seed ${seed}`);
  const r = spawnSync('npx', ['vitest', 'run', 'test/compat/differential-fuzz.test.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_CALLS: String(fuzzCallsArg), FUZZ_SEED: String(seed) },
  });
  log(r.status === 0 ? `differential fuzz: no difference in ${fuzzCallsArg} calls (seed ${seed})` : `differential fuzz FOUND DIFFERENCES (seed ${seed}): see above`);
}

const show = (r, v) => (v === null || v === undefined ? '—' : r.unit === 'ms' ? fmt(v) : `${Math.round(v).toLocaleString('en-US')}`);
const header =
  '| size | operation | PersistentClient | ChromaFolder | Chroma 1.3.4 | ratio | target | met |\n|---|---|---|---|---|---|---|---|';
const lines = rows.map(
  (r) =>
    `| ${r.size} | ${r.label} | ${show(r, r.client)} | ${show(r, r.folder)} | ${show(r, r.theirs)} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(r.ratio < 10 ? 2 : 1)}×`} | ${targetText(r.target)} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`,
);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const table = `${header}\n${lines.join('\n')}\n`;
console.log(`\n${machine}\n\n${table}${notes.map((n) => `\n${n}`).join('')}`);
if (process.argv.includes('--write')) {
  const file = join(root, 'BENCHMARKS.md');
  const prev = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const notes = prev.includes('## Notes') ? prev.slice(prev.indexOf('## Notes')) : '## Notes\n';
  writeFileSync(file, `# Benchmarks\n\nMeasured by \`npm run bench\` (${runs} runs per row, medians). Ratio: PersistentClient against Chroma (how many times faster; for memory and rec/s, ours ÷ Chroma's).\n\nMachine: ${machine}\n\n${table}\n${notes}`);
  log(`wrote ${file}`);
}
