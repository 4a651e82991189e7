// The facts planEngineLaunch decides from, read from the environment and node_modules. File access
// is injected so the lookups are tested without touching the machine.
import { delimiter, join } from 'node:path';
import type { EngineHostKind } from './engine-launch-plan.js';

export interface FactsIo {
  isFile(path: string): boolean;
  /** File contents, or null when missing or unreadable. */
  readText(path: string): string | null;
}

/**
 * A Node.js to run the engine in during development. scripts/start.mjs passes the Node that runs
 * it (the one that ran `npm install`, so its ABI matches the modules); `npm_node_execpath` is set
 * by npm for anything started from an npm script; PATH is the last resort.
 */
export function findNodeExecutable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, io: FactsIo): { path: string; abi: string | null } | null {
  const fromStart = env.CHROMA_INSPECTOR_NODE;
  if (fromStart && io.isFile(fromStart)) return { path: fromStart, abi: env.CHROMA_INSPECTOR_NODE_ABI || null };
  const fromNpm = env.npm_node_execpath;
  if (fromNpm && io.isFile(fromNpm)) return { path: fromNpm, abi: null };
  const names = platform === 'win32' ? ['node.exe'] : ['node'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (io.isFile(candidate)) return { path: candidate, abi: null };
    }
  }
  return null;
}

/**
 * The ABI better-sqlite3 was last rebuilt for by @electron/rebuild (electron-builder writes
 * `build/Release/.forge-meta` as `platform--arch--abi`, older versions `arch--abi`). Null after a
 * plain `npm install`, which writes no marker. better-sqlite3 is the module that matters: it is
 * ABI-specific, while hnswlib-node is a Node-API addon.
 */
export function readNativeAbi(packageRoot: string, io: FactsIo): string | null {
  const meta = io.readText(join(packageRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', '.forge-meta'));
  const abi = meta?.trim().split('--').pop();
  return abi && /^\d+$/.test(abi) ? abi : null;
}

export function requestedEngineHost(env: NodeJS.ProcessEnv): EngineHostKind | null {
  const v = env.CHROMA_INSPECTOR_ENGINE_HOST;
  return v === 'node' || v === 'utility' ? v : null;
}
