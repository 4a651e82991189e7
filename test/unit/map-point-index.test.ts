import { describe, expect, it } from 'vitest';
import { PointIndex, pointsInPolygon } from '../../src-renderer/features/map/point-index.js';

/** The map's hit testing against a brute force over every point. */
describe('map point index', () => {
  let seed = 9;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const n = 5000;
  const xy = Float32Array.from({ length: 2 * n }, rand);

  it('finds the nearest point within a radius, as a brute force does', () => {
    const index = new PointIndex(xy);
    for (let t = 0; t < 200; t++) {
      const [x, y, r] = [rand(), rand(), 0.01 + Math.abs(rand()) * 0.05];
      let best: number | null = null;
      let bestD = r * r;
      for (let i = 0; i < n; i++) {
        const d = (xy[2 * i]! - x) ** 2 + (xy[2 * i + 1]! - y) ** 2;
        if (d <= bestD) [best, bestD] = [i, d];
      }
      expect(index.nearest(x, y, r)).toBe(best);
    }
  });

  it('selects the points inside a lasso polygon, concave ones included', () => {
    // An L shape: the unit square's left column and bottom row of a 3 × 3 grid of cells.
    const polygon: [number, number][] = [
      [-0.9, -0.9],
      [0.9, -0.9],
      [0.9, -0.3],
      [-0.3, -0.3],
      [-0.3, 0.9],
      [-0.9, 0.9],
    ];
    const inside = (x: number, y: number) => x > -0.9 && y > -0.9 && ((y < -0.3 && x < 0.9) || (x < -0.3 && y < 0.9));
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => inside(xy[2 * i]!, xy[2 * i + 1]!));
    expect(pointsInPolygon(xy, polygon)).toEqual(expected);
    expect(pointsInPolygon(xy, polygon.slice(0, 2))).toEqual([]);
  });
});
