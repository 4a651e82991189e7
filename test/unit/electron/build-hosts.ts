// Bundles the two engine-host entry points and the pool's engine worker from source, laid out as
// tsup.config.ts lays out dist/ (the hosts in electron/, the worker and Chroma's migrations one
// level up, where the hosts look for them), so the host tests run the current code without
// `npm run build`. The output sits under node_modules/.cache so the bundles resolve better-sqlite3
// and hnswlib-node from the repo; a package.json marks its `.js` files as ES modules, as the
// repo's own does for dist/ (Node gives files below node_modules no package "type").
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface BuiltHosts {
  engineHost: string;
  nodeHost: string;
  /** The pool's engine entry (dist/engine-worker.js in a build). */
  engineWorker: string;
  dispose(): void;
}

const common: Options = { config: false, silent: true, format: ['esm'], platform: 'node', target: 'node20', external: ['electron', 'better-sqlite3', 'hnswlib-node'] };

export async function buildEngineHosts(): Promise<BuiltHosts> {
  const cache = join(repoRoot, 'node_modules', '.cache', 'chroma-inspector-test');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'hosts-'));
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  await build({ ...common, entry: { 'engine-worker': join(repoRoot, 'src-main/service/worker-pool/engine-worker.ts') }, outDir });
  await build({
    ...common,
    entry: { 'engine-host': join(repoRoot, 'src-main/app/engine-host.ts'), 'engine-node-host': join(repoRoot, 'src-main/app/engine-node-host.ts') },
    outDir: join(outDir, 'electron'),
  });
  cpSync(join(repoRoot, 'src-main', 'engine', 'write', 'migrations'), join(outDir, 'migrations'), { recursive: true });
  return {
    engineHost: join(outDir, 'electron', 'engine-host.js'),
    nodeHost: join(outDir, 'electron', 'engine-node-host.js'),
    engineWorker: join(outDir, 'engine-worker.js'),
    dispose: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
