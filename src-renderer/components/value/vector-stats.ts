export interface VectorStats {
  norm: number;
  min: number;
  max: number;
}

export function vectorStats(v: readonly number[]): VectorStats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { norm: Math.sqrt(sum), min: v.length ? min : 0, max: v.length ? max : 0 };
}
