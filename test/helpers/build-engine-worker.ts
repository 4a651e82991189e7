// Bundles the worker pool's engine entry from source, as tsup.config.ts does for dist/. Chroma's
// migration files go beside it, where the write engine looks for them in dist/.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleEntry } from './bundle-entry.js';
import { repoRoot } from './paths.js';

export async function buildEngineWorker(): Promise<{ entry: string; dispose(): void }> {
  const { file, dir } = await bundleEntry(join(repoRoot, 'src-main', 'service', 'worker-pool', 'engine-worker.ts'));
  cpSync(join(repoRoot, 'src-main', 'engine', 'write', 'migrations'), join(dir, 'migrations'), { recursive: true });
  return { entry: file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
