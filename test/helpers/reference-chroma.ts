import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { referenceChromaDir } from './embedded-workload.js';
import { repoRoot } from './paths.js';

const run = promisify(execFile);

/**
 * Real Chroma (the Rust core from npm, installed by ../shared/reference-chroma/setup.sh) and the
 * `chromadb` client beside it (installed by make-fixture.sh into the cache's client dir).
 */
export const CHROMA_VERSION = process.env.CHROMA_REF_VERSION ?? '1.3.4';
const cache = process.env.CHROMA_REF_CACHE ?? join(homedir(), '.cache', 'chroma-reference');
const clientDir = process.env.CLIENT_DIR ?? join(cache, 'client');
const chromaBin = join(referenceChromaDir, 'chroma');

export function referenceChromaProblem(version = CHROMA_VERSION): string | null {
  if (!existsSync(chromaBin)) return `${chromaBin} is missing`;
  if (!existsSync(join(cache, version, 'node_modules', 'chromadb-js-bindings-linux-x64-gnu', 'package.json'))) {
    return `reference Chroma ${version} is not installed (run ../shared/reference-chroma/setup.sh ${version})`;
  }
  if (!existsSync(join(clientDir, 'node_modules', 'chromadb', 'package.json'))) {
    return `the chromadb client is not installed in ${clientDir} (make-fixture.sh installs it: npm install chromadb@3.5.0 there)`;
  }
  return null;
}

/** A free port in 18000–18999 (the range this project's tests use). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 18000 + Math.floor(Math.random() * 1000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 18000-18999');
}

export interface ChromaServer {
  port: number;
  log: string;
  /** SIGKILL (Chroma ignores TERM/INT; every acknowledged write is already on disk), then waits for the exit. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function startChroma(dataDir: string, version = CHROMA_VERSION): Promise<ChromaServer> {
  const port = await freePort();
  const log = join(mkdtempSync(join(tmpdir(), 'chroma-ref-log-')), 'server.log');
  const fd = openSync(log, 'w');
  const child = spawn(chromaBin, ['run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, CHROMA_REF_VERSION: version },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the group this test started (the launcher execs Chroma)
      } catch {
        child.kill('SIGKILL');
      }
    }
    await exited;
    running.delete(child);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Chroma exited early:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Chroma did not answer on port ${port} within 60 s:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, log, stop };
}

/** Kills every server still running (afterAll safety net). */
export async function stopAllChroma(): Promise<void> {
  for (const child of [...running]) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

/** A scratch dir where `chromadb` resolves (node resolves bare imports from the importing file). */
function clientWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chroma-ref-client-'));
  symlinkSync(join(clientDir, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Replays a cases.json against a Chroma server with compare-cases.mjs; returns its last line ("N/M cases match"). */
export async function compareOverHttp(casesFile: string, port: number): Promise<{ summary: string; output: string; ok: boolean }> {
  const dir = clientWorkDir();
  writeFileSync(join(dir, 'compare-cases.mjs'), readFileSync(join(referenceChromaDir, 'compare-cases.mjs')));
  try {
    const { stdout } = await run(process.execPath, ['compare-cases.mjs', casesFile, 'http', String(port)], { cwd: dir, maxBuffer: 1 << 26 });
    return { summary: stdout.trim().split('\n').pop() ?? '', output: stdout, ok: true };
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? err);
    return { summary: out.trim().split('\n').pop() ?? '', output: out, ok: false };
  }
}

/** Runs test/compat/phase.mjs against a Chroma server with the chromadb client; writes its cases to `outFile`. */
export async function runPhaseOverHttp(port: number, seed: number, tag: string, outFile: string, arrays = true): Promise<void> {
  const dir = clientWorkDir();
  const phase = pathToFileURL(join(repoRoot, 'test', 'compat', 'phase.mjs')).href;
  writeFileSync(
    join(dir, 'run-phase.mjs'),
    `import { ChromaClient } from "chromadb";
import { writeFileSync } from "node:fs";
import { runPhase } from ${JSON.stringify(phase)};
const port = ${port};
const client = (tenant, database) => new ChromaClient({ host: "127.0.0.1", port, ...(tenant ? { tenant, database } : {}) });
const cases = await runPhase({ client, seed: ${seed}, tag: ${JSON.stringify(tag)}, arrays: ${arrays} });
writeFileSync(${JSON.stringify(outFile)}, JSON.stringify({ seed: ${seed}, cases }, null, 1));
`,
  );
  await run(process.execPath, ['run-phase.mjs'], { cwd: dir, maxBuffer: 1 << 26 });
}

/** Runs test/compat/api-probe.mjs against a Chroma server with chromadb's ChromaClient/AdminClient. */
export async function runApiProbeOverHttp(port: number, outFile: string): Promise<void> {
  const dir = clientWorkDir();
  const probe = pathToFileURL(join(repoRoot, 'test', 'compat', 'api-probe.mjs')).href;
  writeFileSync(
    join(dir, 'run-probe.mjs'),
    `import { ChromaClient, AdminClient } from "chromadb";
import { writeFileSync } from "node:fs";
import { runApiProbe } from ${JSON.stringify(probe)};
const port = ${port};
const steps = await runApiProbe({
  client: (tenant, database) => new ChromaClient({ host: "127.0.0.1", port, ...(tenant ? { tenant, database } : {}) }),
  admin: () => new AdminClient({ host: "127.0.0.1", port, ssl: false }),
});
writeFileSync(${JSON.stringify(outFile)}, JSON.stringify({ steps }, null, 1));
`,
  );
  await run(process.execPath, ['run-probe.mjs'], { cwd: dir, maxBuffer: 1 << 26 });
}
