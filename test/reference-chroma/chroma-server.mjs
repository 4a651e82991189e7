#!/usr/bin/env node
// Starts and stops a real Chroma server (installed by install.mjs) on a folder, on loopback.
// Chroma ignores SIGTERM and SIGINT: it is stopped with SIGKILL, which loses nothing (every
// acknowledged write is already committed). Chroma writes to the folder it serves: give it a copy.
//
//   node test/reference-chroma/chroma-server.mjs run --path DIR [--port N] [--version V]
//   (any other arguments are passed to Chroma's own CLI, e.g. `vacuum --path DIR`)
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CHROMA_VERSION, installedChroma } from './install.mjs';

/** The command line that runs Chroma's own CLI with `args`, through the cached libc where needed. */
export function chromaCommand(args, version = DEFAULT_CHROMA_VERSION) {
  const installed = installedChroma(version);
  if (!installed) throw new Error(`real Chroma ${version} is not installed (node test/reference-chroma/install.mjs ${version})`);
  const script = "require(process.argv[1]).cli(['chroma', ...process.argv.slice(2)])";
  const node = [process.execPath, '-e', script, installed.module, ...args];
  return installed.loader ? [installed.loader.ld, '--library-path', installed.loader.libraryPath, ...node] : node;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();

/**
 * Serves `dataDir` with real Chroma and waits for its heartbeat.
 * @returns {Promise<{ port: number, url: string, log: string, stop(): Promise<void>, alive(): boolean, logTail(): string }>}
 */
export async function startChroma(dataDir, { version = DEFAULT_CHROMA_VERSION, timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const log = join(mkdtempSync(join(tmpdir(), 'chroma-ref-log-')), 'server.log');
  const fd = openSync(log, 'w');
  const [cmd, ...rest] = chromaCommand(['run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(port)], version);
  const child = spawn(cmd, rest, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  running.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole group: the loader and node beneath it
      } catch {
        child.kill('SIGKILL');
      }
    }
    await exited;
    running.delete(child);
  };
  const tail = () => readFileSync(log, 'utf8').slice(-2000);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Chroma ${version} exited before answering:\n${tail()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Chroma ${version} did not answer on port ${port} within ${timeoutMs / 1000} s:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  return { port, url: `http://127.0.0.1:${port}`, log, stop, alive, logTail: tail };
}

/** Kills every server this process started and has not stopped (a safety net for afterAll). */
export function stopAllChroma() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const vi = args.indexOf('--version');
  const version = vi >= 0 ? args.splice(vi, 2)[1] : DEFAULT_CHROMA_VERSION;
  const [cmd, ...rest] = chromaCommand(args, version);
  const child = spawn(cmd, rest, { stdio: 'inherit' });
  const kill = () => child.kill('SIGKILL');
  process.on('SIGINT', kill);
  process.on('SIGTERM', kill);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
