// What electron-builder and npm pack ship, checked without packaging (no Electron download here).
// That the build produces every file named here is checked after the build, by
// test/package/electron-build.test.ts.
// js-yaml and minimatch come with electron-builder (a devDependency), which uses both itself.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string, o?: { dot?: boolean }): boolean };

interface BuilderConfig {
  files: string[];
  linux: { files: string[] };
  mac: { files: string[] };
  win: { files: string[] };
  extraResources: { from: string; to: string }[];
  extraMetadata: { main: string };
  asarUnpack: string[];
  npmRebuild?: boolean;
  electronFuses?: Record<string, boolean>;
}
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** electron-builder's `files` semantics: included when a pattern matches, unless a later `!pattern` does. */
const inApp = (path: string) =>
  config.files.reduce((included, pattern) => (pattern.startsWith('!') ? included && !minimatch(path, pattern.slice(1), { dot: true }) : included || minimatch(path, pattern, { dot: true })), false);


describe('electron-builder.yml', () => {
  it('flips the Electron fuses that close doors a packaged app does not need', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('packs the bundles, the migrations and the renderer, but no source maps and not the demo', () => {
    // dist/engine-worker.js: the worker pool's engine, which the packaged host's threads and the
    // SQL utility processes main starts both run.
    for (const p of ['dist/electron/main.js', 'dist/electron/engine-host.js', 'dist/electron/preload.cjs', 'dist/engine-worker.js', 'dist/index.js', 'dist/migrations/sysdb/00001-collections.sqlite.sql', 'dist-renderer/index.html', 'dist-renderer/assets/index-x.js', 'package.json', 'LICENSE', 'NOTICE']) {
      expect(inApp(p), p).toBe(true);
    }
    for (const p of ['dist/electron/main.js.map', 'dist-renderer/assets/index-x.js.map', 'dist/demo/chroma.sqlite3', 'src-main/app/main.ts', 'test/fixtures/x']) expect(inApp(p), p).toBe(false);
  });

  it('ships the demo outside the asar, where app-paths.ts looks for it (resources/demo)', () => {
    expect(config.extraResources).toEqual([{ from: 'dist/demo', to: 'demo' }]);
    expect(readFileSync(join(root, 'src-main/server/app-paths.ts'), 'utf8')).toContain("join(resources, 'demo')");
  });

  it('rebuilds the native modules for Electron and unpacks them from the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(minimatch('node_modules/better-sqlite3/build/Release/better_sqlite3.node', config.asarUnpack[0]!)).toBe(true);
  });

  it('ships our parallel-insert addon, both builds, unpacked from the asar, and not its sources', () => {
    for (const f of ['native/build/Release/chroma_inspector_hnsw.node', 'native/build/Release/chroma_inspector_hnsw_avx2.node']) {
      expect(inApp(f), f).toBe(true);
      expect(config.asarUnpack.some((p) => minimatch(f, p, { dot: true })), f).toBe(true);
    }
    for (const f of ['native/hnsw-parallel.cc', 'native/pickle-pairs.cc', 'native/page-residency.cc', 'native/level0-prescan.cc', 'native/napi-args.h', 'native/level0-prescan-job.h', 'native/positioned-reads.h', 'native/build/Release/obj.target/chroma_inspector_hnsw/hnsw-parallel.o']) expect(inApp(f), f).toBe(false);
  });

  it('ships onnxruntime-node (query by text) unpacked, with only the target platform\'s runtime', () => {
    const pkgAll = pkg as unknown as { optionalDependencies?: Record<string, string> };
    expect(pkgAll.optionalDependencies?.['onnxruntime-node']).toBeDefined();
    // The addon dlopens libonnxruntime beside it: both must be real files outside the asar.
    for (const f of ['node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll']) {
      expect(config.asarUnpack.some((p) => minimatch(f, p, { dot: true })), f).toBe(true);
    }
    // Production dependencies are copied whatever `files` includes; its `!` patterns, and the
    // target's, still take files out.
    const excluded = (patterns: string[], path: string) => patterns.some((p) => p.startsWith('!') && minimatch(path, p.slice(1), { dot: true }));
    const shipped = (target: 'linux' | 'mac' | 'win', path: string) => !excluded(config.files, path) && !excluded(config[target].files, path);
    const bin = (platform: string, file: string) => `node_modules/onnxruntime-node/bin/napi-v6/${platform}/x64/${file}`;
    expect(shipped('linux', bin('linux', 'libonnxruntime.so.1'))).toBe(true);
    expect(shipped('linux', bin('win32', 'onnxruntime.dll'))).toBe(false);
    expect(shipped('linux', bin('darwin', 'libonnxruntime.1.dylib'))).toBe(false);
    expect(shipped('win', bin('win32', 'onnxruntime.dll'))).toBe(true);
    expect(shipped('win', bin('linux', 'libonnxruntime.so.1'))).toBe(false);
    expect(shipped('mac', 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib')).toBe(true);
    expect(shipped('mac', bin('linux', 'libonnxruntime.so.1'))).toBe(false);
    // The runtime is required at run time (createRequire), never bundled into dist.
    expect(readFileSync(join(root, 'src-main/engine/embed/onnx-runtime.ts'), 'utf8')).toContain("createRequire(import.meta.url)('onnxruntime-node')");
  });

  it('keeps electron out of the runtime dependencies (npm installs of the library must not fetch it)', () => {
    expect(pkg.dependencies.electron).toBeUndefined();
    expect(pkg.devDependencies.electron).toBeDefined();
  });
});

describe('package.json files (npm)', () => {
  it('ships the UI, the library, the demo, LICENSE and NOTICE, not the Electron bundles', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'dist-renderer', 'LICENSE', 'NOTICE', '!dist/electron']));
    // The addon's sources and its build script (the install script runs it), never a binary built here.
    expect(pkg.files).toEqual(expect.arrayContaining(['native/binding.gyp', 'native/hnsw-parallel.cc', 'native/pickle-pairs.cc', 'native/page-residency.cc', 'native/level0-prescan.cc', 'native/napi-args.h', 'native/level0-prescan-job.h', 'native/positioned-reads.h', 'native/build.mjs']));
    expect(pkg.files.some((f) => f.startsWith('native/build/') || f === 'native')).toBe(false);
    expect(pkg.scripts.install).toBe('node native/build.mjs');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
    expect(readFileSync(join(root, 'NOTICE'), 'utf8')).toMatch(/src-main\/engine\/write\/migrations[\s\S]*Copyright Chroma/);
  });
});
