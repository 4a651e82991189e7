import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig([
  // The CLI and the library: plain Node ESM, native modules and dependencies left external.
  {
    entry: { cli: 'src-main/cli/bin.ts', index: 'src-main/index.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: { entry: { index: 'src-main/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    splitting: true,
    outDir: 'dist',
    // Chroma's migration SQL ships verbatim beside the bundle (the write engine reads dist/migrations/).
    onSuccess: async () => {
      cpSync('src-main/engine/write/migrations', 'dist/migrations', { recursive: true });
    },
  },
  // Electron main and the engine's utility process.
  {
    entry: { main: 'src-main/app/main.ts', 'engine-host': 'src-main/app/engine-host.ts' },
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
