// Bundles the worker pool's engine entry from source, as tsup.config.ts does for dist/, so pool
// tests run the current code without `npm run build`. The output sits under node_modules/.cache
// so the bundle resolves better-sqlite3 and hnswlib-node from the repo; `.mjs` because Node gives
// files below node_modules no package "type". Chroma's migration files go beside it, where the
// write engine looks for them in dist/.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './paths.js';

export async function buildEngineWorker(): Promise<{ entry: string; dispose(): void }> {
  const cache = join(repoRoot, 'node_modules', '.cache', 'chroma-inspector-tests');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'engine-worker-'));
  const entry = join(outDir, 'engine-worker.mjs');
  await build({
    entryPoints: [join(repoRoot, 'src-main', 'service', 'worker-pool', 'engine-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: entry,
    logLevel: 'silent',
  });
  cpSync(join(repoRoot, 'src-main', 'engine', 'write', 'migrations'), join(outDir, 'migrations'), { recursive: true });
  return { entry, dispose: () => rmSync(outDir, { recursive: true, force: true }) };
}
