import { defineConfig } from 'tsup';

// The CLI and the library: plain Node ESM, native modules and dependencies left external.
export default defineConfig({
  entry: { cli: 'src-main/cli/bin.ts', index: 'src-main/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: { entry: { index: 'src-main/index.ts' } },
  sourcemap: true,
  clean: true,
  splitting: true,
  outDir: 'dist',
});
