import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARALLEL_ADDON_AVX2_FILE, PARALLEL_ADDON_FILE, findParallelAddon, insertThreads, parallelInsert, probe } from '../../../src-main/engine/hnsw/parallel-insert.js';
import { repoRoot } from '../../helpers/paths.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';

const missing = addonMissing();

describe('the parallel-insert addon (engine/hnsw/parallel-insert.ts, native/)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-addon-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.skipIf(missing !== null)(addonSuite('was built by npm install and loads here, so checkpoint builds insert on every core', missing), () => {
    const status = parallelInsert();
    // Where this fails, native/build.mjs printed why during npm install (docs/native.md).
    const release = path.join(repoRoot, 'native', 'build', 'Release');
    expect(status).toMatchObject({ available: true, baseline: path.join(release, PARALLEL_ADDON_FILE) });
    // The AVX2 build where this CPU runs it (asked of the CPU here through /proc/cpuinfo on Linux).
    const flags = process.platform === 'linux' && process.arch === 'x64' ? (/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(' ') : [];
    const avx2 = flags.includes('avx2') && flags.includes('fma');
    if (process.platform === 'linux') expect(status).toMatchObject(avx2 ? { instructionSet: 'avx2', path: path.join(release, PARALLEL_ADDON_AVX2_FILE) } : { instructionSet: 'baseline', path: path.join(release, PARALLEL_ADDON_FILE) });
    expect(probe({ CHROMA_INSPECTOR_NATIVE: 'baseline' })).toMatchObject({ available: true, instructionSet: 'baseline', path: path.join(release, PARALLEL_ADDON_FILE) });
  });

  it('is found from the sources, from dist/ and from dist/electron/ (one to three folders below the package root)', () => {
    const root = path.join(dir, 'pkg');
    const file = path.join(root, 'native', 'build', 'Release', PARALLEL_ADDON_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    for (const from of ['dist', 'dist/electron', 'src-main/engine/hnsw']) {
      fs.mkdirSync(path.join(root, from), { recursive: true });
      expect(findParallelAddon(path.join(root, from))).toBe(file);
    }
    expect(findParallelAddon(path.join(dir))).toBeNull();
    // A packaged app: the asar names the file, which is unpacked beside it.
    const unpacked = path.join(dir, 'app.asar.unpacked', 'native', 'build', 'Release', PARALLEL_ADDON_FILE);
    fs.mkdirSync(path.dirname(unpacked), { recursive: true });
    fs.writeFileSync(unpacked, '');
    expect(findParallelAddon(path.join(dir, 'app.asar', 'dist'))).toBe(unpacked);
  });

  it('says why builds insert on one thread: switched off, not built, or a file that does not load', () => {
    expect(probe({ CHROMA_INSPECTOR_NATIVE: 'off' })).toEqual({ available: false, reason: 'CHROMA_INSPECTOR_NATIVE=off' });
    expect(probe({}, null)).toMatchObject({ available: false, reason: expect.stringMatching(/was not built.*docs\/native\.md/) });
    const broken = path.join(dir, PARALLEL_ADDON_FILE);
    fs.writeFileSync(broken, 'not a shared library');
    const status = probe({}, broken);
    expect(status.available).toBe(false);
    expect(!status.available && status.reason).toContain(`${broken} does not load`);
  });

  it.skipIf(missing !== null)(addonSuite('runs one insert thread per core unless CHROMA_INSPECTOR_INSERT_THREADS says otherwise', missing), () => {
    expect(insertThreads({})).toBe(Math.min(os.availableParallelism(), 8));
    expect(insertThreads({ CHROMA_INSPECTOR_INSERT_THREADS: '3' })).toBe(3);
    expect(insertThreads({ CHROMA_INSPECTOR_INSERT_THREADS: '0' })).toBe(Math.min(os.availableParallelism(), 8));
    expect(insertThreads({ CHROMA_INSPECTOR_INSERT_THREADS: 'many' })).toBe(Math.min(os.availableParallelism(), 8));
    const real = parallelInsert();
    expect(real.available && probe({ CHROMA_INSPECTOR_INSERT_THREADS: '1' }, real.path)).toMatchObject({ available: true, threads: 1 });
  });

  it.skipIf(missing !== null)(addonSuite('rejects arguments that do not fit, with an error rather than a crash', missing), () => {
    const real = parallelInsert();
    if (!real.available) throw new Error(real.reason);
    const { ParallelIndex } = createRequire(import.meta.url)(real.path) as { ParallelIndex: new (s: string, d: number) => { initIndex(o: object): void; addItems(...a: unknown[]): number } };
    expect(() => new ParallelIndex('cosine', 4)).toThrow(/'l2' or 'ip'/);
    expect(() => new ParallelIndex('l2', 0)).toThrow(/dim/);
    const index = new ParallelIndex('l2', 4);
    expect(() => index.addItems(new Float32Array(4), new Float64Array(1), 0, 1, 2)).toThrow(/not initialised/);
    expect(() => index.initIndex({ maxElements: 2 ** 40, m: 8, efConstruction: 20, randomSeed: 0 })).toThrow(/invalid index parameters/);
    expect(() => index.initIndex({ maxElements: 2, m: 8, efConstruction: 20, randomSeed: 2 ** 33 })).toThrow(/invalid index parameters/);
    index.initIndex({ maxElements: 4, m: 8, efConstruction: 20, randomSeed: 0 });
    expect(() => index.addItems(new Float32Array(7), new Float64Array(2), 0, 2, 2)).toThrow(/do not fit/);
    expect(() => index.addItems(new Float32Array(8), new Float64Array(2), 0, 3, 2)).toThrow(/do not fit/);
    expect(() => index.addItems(new Float32Array(8), Float64Array.from([1, 2.5]), 0, 2, 2)).toThrow(/non-negative integer/);
    expect(() => index.addItems(new Float64Array(8), new Float64Array(2), 0, 2, 2)).toThrow(/Float32Array/);
    expect(() => index.addItems(new Float32Array(8), Float64Array.from([1, 2]), 0, 2, 2, new Float64Array(1))).toThrow(/Int32Array/);
    // Stop words already set: nothing is inserted, whichever word it is.
    expect(index.addItems(new Float32Array(8), Float64Array.from([1, 2]), 0, 2, 2, Int32Array.of(1), Int32Array.of(0))).toBe(0);
    expect(index.addItems(new Float32Array(8), Float64Array.from([1, 2]), 0, 2, 2, Int32Array.of(0), Int32Array.of(1))).toBe(0);
    expect(index.addItems(new Float32Array(8), Float64Array.from([1, 2]), 0, 2, Infinity, Int32Array.of(0), Int32Array.of(0))).toBe(2);
    // Past the capacity: hnswlib's own error, from whichever thread met it.
    expect(() => index.addItems(new Float32Array(12), Float64Array.from([3, 4, 5]), 0, 3, 2)).toThrow(/Hnswlib Error/);
  });

  it.skipIf(missing !== null)(addonSuite('gives an index\'s memory back on releaseMemory, after which the index refuses calls', missing), () => {
    const real = parallelInsert();
    if (!real.available) throw new Error(real.reason);
    type Index = { initIndex(o: object): void; addItems(...a: unknown[]): number; getCurrentCount(): number; releaseMemory(): void };
    const { ParallelIndex } = createRequire(import.meta.url)(real.path) as { ParallelIndex: new (s: string, d: number) => Index };
    // Resident memory where the system says it (Linux); elsewhere only the refusal after is checked.
    const resident = () => (process.platform === 'linux' ? Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024 : 0);
    // 60,000 × 256 floats: a level-0 block of ~70 MB, written by the inserts.
    const n = 60_000;
    const dim = 256;
    const vectors = new Float32Array(n * dim).map((_, i) => Math.sin(i));
    const index = new ParallelIndex('l2', dim);
    index.initIndex({ maxElements: n, m: 4, efConstruction: 8, randomSeed: 0 });
    expect(index.addItems(vectors, Float64Array.from({ length: n }, (_, i) => i), 0, n, 2)).toBe(n);
    const before = resident();
    index.releaseMemory();
    if (process.platform === 'linux') expect(before - resident()).toBeGreaterThan(50 * 1024 * 1024);
    expect(() => index.getCurrentCount()).toThrow(/not initialised/);
    // Released twice, or before any index: nothing happens.
    index.releaseMemory();
    new ParallelIndex('l2', 4).releaseMemory();
  });
});
