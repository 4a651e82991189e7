// Bundles the two engine-host entry points from source, as tsup.config.ts does for dist/electron,
// so the host tests run the current code without `npm run build`. The output sits under
// node_modules/.cache so the bundles resolve better-sqlite3 and hnswlib-node from the repo;
// `.mjs` because Node gives files below node_modules no package "type".
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export async function buildEngineHosts(): Promise<{ engineHost: string; nodeHost: string; dispose(): void }> {
  const cache = join(repoRoot, 'node_modules', '.cache', 'chroma-inspector-test');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'hosts-'));
  await build({
    config: false,
    silent: true,
    entry: { 'engine-host': join(repoRoot, 'src-main/app/engine-host.ts'), 'engine-node-host': join(repoRoot, 'src-main/app/engine-node-host.ts') },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    external: ['electron', 'better-sqlite3', 'hnswlib-node'],
    outDir,
    outExtension: () => ({ js: '.mjs' }),
  });
  return {
    engineHost: join(outDir, 'engine-host.mjs'),
    nodeHost: join(outDir, 'engine-node-host.mjs'),
    dispose: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
