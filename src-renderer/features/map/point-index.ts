/** A uniform grid over [-1, 1]² for finding the point nearest a position (hover and click). */
export class PointIndex {
  private readonly cells: Int32Array;
  private readonly starts: Int32Array;
  private readonly n: number;

  constructor(private readonly xy: Float32Array) {
    const count = xy.length / 2;
    this.n = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(count / 4))));
    const cellOf = (i: number) => this.cell(xy[2 * i]!, xy[2 * i + 1]!);
    const counts = new Int32Array(this.n * this.n + 1);
    for (let i = 0; i < count; i++) counts[cellOf(i) + 1]!++;
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.starts = counts.slice();
    this.cells = new Int32Array(count);
    const fill = counts.slice();
    for (let i = 0; i < count; i++) this.cells[fill[cellOf(i)]!++] = i;
  }

  private coord(v: number): number {
    return Math.min(this.n - 1, Math.max(0, Math.floor(((v + 1) / 2) * this.n)));
  }

  private cell(x: number, y: number): number {
    return this.coord(y) * this.n + this.coord(x);
  }

  /** The point nearest (x, y) within `radius` (data units), or null. */
  nearest(x: number, y: number, radius: number): number | null {
    const [x0, x1, y0, y1] = [this.coord(x - radius), this.coord(x + radius), this.coord(y - radius), this.coord(y + radius)];
    let best: number | null = null;
    let bestD = radius * radius;
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        const c = cy * this.n + cx;
        for (let k = this.starts[c]!; k < this.starts[c + 1]!; k++) {
          const i = this.cells[k]!;
          const d = (this.xy[2 * i]! - x) ** 2 + (this.xy[2 * i + 1]! - y) ** 2;
          if (d <= bestD) [best, bestD] = [i, d];
        }
      }
    }
    return best;
  }
}

/** Indices of the points inside a polygon (data coordinates), by the even-odd rule. */
export function pointsInPolygon(xy: Float32Array, polygon: [number, number][]): number[] {
  if (polygon.length < 3) return [];
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of polygon) [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  const out: number[] = [];
  for (let i = 0; i < xy.length / 2; i++) {
    const [px, py] = [xy[2 * i]!, xy[2 * i + 1]!];
    if (px < minX || px > maxX || py < minY || py > maxY) continue;
    let inside = false;
    for (let a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
      const [ax, ay] = polygon[a]!;
      const [bx, by] = polygon[b]!;
      if (ay > py !== by > py && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return out;
}
