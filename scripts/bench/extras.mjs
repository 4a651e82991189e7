// Rows beyond get/query/count: the records grid over the server transport, writes and backups.
// Each is measured only where the feature exists in this build; otherwise it is reported as absent.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { ADD_BATCH, ADD_RECORDS, INTO_RECORDS, median } from './ops.mjs';
import { measureMapDraw } from './map-draw.mjs';
import { startServe } from './serve-process.mjs';

function folderBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return n;
}

/** Records grid: a page at random offsets through `serve` and its WebSocket, end to end. */
async function gridPage(root, folder, records) {
  const server = await startServe(root, folder, 18970);
  try {
    const url = server.url;
    const token = new URL(url).searchParams.get('token');
    const WebSocket = (await import(pathToFileURL(createRequire(join(root, 'package.json')).resolve('ws')).href)).default;
    const ws = new WebSocket(`ws://127.0.0.1:18970/api?token=${token}`);
    await new Promise((r) => ws.once('open', r));
    let id = 0;
    const pending = new Map();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'result') pending.get(m.id)?.(m);
    });
    const call = (method, input) =>
      new Promise((resolve, reject) => {
        const n = ++id;
        pending.set(n, (m) => (m.ok ? resolve(m.value) : reject(new Error(m.error.message))));
        ws.send(JSON.stringify({ type: 'call', id: n, method, input }));
      });
    const { handle, info } = await call('openFolder', { path: folder });
    const collectionId = info.tenants[0].databases[0].collections.find((c) => c.name === 'bench').id;
    // The first page after opening: the embedding previews come from the checkpoint files.
    const t0 = performance.now();
    const firstPage = await call('records', { handle, collectionId, offset: 0, limit: 100 });
    const first = performance.now() - t0;
    if (!firstPage.rows[0]?.embedding) throw new Error('the first page has no embedding preview');
    const times = [];
    let s = 7;
    for (let i = 0; i < 9; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const offset = Math.floor((s / 4294967296) * (records - 100));
      const t = performance.now();
      const w = await call('records', { handle, collectionId, offset, limit: 100 });
      times.push(performance.now() - t);
      if (w.rows.length !== 100) throw new Error(`page at ${offset} had ${w.rows.length} rows`);
    }
    ws.close();
    return { first, p50: median(times) };
  } finally {
    server.kill();
  }
}

/** Runs of each add workload per engine (the rows give the medians). */
const ADD_ROUNDS = 3;

/** Sizes whose map and backup rows are left out: drawing 5M points and zipping 7 GB twice would take the bench's whole budget. */
const NO_MAP_OR_BACKUP = new Set(['5m']);

/**
 * Real Chroma adding the same records in the same batches, measured in this run (a rate from
 * another run, such as the one that wrote the bench folder, would move with the machine's phase).
 */
function oursAddPerSecond(root, dir, into = false) {
  const args = [join(root, 'scripts', 'bench', 'ours-add-worker.mjs'), root, dir, ...(into ? ['--into'] : [])];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`our add-throughput run failed (exit ${run.status})`);
  return JSON.parse(run.stdout.trim().split('\n').pop()).addPerSecond;
}

function chromaAddPerSecond(root, chroma, dir, into = false) {
  const args = [join(root, 'scripts', 'bench', 'chroma-add-worker.mjs'), dir, '18985', chroma.bin, chroma.clientDir, ...(into ? ['--into'] : [])];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) return null;
  return JSON.parse(run.stdout.trim().split('\n').pop()).addPerSecond;
}

export async function measureExtras({ root, folder, size, records, chroma = null, log, notes = [] }) {
  const rows = [];
  log(`${size}: records grid through the server…`);
  try {
    const grid = await gridPage(root, folder, records);
    rows.push({ label: 'records grid first page with embedding preview, via serve', ours: grid.first, theirs: null, target: { within: 50 }, unit: 'ms' });
    rows.push({ label: 'records grid page at a random offset, via serve (p50)', ours: grid.p50, theirs: null, target: { within: 50 }, unit: 'ms' });
  } catch (err) {
    // A failed row must not lose the rows measured before it (at 5M those took half an hour).
    notes.push(`${size}: the records grid rows failed: ${err.message}`);
    log(`${size}: records grid failed: ${err.message}`);
  }
  if (NO_MAP_OR_BACKUP.has(size)) {
    notes.push(`${size}: the embedding map and backup rows are not measured at this size (time budget).`);
    return rows;
  }

  log(`${size}: embedding map in headless Chromium…`);
  const map = await measureMapDraw(root, folder);
  if (map) {
    rows.push({ label: 'embedding map: first draw, via serve (headless Chromium)', ours: map.firstDrawMs, theirs: null, target: null, unit: 'ms' });
    rows.push({ label: 'embedding map: frame while zooming, software WebGL (p50)', ours: map.frameMs, theirs: null, target: null, unit: 'ms' });
  } else {
    log('no Chromium here: the map rows are left out');
  }

  const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  if (typeof lib.PersistentClient === 'function' && size === '100k') {
    // Both rows time the adds and then close(): our checkpoints are built in the background, so
    // the clock stops only once the last one is on disk. Each engine runs in a fresh process.
    // One run of each moves with the machine's phase (±30% here): ADD_ROUNDS runs each, ours and
    // Chroma's taking turns, and the median of each.
    const dir = mkdtempSync(join(tmpdir(), 'bench-add-'));
    try {
      let round = 0;
      const fresh = (name) => join(dir, `${name}-${round}`);
      const ours = [];
      const theirs = [];
      for (; round < ADD_ROUNDS; round++) {
        log(`${size}: add throughput, round ${round + 1} of ${ADD_ROUNDS}…`);
        ours.push(oursAddPerSecond(root, fresh('data')));
        if (chroma) theirs.push(chromaAddPerSecond(root, chroma, fresh('chroma')));
      }
      const theirsAdd = theirs.includes(null) || theirs.length === 0 ? null : median(theirs);
      if (theirsAdd === null) notes.push(`${size}: real Chroma's add throughput was not measured (no Chroma, or a run failed).`);
      rows.push({ label: `add throughput, records/s (${ADD_RECORDS.toLocaleString('en-US')} in batches of ${ADD_BATCH}, median of ${ADD_ROUNDS})`, ours: median(ours), theirs: theirsAdd, target: { more: 2 }, unit: 'rec/s' });

      const oursInto = [];
      const theirsInto = [];
      const copyOf = (name) => {
        const copy = fresh(name);
        cpSync(folder, copy, { recursive: true });
        return copy;
      };
      for (round = 0; round < ADD_ROUNDS; round++) {
        log(`${size}: adding into the ${size} collection, round ${round + 1} of ${ADD_ROUNDS}…`);
        oursInto.push(oursAddPerSecond(root, copyOf('into'), true));
        if (chroma) theirsInto.push(chromaAddPerSecond(root, chroma, copyOf('chroma-into'), true));
        rmSync(fresh('into'), { recursive: true, force: true });
        rmSync(fresh('chroma-into'), { recursive: true, force: true });
      }
      const theirsIntoMedian = theirsInto.includes(null) || theirsInto.length === 0 ? null : median(theirsInto);
      if (theirsIntoMedian === null) notes.push(`${size}: real Chroma adding into the collection was not measured (no Chroma, or a run failed).`);
      rows.push({ label: `add into this collection, records/s (${INTO_RECORDS.toLocaleString('en-US')} in batches of ${ADD_BATCH}, median of ${ADD_ROUNDS})`, ours: median(oursInto), theirs: theirsIntoMedian, target: null, unit: 'rec/s' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }


  const backup = lib.backupFolder ?? lib.backup;
  if (typeof backup === 'function') {
    log(`${size}: backup vs zip -r…`);
    const dir = mkdtempSync(join(tmpdir(), 'bench-backup-'));
    try {
      const mb = folderBytes(folder) / 2 ** 20;
      let t = performance.now();
      await backup(folder, join(dir, 'ours.zip'));
      const ours = mb / ((performance.now() - t) / 1000);
      t = performance.now();
      const z = spawnSync('zip', ['-qr', join(dir, 'zip.zip'), '.'], { cwd: folder });
      const zip = z.status === 0 ? mb / ((performance.now() - t) / 1000) : null;
      rows.push({ label: 'backup MB/s (beside zip -r)', ours, theirs: zip, target: { more: 1 }, unit: 'MB/s' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
