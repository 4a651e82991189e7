import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { HnswlibIndex } from '../../src-main/engine/hnsw/hnswlib-index.js';
import { parallelInsert } from '../../src-main/engine/hnsw/parallel-insert.js';
import { normalizeForStorage } from '../../src-main/engine/hnsw/vector-math.js';
import { joinStandardIndex, planJoin } from '../../src-main/engine/hnsw/standard-index.js';
import { BuildExtensions } from '../../src-main/engine/write/build-extensions.js';
import { BUILD_TEMP_PREFIX, runCheckpointBuild, sweepStaleBuildTemps } from '../../src-main/engine/write/checkpoint-build.js';
import type { CheckpointBuildJob } from '../../src-main/engine/write/checkpoint-build-program.js';
import { bundleEntry } from '../helpers/bundle-entry.js';
import { repoRoot } from '../helpers/paths.js';
import { addonMissing, addonSuite } from '../helpers/addon.js';

const DIM = 24;
const hnswlibPath = createRequire(import.meta.url).resolve('hnswlib-node');
type Lib = typeof import('hnswlib-node');
const hnswlib = () => createRequire(import.meta.url)('hnswlib-node') as Lib;

/** Our addon's path (built by npm install; where it is not, the tests that need it skip and say why: test/helpers/addon.ts). */
function addon(build: 'path' | 'baseline' = 'path'): string {
  const p = parallelInsert();
  if (!p.available) throw new Error(p.reason);
  return p[build];
}
/** Why our addon is not here (its tests then skip and say so), or null. */
const missing = addonMissing();
type Inserter = readonly [name: string, inserter: () => { path: string; threads: number } | null, missing: string | null];
/** The two ways a build inserts: hnswlib-node one at a time, and our addon (here on one thread). */
const INSERTERS: readonly Inserter[] = [
  ['hnswlib-node', () => null, null],
  // Its baseline build: the AVX2 one computes distances in another order, so its graph differs in places.
  [addonSuite('our addon on one thread', missing), () => ({ path: addon('baseline'), threads: 1 }), missing],
];
const ON_TWO_THREADS: Inserter = [addonSuite('our addon on two threads', missing), () => ({ path: addon(), threads: 2 }), missing];

/** Deterministic vectors (mulberry32), so both builds insert the same points in the same order. */
function vectors(n: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => Float32Array.from({ length: DIM }, rnd));
}

/** A build job into `dir/<seg>` (a staging folder made here), from an empty graph unless `source` says otherwise. */
function job(dir: string, over: Partial<CheckpointBuildJob> & { points: Float32Array[]; firstLabel: number; seg?: string }): Omit<CheckpointBuildJob, 'stop' | 'guard'> {
  const { points, firstLabel, seg = 'seg', ...rest } = over;
  const flat = new Float32Array(points.length * DIM);
  points.forEach((p, i) => flat.set(p, i * DIM));
  fs.mkdirSync(path.join(dir, seg), { recursive: true });
  return {
    hnswlibPath,
    parallel: null,
    space: 'l2',
    dim: DIM,
    source: null,
    fresh: { M: 8, efConstruction: 40, randomSeed: 0, capacity: Math.max(100, points.length) },
    deleteLabels: new Float64Array(0),
    labels: Float64Array.from(points, (_, i) => firstLabel + i),
    vectors: flat,
    newCount: points.length,
    dest: path.join(dir, seg, '.standard-index.bin'),
    stagingDir: path.join(dir, seg),
    norms: null,
    ...rest,
  };
}

/** Enough inserts that even two threads take several progress intervals. */
const N_FREE = 20_000;

/** A checkpoint folder's files as hnswlib's single file, joined by the reader's code (standard-index.ts). */
const joined = (dir: string, seg: string) => joinStandardIndex(dir, seg);

describe('the HNSW build thread (checkpoint-build)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-build-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.for(INSERTERS)('through %s, writes the files of the same index, byte for byte, as hnswlib-node inserting in this thread (fresh, then from them with deletions and replacements)', async ([, inserter, why], { skip }) => {
    if (why !== null) skip(why);
    const parallel = inserter();
    const first = vectors(600, 1);
    // The reference: hnswlib-node in this thread, as the write engine built checkpoints before.
    const ref = HnswlibIndex.create({ space: 'l2', dim: DIM, M: 8, efConstruction: 40, capacity: first.length });
    first.forEach((v, i) => ref.upsertStored(i + 1, v));
    const refFile = path.join(dir, 'ref.bin');
    await ref.save(refFile);
    await runCheckpointBuild(job(dir, { points: first, firstLabel: 1, parallel }), 'seg');
    expect(joined(dir, 'seg').equals(fs.readFileSync(refFile))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'seg', '.standard-index.bin'))).toBe(false);
    // l2 has no norms: length.bin is zeros, one per slot of capacity.
    expect(fs.readFileSync(path.join(dir, 'seg', 'length.bin')).equals(Buffer.alloc(600 * 4))).toBe(true);

    // Second round from those files: delete three labels, replace two vectors, add 200.
    const more = vectors(200, 2);
    const replaced = vectors(2, 3);
    const ref2 = new (hnswlib().HierarchicalNSW)('l2', DIM);
    ref2.readIndexSync(refFile, false);
    for (const l of [5, 77, 300]) ref2.markDelete(l);
    ref2.resizeIndex(ref2.getCurrentCount() + more.length);
    const inserts: [number, Float32Array][] = [[10, replaced[0]!], [11, replaced[1]!], ...more.map((v, i): [number, Float32Array] => [601 + i, v])];
    for (const [l, v] of inserts) ref2.addPoint(Array.from(v), l);
    const ref2File = path.join(dir, 'ref2.bin');
    await ref2.writeIndex(ref2File);

    const plan = planJoin(dir, 'seg');
    const source = { header: plan.headerBytes, level0File: plan.level0Path, level0Bytes: plan.level0Bytes, linkLists: plan.linkLists, file: path.join(dir, 'joined.bin') };
    const second = job(dir, { points: inserts.map(([, v]) => v), firstLabel: 0, seg: 'seg2', source, newCount: more.length, parallel });
    second.labels = Float64Array.from(inserts, ([l]) => l);
    second.deleteLabels = Float64Array.from([5, 77, 300]);
    // Norms by label for the new and replaced vectors, the old file's (zeros) for the rest.
    second.norms = { labels: Float64Array.from([10, 601]), values: Float32Array.from([2.5, 7]), oldLengthFile: path.join(dir, 'seg', 'length.bin'), oldCount: 600 };
    await runCheckpointBuild(second, 'seg');
    expect(joined(dir, 'seg2').equals(fs.readFileSync(ref2File))).toBe(true);
    expect(fs.existsSync(source.file)).toBe(false);
    const norms = new Float32Array(new Uint8Array(fs.readFileSync(path.join(dir, 'seg2', 'length.bin'))).buffer);
    // Internal ids: labels 1…600 are 0…599 (label 10 kept its slot 9), 601 is 600.
    expect(norms[9]).toBe(2.5);
    expect(norms[600]).toBe(7);
    expect(norms.reduce((a, b) => a + b, 0)).toBe(9.5);
    expect(norms.length).toBe(800);
  });

  it.for(INSERTERS)('through %s, takes the inserts handed to it while it runs, and writes the files one build of them all writes, byte for byte', async ([, inserter, why], { skip }) => {
    if (why !== null) skip(why);
    const parallel = inserter();
    const all = vectors(900, 5);
    const norms = (labels: number[]) => ({ labels: Float64Array.from(labels), values: Float32Array.from(labels, (l) => l / 8) });
    const labels = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + 1 + i);
    // The reference: all 900 in one job.
    const whole = job(dir, { points: all, firstLabel: 1, parallel, seg: 'whole' });
    await runCheckpointBuild({ ...whole, norms: { ...norms(labels(0, 900)), oldLengthFile: null, oldCount: 0 } }, 'whole');

    // 600 in the job, then 200 and 100 handed over while it runs.
    const extensions = new BuildExtensions();
    const part = job(dir, { points: all.slice(0, 600), firstLabel: 1, parallel, seg: 'extended' });
    const running = runCheckpointBuild({ ...part, norms: { ...norms(labels(0, 600)), oldLengthFile: null, oldCount: 0 } }, 'extended', { extensions });
    expect(extensions.open).toBe(true);
    for (const [from, to] of [[600, 800], [800, 900]] as const) {
      const flat = new Float32Array((to - from) * DIM);
      all.slice(from, to).forEach((v, i) => flat.set(v, i * DIM));
      const n = norms(labels(from, to));
      expect(extensions.offer({ labels: n.labels, vectors: flat, norms: n.values })).toBe(true);
    }
    expect(await running).toMatchObject({ extended: 2 });
    for (const file of ['header.bin', 'data_level0.bin', 'link_lists.bin', 'length.bin']) {
      expect(fs.readFileSync(path.join(dir, 'extended', file)).equals(fs.readFileSync(path.join(dir, 'whole', file))), file).toBe(true);
    }
    // Once it is done, it takes no more.
    expect(extensions.open).toBe(false);
    expect(extensions.offer({ labels: new Float64Array(1), vectors: new Float32Array(DIM), norms: null })).toBe(false);
  });

  it.for([...INSERTERS, ON_TWO_THREADS])('through %s, leaves this thread free while it inserts: progress and timers arrive before the build is done', async ([, inserter, why], { skip }) => {
    if (why !== null) skip(why);
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const seen: [number, number][] = [];
    const cosine = vectors(N_FREE, 4).map((v) => normalizeForStorage(v));
    await runCheckpointBuild({ ...job(dir, { points: cosine, firstLabel: 1, parallel: inserter() }), space: 'ip' }, 'seg', { progress: (d, t) => seen.push([d, t]) });
    running = false;
    const partial = seen.filter(([d, t]) => d < t);
    expect(partial.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([N_FREE, N_FREE]);
    expect(ticks).toBeGreaterThan(partial.length);
    const loaded = new (hnswlib().HierarchicalNSW)('ip', DIM);
    const file = path.join(dir, 'loaded.bin');
    fs.writeFileSync(file, joined(dir, 'seg'));
    loaded.readIndexSync(file, false);
    expect(loaded.getCurrentCount()).toBe(N_FREE);
  });

  it.skipIf(missing !== null)(addonSuite('through our addon on two threads: every element with its vector, deletions, replacements, norms by label, and a graph that finds the true neighbours', missing), async () => {
    const parallel = { path: addon(), threads: 2 };
    const first = vectors(3000, 11);
    await runCheckpointBuild(job(dir, { points: first, firstLabel: 1, parallel, fresh: { M: 16, efConstruction: 100, randomSeed: 0, capacity: 3000 } }), 'seg');
    const more = vectors(500, 12);
    const replaced = vectors(2, 13);
    const deleted = [5, 77, 300];
    const inserts: [number, Float32Array][] = [[10, replaced[0]!], [11, replaced[1]!], ...more.map((v, i): [number, Float32Array] => [3001 + i, v])];
    const plan = planJoin(dir, 'seg');
    const source = { header: plan.headerBytes, level0File: plan.level0Path, level0Bytes: plan.level0Bytes, linkLists: plan.linkLists, file: path.join(dir, 'joined.bin') };
    const second = job(dir, { points: inserts.map(([, v]) => v), firstLabel: 0, seg: 'seg2', source, newCount: more.length, parallel });
    second.labels = Float64Array.from(inserts, ([l]) => l);
    second.deleteLabels = Float64Array.from(deleted);
    second.norms = { labels: Float64Array.from([10, 3001]), values: Float32Array.from([2.5, 7]), oldLengthFile: path.join(dir, 'seg', 'length.bin'), oldCount: 3000 };
    await runCheckpointBuild(second, 'seg');

    // What the vectors should be: the first 3,000 by label, two replaced, three deleted, 500 more.
    const expected = new Map<number, Float32Array>(first.map((v, i) => [i + 1, v]));
    for (const [l, v] of inserts) expected.set(l, v);
    for (const l of deleted) expected.delete(l);
    const file = path.join(dir, 'loaded.bin');
    fs.writeFileSync(file, joined(dir, 'seg2'));
    const index = new (hnswlib().HierarchicalNSW)('l2', DIM);
    index.readIndexSync(file, false);
    expect(index.getCurrentCount()).toBe(3500);
    for (const [l, v] of expected) expect(Float32Array.from(index.getPoint(l))).toEqual(v);
    for (const l of deleted) expect(() => index.getPoint(l)).toThrow();

    // Recall against an exact search written here (squared L2 in float64), 50 queries, k = 10.
    index.setEf(100);
    const live = [...expected];
    let found = 0;
    for (const q of vectors(50, 14)) {
      const d = (v: Float32Array) => v.reduce((a, x, j) => a + (x - q[j]!) ** 2, 0);
      const truth = new Set(live.map(([l, v]) => [l, d(v)] as const).sort((a, b) => a[1] - b[1]).slice(0, 10).map(([l]) => l));
      found += index.searchKnn(Array.from(q), 10).neighbors.filter((l) => truth.has(l)).length;
    }
    expect(found / 500).toBeGreaterThan(0.95);

    // length.bin by internal id: the label of each slot is read from data_level0.bin (header offsets).
    const header = fs.readFileSync(path.join(dir, 'seg2', 'header.bin'));
    const [size, labelOffset] = [Number(header.readBigUInt64LE(4 + 24)), Number(header.readBigUInt64LE(4 + 32))];
    const level0 = fs.readFileSync(path.join(dir, 'seg2', 'data_level0.bin'));
    const norms = new Float32Array(new Uint8Array(fs.readFileSync(path.join(dir, 'seg2', 'length.bin'))).buffer);
    const slotOf = (label: number) => [...Array(3500).keys()].find((i) => Number(level0.readBigUInt64LE(i * size + labelOffset)) === label)!;
    expect(norms[slotOf(10)]).toBe(2.5);
    expect(norms[slotOf(3001)]).toBe(7);
    expect(norms.reduce((a, b) => a + b, 0)).toBe(9.5);
  });

  it('removes the temp folders of builds whose process is gone (a killed build leaves its joined index there), and no other', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const made = {
      gone: `${BUILD_TEMP_PREFIX}${gone}-a1b2c3`,
      mine: `${BUILD_TEMP_PREFIX}${process.pid}-d4e5f6`,
      oldUnnamed: `${BUILD_TEMP_PREFIX}Xy12Ab`,
      newUnnamed: `${BUILD_TEMP_PREFIX}Zq34Cd`,
      unrelated: 'someone-else',
    };
    for (const name of Object.values(made)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'index.bin'), 'x');
    }
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    fs.utimesSync(path.join(dir, made.oldUnnamed), twoDaysAgo, twoDaysAgo);
    sweepStaleBuildTemps(dir);
    expect(fs.readdirSync(dir).sort()).toEqual([made.mine, made.newUnnamed, made.unrelated].sort());
  });

  it('a run of the addon that stops short is taken as a stop, not as done', async () => {
    // An addon whose every run is cut short at once, as when its stop word is set mid-run.
    class ShortIndex {
      initIndex() {}
      readIndexSync() {}
      markDelete() {}
      getCurrentCount() {
        return 0;
      }
      getMaxElements() {
        return 100;
      }
      resizeIndex() {}
      writeIndexSync() {
        throw new Error('a stopped build must not save');
      }
      addItems(_v: Float32Array, _l: Float64Array, start: number, end: number) {
        return Math.max(0, end - start - 1);
      }
    }
    const posted: unknown[] = [];
    const { buildCheckpointIndex } = await import('../../src-main/engine/write/checkpoint-build-program.js');
    const j = { ...job(dir, { points: vectors(40, 8), firstLabel: 1, parallel: { path: 'unused', threads: 2 } }), stop: new SharedArrayBuffer(4), guard: new SharedArrayBuffer(8) };
    await buildCheckpointIndex(j, { hnswlib: hnswlib() as never, parallel: { ParallelIndex: ShortIndex } }, fs, path, (m) => posted.push(m));
    expect(posted.at(-1)).toEqual({ stopped: true });
  });

  it.for([INSERTERS[0]!, ON_TWO_THREADS])('through %s, a cancel stops the thread and rejects with CANCELLED', async ([, inserter, why], { skip }) => {
    if (why !== null) skip(why);
    const parallel = inserter();
    const ac = new AbortController();
    const pts = vectors(20000, 5);
    const seg = parallel ? 'seg-parallel' : 'seg';
    const run = runCheckpointBuild(job(dir, { points: pts, firstLabel: 1, parallel, seg }), seg, { signal: ac.signal, progress: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fs.readdirSync(path.join(dir, seg))).toEqual([]);
  });

  it('a file hnswlib cannot load is CORRUPT_HNSW naming the segment', async () => {
    const garbage = path.join(dir, 'garbage.bin');
    fs.writeFileSync(garbage, Buffer.alloc(64, 7));
    const source = { header: Buffer.alloc(96, 7), level0File: garbage, level0Bytes: 64, linkLists: Buffer.alloc(0), file: path.join(dir, 'garbage-joined.bin') };
    const bad = runCheckpointBuild(job(dir, { points: vectors(3, 6), firstLabel: 1, source }), '1f0e-segment');
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect(err).toMatchObject({ code: 'CORRUPT_HNSW' });
    expect((err as Error).message).toMatch(/^1f0e-segment: hnswlib could not load the checkpoint/);
  });
});

describe('the HNSW build and the thread it runs from', () => {
  let child: string;
  beforeAll(async () => {
    child = (await bundleEntry(path.join(repoRoot, 'test', 'write', 'build-thread-child.ts'))).file;
  }, 60_000);

  it('a process that exits while its build thread is inside hnswlib-node exits cleanly (it would otherwise abort)', () => {
    const run = spawnSync(process.execPath, [child, 'exit'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/FATAL/);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  });

  it('a process that exits during a build on two threads of our addon exits cleanly', () => {
    const run = spawnSync(process.execPath, [child, 'exit', 'parallel'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/FATAL/);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  });

  it('a thread inside one long insert of our addon leaves it within a few inserts once termination is coming, and is terminated cleanly', () => {
    const run = spawnSync(process.execPath, [child, 'terminate', 'parallel'], { encoding: 'utf8', timeout: 180_000 });
    expect(run.stderr).not.toMatch(/FATAL/);
    expect(run.status).toBe(0);
    const waits = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { waited: number; out: boolean; result: { added: number; of: number } });
    expect(waits).toHaveLength(8);
    // Each time out of native code, and because the insert stopped early, not because it ended.
    for (const w of waits) {
      expect(w).toMatchObject({ out: true });
      expect(w.result.added).toBeLessThan(w.result.of);
    }
    expect(run.stdout).toContain('terminated');
  });

  it('a thread inserting into hnswlib-node is terminated cleanly once its native-call flags say it is out (the serve pool\u2019s way)', () => {
    const run = spawnSync(process.execPath, [child, 'terminate'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/FATAL/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('terminated');
  });

  it.each(['hnswlib-node', 'parallel'])('from a worker thread (a serve engine), the build runs in that thread in slices: its timers keep running (%s)', (variant) => {
    const run = spawnSync(process.execPath, [child, 'in-thread', variant], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim()) as { ticks: number; progress: number; bytes: number };
    // A timer turn per slice (built in one go, the 1 ms timer would run once, at the start).
    expect(out.progress).toBeGreaterThan(10);
    expect(out.ticks).toBeGreaterThanOrEqual(out.progress - 1);
    // header.bin, data_level0.bin (20,000 × (4 + 32·4 + 32·4 + 8)), length.bin, link_lists.bin.
    expect(out.bytes).toBeGreaterThan(100 + 20_000 * 268 + 20_000 * 4);
  });
});
