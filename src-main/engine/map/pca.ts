import { runSteps, type Steps } from '../util/steps.js';

/** Two principal axes of a set of vectors (rows of `data`, `dim` wide), by power iteration. */
export interface Pca {
  mean: Float64Array;
  axes: [Float64Array, Float64Array];
  /** The share of the total variance along each axis. */
  explained: [number, number];
}

const ITERATIONS = 60;

/**
 * Power iteration on the covariance without forming it (each step is one pass over the rows, so
 * 1,536-dimensional vectors cost what 128-dimensional ones do per row), the second axis kept
 * orthogonal to the first. Seeded start vectors: the same data gives the same axes (up to sign,
 * which is fixed so that the largest component is positive).
 */
export function pca(data: Float32Array, rows: number, dim: number): Pca {
  return runSteps(pcaSteps(data, rows, dim));
}

/** pca as steps (util/steps.ts): a pause after each pass over the rows. */
export function* pcaSteps(data: Float32Array, rows: number, dim: number): Steps<Pca> {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) mean[i]! += data[r * dim + i]!;
  for (let i = 0; i < dim; i++) mean[i]! /= Math.max(1, rows);
  let total = 0;
  for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) total += (data[r * dim + i]! - mean[i]!) ** 2;
  const axes: Float64Array[] = [];
  const variances: number[] = [];
  for (let a = 0; a < 2; a++) {
    let v = new Float64Array(dim).map((_, i) => Math.sin(i * 12.9898 + a * 78.233 + 1));
    orthonormalize(v, axes);
    let lambda = 0;
    for (let it = 0; it < ITERATIONS; it++) {
      yield;
      const next = new Float64Array(dim);
      for (let r = 0; r < rows; r++) {
        let p = 0;
        const base = r * dim;
        for (let i = 0; i < dim; i++) p += (data[base + i]! - mean[i]!) * v[i]!;
        for (let i = 0; i < dim; i++) next[i]! += p * (data[base + i]! - mean[i]!);
      }
      lambda = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
      if (lambda === 0) break;
      orthonormalize(next, axes);
      v = next;
    }
    let big = 0;
    for (let i = 0; i < dim; i++) if (Math.abs(v[i]!) > Math.abs(big)) big = v[i]!;
    if (big < 0) for (let i = 0; i < dim; i++) v[i] = -v[i]!;
    axes.push(v);
    variances.push(lambda);
  }
  return { mean, axes: [axes[0]!, axes[1]!], explained: [total > 0 ? variances[0]! / total : 0, total > 0 ? variances[1]! / total : 0] };
}

/** Removes the components along `axes` (orthonormal) and scales to unit length. */
function orthonormalize(v: Float64Array, axes: Float64Array[]): void {
  for (const a of axes) {
    let d = 0;
    for (let i = 0; i < v.length; i++) d += v[i]! * a[i]!;
    for (let i = 0; i < v.length; i++) v[i]! -= d * a[i]!;
  }
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
}
