// By hand: how long serve's other clients wait while one asks for a large answer.
//   node scripts/bench/serve-stall.mjs <folder> <limit> <include,comma,separated>
// (SERVE_ARGS='--call-timeout 0' passes arguments to serve.) Not a bench row.
// Starts `serve` on the folder (built dist/), asks for a get of `limit` records on one connection
// while a second connection, in a worker thread of its own (so this thread's parse of the big
// answer is not counted), counts every 10 ms; prints the get's time and the longest count.
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

async function conn(url) {
  const ws = new WebSocket(url, { maxPayload: 4e9 });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  let id = 0; const pending = new Map();
  ws.on('message', (d) => { const m = JSON.parse(String(d)); if (m.type === 'result') { pending.get(m.id)?.(m); pending.delete(m.id); } });
  return { call: (method, input) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ type: 'call', id: i, method, input })); }), ws };
}

if (!isMainThread) {
  const { url, handle, col } = workerData;
  const b = await conn(url);
  // Warmed first: each read engine opens the folder on its first call (not what is measured here).
  await Promise.all([0, 1, 2, 3].map(() => b.call('count', { handle, collectionId: col })));
  parentPort.postMessage('ready');
  let maxGap = 0, stop = false;
  parentPort.on('message', () => (stop = true));
  while (!stop) {
    const t = performance.now();
    await b.call('count', { handle, collectionId: col });
    maxGap = Math.max(maxGap, performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage(maxGap);
  process.exit(0);
}

const [folder, limit, include] = process.argv.slice(2);
const child = spawn(process.execPath, [new URL('../../dist/cli.js', import.meta.url).pathname, 'serve', folder, '--port', '18777', ...(process.env.SERVE_ARGS ? process.env.SERVE_ARGS.split(' ') : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((res) => { let out = ''; child.stdout.on('data', (d) => { out += d; const m = out.match(/http:\S+token=\S+/); if (m) res(m[0]); }); });
const api = `ws://127.0.0.1:18777/api?token=${new URL(url).searchParams.get('token')}`;
const a = await conn(api);
const handle = (await a.call('openFolder', { path: folder })).value.handle;
const info = await a.call('folderInfo', { handle });
const col = info.value.tenants[0].databases[0].collections[0].id;
console.log('count', (await a.call('count', { handle, collectionId: col })).value);
const pinger = new Worker(new URL(import.meta.url), { workerData: { url: api, handle, col } });
await new Promise((r) => pinger.once('message', r));
const maxPing = new Promise((r) => pinger.once('message', r));
const t = performance.now();
const r = await a.call('get', { handle, collectionId: col, args: { limit: Number(limit), include: include.split(',') } });
console.log('get', (performance.now() - t).toFixed(0), 'ms ok', r.ok, r.ok ? r.value.ids.length : JSON.stringify(r.error).slice(0, 300));
pinger.postMessage('stop');
console.log('longest count meanwhile', (await maxPing).toFixed(0), 'ms; server alive', child.exitCode === null);
child.kill('SIGKILL');
process.exit(0);
