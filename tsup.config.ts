import { cpSync, rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig([
  // The CLI and the library: plain Node ESM, native modules and dependencies left external.
  {
    // engine-worker: the worker pool's engine (threads and SQL child processes) that `serve` starts
    // from beside its own bundle (worker-pool.ts defaultWorkerEntry).
    entry: { cli: 'src-main/cli/bin.ts', index: 'src-main/index.ts', 'engine-worker': 'src-main/service/worker-pool/engine-worker.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: { entry: { index: 'src-main/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    splitting: true,
    outDir: 'dist',
    // Chroma's migration SQL ships verbatim beside the bundle (the write engine reads dist/migrations/).
    // The demo folder (written by real Chroma 1.3.4) is copied to dist/demo/, which the npm package
    // and the packaged app ship, so neither carries test/ (app-paths.ts demoFolderPath()).
    onSuccess: async () => {
      cpSync('src-main/engine/write/migrations', 'dist/migrations', { recursive: true });
      rmSync('dist/demo', { recursive: true, force: true });
      cpSync('test/fixtures/reference/chroma-1.3.4-seed7/data', 'dist/demo', { recursive: true });
    },
  },
  // Electron main and the engine's two hosts: the utility process (packaged app) and the Node
  // child (development); docs/electron.md.
  {
    entry: { main: 'src-main/app/main.ts', 'engine-host': 'src-main/app/engine-host.ts', 'engine-node-host': 'src-main/app/engine-node-host.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    sourcemap: true,
    outDir: 'dist/electron',
  },
  // Sandboxed preloads cannot load ESM or node_modules: one CommonJS file requiring only electron.
  {
    entry: { preload: 'src-main/preload/preload.ts' },
    format: ['cjs'],
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    noExternal: [/.*/],
    outDir: 'dist/electron',
    outExtension: () => ({ js: '.cjs' }),
  },
]);
