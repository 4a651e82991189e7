import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pca } from '../../src-main/engine/map/pca.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';

/**
 * The embedding map against data whose principal axes are known by construction: points spread
 * along two chosen orthogonal directions with known variances, plus small noise.
 */

const dim = 10;
let seed = 3;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
// Two orthogonal directions: e1 + e2 and e3 - e4 (normalised).
const d1 = unit([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
const d2 = unit([0, 0, 1, -1, 0, 0, 0, 0, 0, 0]);
const offset = [5, -2, 0.5, 1, 0, 0, 3, 0, 0, -1];
function point(): number[] {
  const a = 4 * rand(); // variance 16/3
  const b = 1.5 * rand(); // variance 0.75
  return offset.map((o, j) => o + a * d1[j]! + b * d2[j]! + 0.01 * rand());
}
const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((s, v, i) => s + v * y[i]!, 0);

describe('PCA', () => {
  it('finds the two directions the data was spread along, in order, with their variance shares', () => {
    const rows = 3000;
    const data = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) data.set(point(), r * dim);
    const { axes, explained, mean } = pca(data, rows, dim);
    expect(Math.abs(dot(axes[0], d1))).toBeGreaterThan(0.999);
    expect(Math.abs(dot(axes[1], d2))).toBeGreaterThan(0.999);
    // Uniform on [-s, s] has variance s²/3; the noise adds 10 × 0.01²/3.
    const [v1, v2, noise] = [16 / 3, 0.75, (dim * 1e-4) / 3];
    expect(explained[0]).toBeCloseTo(v1 / (v1 + v2 + noise), 1);
    expect(explained[1]).toBeCloseTo(v2 / (v1 + v2 + noise), 1);
    offset.forEach((o, j) => expect(mean[j]).toBeCloseTo(o, 1));
  });
});

describe('embedding map of a collection', () => {
  let dir: string;
  let folder: ChromaFolder;
  const n = 400;
  const points = Array.from({ length: n }, () => point());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'map-'));
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({ name: 'spread', embeddingFunction: null, metadata: { 'hnsw:space': 'l2' } });
    await col.add({
      ids: points.map((_, i) => `p${i}`),
      embeddings: points,
      metadatas: points.map((p, i) => ({ side: dot(p, d1) - dot(offset, d1) > 0 ? 'right' : 'left', weight: i })),
    });
    await client.close();
    folder = ChromaFolder.open(dir);
  });
  afterAll(() => {
    folder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const coords = (xy: string) => new Float32Array(Buffer.from(xy, 'base64').buffer.slice(0));

  it('puts every record on the map, x along the main direction, inside [-1, 1]', () => {
    const map = folder.embeddingMap({ name: 'spread' });
    expect(map).toMatchObject({ method: 'pca', total: n, count: n, sampled: false });
    const xy = coords(map.xy);
    expect(xy.length).toBe(2 * n);
    for (const v of xy) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    // x orders the points as their coordinate along d1 does (up to the axis's sign).
    const along = map.ids.map((id) => dot(points[Number(id.slice(1))]!, d1));
    const xs = map.ids.map((_, i) => xy[2 * i]!);
    const corr = correlation(along, xs);
    expect(Math.abs(corr)).toBeGreaterThan(0.999);
  });

  it('samples uniformly above maxPoints, and says so', () => {
    const map = folder.embeddingMap({ name: 'spread' }, 100);
    expect(map).toMatchObject({ total: n, count: 100, sampled: true });
    expect(new Set(map.ids).size).toBe(100);
  });

  it('colours by a string key (categories) and a number key (scaled)', () => {
    const map = folder.embeddingMap({ name: 'spread' });
    const side = folder.mapColors({ name: 'spread' }, 'side');
    expect(side.kind).toBe('category');
    expect([...side.categories].sort()).toEqual(['left', 'right']);
    const xy = coords(map.xy);
    // The side was decided by the coordinate along d1, which x shows: one category per half.
    const rightX = map.ids.map((_, i) => xy[2 * i]!).filter((_, i) => side.categories[side.values[i]!] === 'right');
    const leftX = map.ids.map((_, i) => xy[2 * i]!).filter((_, i) => side.categories[side.values[i]!] === 'left');
    expect(Math.min(...rightX) > Math.max(...leftX) || Math.max(...rightX) < Math.min(...leftX)).toBe(true);
    const weight = folder.mapColors({ name: 'spread' }, 'weight');
    expect(weight).toMatchObject({ kind: 'number', min: 0, max: n - 1 });
    map.ids.forEach((id, i) => expect(weight.values[i]).toBeCloseTo(Number(id.slice(1)) / (n - 1), 9));
    const none = folder.mapColors({ name: 'spread' }, 'absent-key');
    expect(none.values.every((v) => v === -1)).toBe(true);
  });

  it('projects a query vector where its nearest record is', () => {
    const map = folder.embeddingMap({ name: 'spread' });
    const xy = coords(map.xy);
    const i = map.ids.indexOf('p7');
    const [x, y] = folder.projectOnMap({ name: 'spread' }, points[7]!);
    expect(x).toBeCloseTo(xy[2 * i]!, 4);
    expect(y).toBeCloseTo(xy[2 * i + 1]!, 4);
    expect(() => folder.projectOnMap({ name: 'spread' }, [1, 2])).toThrow(/dimension 10/);
  });
});

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
