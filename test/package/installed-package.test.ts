// The npm package as a user gets it: `npm pack` of the built repo, installed into an empty folder,
// then the CLI, the browser UI and the WebSocket API run from node_modules. Needs `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient } from '../../shared/client.js';
import { connectWebSocket } from '../helpers/ws-channel.js';
import { writeTinyModelFolder } from '../helpers/tiny-bert-model.js';
import { TEXT_DOCS, TEXT_OF, tinyVector, writeTextFolder } from '../helpers/text-folder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs / 1000} s\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Run, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

interface Info {
  tenants: { name: string; databases: { name: string; collections: { name: string; count: number }[] }[] }[];
}
const collections = (info: Info) =>
  info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections.map((c) => `${t.name}/${d.name}/${c.name}:${c.count}`))).sort();

let work: string;
let installDir: string;
let installed: string;
let packedFiles: string[];
const servers: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'dist-renderer', 'index.html'))) {
    throw new Error('dist/cli.js or dist-renderer/index.html is missing: run `npm run build` before `npm run test:package`');
  }
  work = mkdtempSync(join(tmpdir(), 'chroma-inspector-package-'));
  const packDir = join(work, 'pack');
  installDir = join(work, 'app');
  mkdirSync(packDir);
  mkdirSync(installDir);

  const packed = JSON.parse(ok(await run(npm, ['pack', '--json', '--pack-destination', packDir], root, 120_000), 'npm pack')) as { filename: string; files: { path: string }[] }[];
  const tarball = join(packDir, packed[0]!.filename);
  packedFiles = packed[0]!.files.map((f) => f.path);

  // Its own package.json, so npm installs here and not into a project above the temp folder.
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'installed-package-test', private: true }));
  // npm's cache is reused; the native modules may compile from source (several minutes).
  // ONNXRUNTIME_NODE_INSTALL=skip as the README tells users: without it onnxruntime-node's install
  // script fetches CUDA libraries, and where it cannot, npm drops that optional dependency.
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' };
  ok(await run(npm, ['install', '--no-audit', '--no-fund', tarball], installDir, INSTALL_TIMEOUT_MS, env), 'npm install of the packed tarball');
  installed = join(installDir, 'node_modules', 'chroma-inspector');
}, INSTALL_TIMEOUT_MS + 5 * 60_000);

afterAll(async () => {
  for (const s of servers) {
    if (s.exitCode === null && s.signalCode === null) {
      const gone = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      await gone;
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed npm package', () => {
  it('packs the UI, the demo, the migrations, LICENSE and NOTICE, and nothing from test/', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['LICENSE', 'NOTICE', 'README.md', 'package.json', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist-renderer/index.html', 'dist/demo/chroma.sqlite3']));
    expect(packedFiles.filter((p) => p.startsWith('dist/migrations/') && p.endsWith('.sql'))).toHaveLength(18);
    expect(packedFiles.filter((p) => p.startsWith('test/') || p.startsWith('src-main/') || p.startsWith('src-renderer/'))).toEqual([]);
    // Source maps and the Electron bundles are left out (docs/electron.md).
    expect(packedFiles.filter((p) => p.endsWith('.map') || p.startsWith('dist/electron/'))).toEqual([]);
  });

  it('builds the parallel-insert addon from the sources it ships, at install (docs/native.md)', async () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['native/binding.gyp', 'native/hnsw-parallel.cc', 'native/pickle-pairs.cc', 'native/page-residency.cc', 'native/level0-prescan.cc', 'native/napi-args.h', 'native/level0-prescan-job.h', 'native/positioned-reads.h', 'native/build.mjs']));
    expect(packedFiles.filter((p) => p.startsWith('native/build/'))).toEqual([]);
    const addon = join(installed, 'native', 'build', 'Release', 'chroma_inspector_hnsw.node');
    const api = ok(await run(process.execPath, ['-p', `require(${JSON.stringify(addon)}).apiVersion`], installDir, 60_000), 'loading the installed addon');
    expect(api.trim()).toBe('1');
  });

  it('installs without Electron', () => {
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(installDir, 'node_modules', 'electron'))).toBe(false);
  });

  it('`npx chroma-inspector info <demo> --json` lists the demo folder the repo was built from', async () => {
    const demo = join(installed, 'dist', 'demo');
    const got = JSON.parse(ok(await run(npx, ['--no-install', 'chroma-inspector', 'info', demo, '--json'], installDir, 120_000), 'npx chroma-inspector info')) as Info;
    const fixture = join(root, 'test', 'fixtures', 'reference', 'chroma-1.3.4-seed7', 'data');
    const expected = JSON.parse(ok(await run(process.execPath, [join(root, 'dist', 'cli.js'), 'info', fixture, '--json'], root, 120_000), 'repo info')) as Info;
    expect(collections(got)).toEqual(collections(expected));
    expect(collections(got).length).toBeGreaterThan(1);
  });

  it('`chroma-inspector embed` runs a model through the onnxruntime-node it installed', async () => {
    expect(existsSync(join(installDir, 'node_modules', 'onnxruntime-node', 'package.json'))).toBe(true);
    const folder = join(work, 'text-folder');
    await writeTextFolder(folder);
    const model = writeTinyModelFolder(join(work, 'tiny-model'));
    const out = ok(await run(npx, ['--no-install', 'chroma-inspector', 'embed', folder, '--collection', 'docs', '--text', TEXT_OF.cat!, '--model-dir', model], installDir, 120_000), 'npx chroma-inspector embed');
    expect(JSON.parse(out)).toMatchObject({ vector: tinyVector(TEXT_DOCS.cat!), runner: 'onnx-minilm' });
  });

  it('`chroma-inspector serve` with no folder serves the UI page, its script and the WebSocket API on the demo', async () => {
    // The bin itself, not through npx, so the server is the process we kill.
    const bin = join(installDir, 'node_modules', '.bin', 'chroma-inspector');
    const server = spawn(process.platform === 'win32' ? `${bin}.cmd` : bin, ['serve', '--host', '127.0.0.1', '--port', '0'], {
      cwd: installDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    servers.push(server);
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /open (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL:\n${stderr}`)));
    });
    const page = new URL(url);

    const html = await fetch(page);
    expect(html.status).toBe(200);
    const text = await html.text();
    expect(text).toContain('<div id="root"');
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(text)?.[1];
    expect(script, 'the page references its JS bundle').toBeTruthy();
    const js = await fetch(new URL(script!, page));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);

    const channel = await connectWebSocket(`ws://${page.host}/api?token=${page.searchParams.get('token')}`);
    const client = createEngineClient(channel);
    try {
      const { path } = await client.call('defaultFolder', {});
      expect(realpathSync(path!)).toBe(realpathSync(join(installed, 'dist', 'demo')));
      const opened = await client.call('openFolder', { path: path! });
      expect(collections(opened.info as Info).length).toBeGreaterThan(1);
    } finally {
      client.close();
      channel.close();
    }
  });
});
