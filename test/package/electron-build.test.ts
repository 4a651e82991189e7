// After `npm run build`: every file electron-builder.yml packs exists, and its rules keep the demo
// out of the asar (it is an extra resource). The rules themselves: test/unit/electron/packaging.test.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
// Both come with electron-builder (a devDependency), which uses them itself.
const yaml = require('js-yaml') as { load(text: string): unknown };
const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string, o?: { dot?: boolean }): boolean };
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  extraResources: { from: string; to: string }[];
  extraMetadata: { main: string };
};
const inApp = (path: string) =>
  config.files.reduce((included, pattern) => (pattern.startsWith('!') ? included && !minimatch(path, pattern.slice(1), { dot: true }) : included || minimatch(path, pattern, { dot: true })), false);
const walk = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'dist-renderer', 'index.html'))) {
    throw new Error('dist/ or dist-renderer/ is missing: run `npm run build` before `npm run test:package`');
  }
});

describe('the build output electron-builder packs', () => {
  it('has the parallel-insert addon npm install built, which the app packs (native/build/Release)', () => {
    const built = walk('native/build/Release').filter((f) => /^native\/build\/Release\/[^/]+\.node$/.test(f));
    expect(built).toContain('native/build/Release/chroma_inspector_hnsw.node');
    expect(built.every(inApp)).toBe(true);
  });


  it('has the main entry, the preload, both engine hosts and the engine worker they run, inside the app', () => {
    for (const p of [config.extraMetadata.main, 'dist/electron/preload.cjs', 'dist/electron/engine-host.js', 'dist/electron/engine-node-host.js', 'dist/engine-worker.js', 'dist-renderer/index.html']) {
      expect(existsSync(join(root, p)), p).toBe(true);
      expect(inApp(p), p).toBe(true);
    }
  });

  it("packs Chroma's 18 migration files and every renderer asset, but no source map", () => {
    const migrations = walk('dist/migrations').filter((p) => p.endsWith('.sql'));
    expect(migrations).toHaveLength(18);
    expect(migrations.every(inApp)).toBe(true);
    const renderer = walk('dist-renderer');
    expect(renderer.filter((p) => !p.endsWith('.map')).every(inApp)).toBe(true);
    expect([...renderer, ...walk('dist')].filter((p) => p.endsWith('.map')).some(inApp)).toBe(false);
  });

  it('has the demo, shipped as resources/demo and not inside the asar', () => {
    const demo = config.extraResources.find((r) => r.to === 'demo')!;
    expect(existsSync(join(root, demo.from, 'chroma.sqlite3'))).toBe(true);
    expect(walk(demo.from).some(inApp)).toBe(false);
  });
});
