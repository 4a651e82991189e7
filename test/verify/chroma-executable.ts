import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
// @ts-expect-error -- plain JS: the project's own real-Chroma tooling
import * as install from '../reference-chroma/install.mjs';
// @ts-expect-error -- plain JS
import { chromaCommand } from '../reference-chroma/chroma-server.mjs';

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A `chroma` executable laid out as `npm install chromadb` leaves it (node_modules/.bin/chroma
 * beside node_modules/chromadb-js-bindings-<platform>), running the test-installed real Chroma
 * through the project's own command line for it (which adds the cached libc where needed).
 */
export function chromaExecutable(root: string, version: string): string {
  const installed = install.installedChroma(version) as { module: string } | null;
  if (!installed) throw new Error(`real Chroma ${version} is not installed`);
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(installed.module, join(modules, basename(installed.module)), 'dir');
  const file = join(modules, '.bin', 'chroma');
  const argv = (chromaCommand([], version) as string[]).map(shQuote).join(' ');
  writeFileSync(file, `#!/bin/sh\nexec ${argv} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Whether a process is still there (signal 0 only asks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
