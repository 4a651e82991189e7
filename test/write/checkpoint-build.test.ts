import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { HnswlibIndex } from '../../src-main/engine/hnsw/hnswlib-index.js';
import { normalizeForStorage } from '../../src-main/engine/hnsw/vector-math.js';
import { runCheckpointBuild } from '../../src-main/engine/write/checkpoint-build.js';
import type { CheckpointBuildJob } from '../../src-main/engine/write/checkpoint-build-program.js';

const DIM = 24;
const hnswlibPath = createRequire(import.meta.url).resolve('hnswlib-node');

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

function job(dir: string, over: Partial<CheckpointBuildJob> & { points: Float32Array[]; firstLabel: number }): Omit<CheckpointBuildJob, 'stop'> {
  const { points, firstLabel, ...rest } = over;
  const flat = new Float32Array(points.length * DIM);
  points.forEach((p, i) => flat.set(p, i * DIM));
  return {
    hnswlibPath,
    space: 'l2',
    dim: DIM,
    source: null,
    fresh: { M: 8, efConstruction: 40, randomSeed: 0, capacity: Math.max(100, points.length) },
    deleteLabels: new Float64Array(0),
    labels: Float64Array.from(points, (_, i) => firstLabel + i),
    vectors: flat,
    newCount: points.length,
    dest: path.join(dir, 'built.bin'),
    ...rest,
  };
}

describe('the HNSW build thread (checkpoint-build)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-build-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the same index, byte for byte, as hnswlib-node inserting in this thread (fresh, then from it with deletions and replacements)', async () => {
    const first = vectors(600, 1);
    // The reference: hnswlib-node in this thread, as the write engine built checkpoints before.
    const ref = HnswlibIndex.create({ space: 'l2', dim: DIM, M: 8, efConstruction: 40, capacity: first.length });
    first.forEach((v, i) => ref.upsertStored(i + 1, v));
    const refFile = path.join(dir, 'ref.bin');
    await ref.save(refFile);
    await runCheckpointBuild(job(dir, { points: first, firstLabel: 1 }), 'seg');
    expect(fs.readFileSync(path.join(dir, 'built.bin')).equals(fs.readFileSync(refFile))).toBe(true);

    // Second round from the saved file: delete three labels, replace two vectors, add 200.
    const more = vectors(200, 2);
    const replaced = vectors(2, 3);
    const ref2Src = path.join(dir, 'ref2-src.bin');
    fs.copyFileSync(refFile, ref2Src);
    const lib = createRequire(import.meta.url)('hnswlib-node') as typeof import('hnswlib-node');
    const ref2 = new lib.HierarchicalNSW('l2', DIM);
    ref2.readIndexSync(ref2Src, false);
    for (const l of [5, 77, 300]) ref2.markDelete(l);
    ref2.resizeIndex(ref2.getCurrentCount() + more.length);
    const inserts: [number, Float32Array][] = [[10, replaced[0]!], [11, replaced[1]!], ...more.map((v, i): [number, Float32Array] => [601 + i, v])];
    for (const [l, v] of inserts) ref2.addPoint(Array.from(v), l);
    const ref2File = path.join(dir, 'ref2.bin');
    await ref2.writeIndex(ref2File);

    const second = job(dir, { points: inserts.map(([, v]) => v), firstLabel: 0, source: refFile, newCount: more.length, dest: path.join(dir, 'built2.bin') });
    second.labels = Float64Array.from(inserts, ([l]) => l);
    second.deleteLabels = Float64Array.from([5, 77, 300]);
    await runCheckpointBuild(second, 'seg');
    expect(fs.readFileSync(path.join(dir, 'built2.bin')).equals(fs.readFileSync(ref2File))).toBe(true);
  });

  it('leaves this thread free while it inserts: progress and timers arrive before the build is done', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const seen: [number, number][] = [];
    const cosine = vectors(6000, 4).map((v) => normalizeForStorage(v));
    await runCheckpointBuild({ ...job(dir, { points: cosine, firstLabel: 1 }), space: 'ip' }, 'seg', { progress: (d, t) => seen.push([d, t]) });
    running = false;
    const partial = seen.filter(([d, t]) => d < t);
    expect(partial.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([6000, 6000]);
    expect(ticks).toBeGreaterThan(partial.length);
    const lib = createRequire(import.meta.url)('hnswlib-node') as typeof import('hnswlib-node');
    const loaded = new lib.HierarchicalNSW('ip', DIM);
    loaded.readIndexSync(path.join(dir, 'built.bin'), false);
    expect(loaded.getCurrentCount()).toBe(6000);
  });

  it('a cancel stops the thread and rejects with CANCELLED; a file hnswlib cannot load is CORRUPT_HNSW naming the segment', async () => {
    const ac = new AbortController();
    const pts = vectors(20000, 5);
    const run = runCheckpointBuild(job(dir, { points: pts, firstLabel: 1 }), 'seg', { signal: ac.signal, progress: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fs.existsSync(path.join(dir, 'built.bin'))).toBe(false);

    const garbage = path.join(dir, 'garbage.bin');
    fs.writeFileSync(garbage, Buffer.alloc(64, 7));
    const bad = runCheckpointBuild(job(dir, { points: vectors(3, 6), firstLabel: 1, source: garbage }), '1f0e-segment');
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect(err).toMatchObject({ code: 'CORRUPT_HNSW' });
    expect((err as Error).message).toMatch(/^1f0e-segment: hnswlib could not load the checkpoint/);
  });
});
