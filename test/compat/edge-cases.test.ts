import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/index.js';
import { shortestFloat32 } from '../../src-main/engine/util/float32-text.js';
import { referenceFixture } from '../helpers/paths.js';
import { CHROMA_VERSION, chromaClients, realChromaProblem, reportSkip, startChroma, stopAllChroma } from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS shared with the node script that records real Chroma
import { disabledIndexesSchema, runEdgeCases, setupEdgeCollections } from './edge-cases.mjs';
// @ts-expect-error -- plain JS
import { importChromadb } from '../reference-chroma/record-fixture.mjs';

/**
 * Edge cases of the read API (test/compat/edge-cases.mjs) answered by PersistentClient exactly as
 * Chroma 1.3.4 answers them through the chromadb 3.5 client: against the answers recorded in
 * test/fixtures/reference/edge-cases-1.3.4.json, and, where real Chroma runs, against Chroma live on
 * a folder it wrote.
 */

interface EdgeCase {
  collection: string;
  label: string;
  op: 'get' | 'query';
  args: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: string;
  errorName?: string;
}
interface Recording {
  chroma: string;
  cases: EdgeCase[];
  schemas: Record<string, string | null>;
}

const recording = JSON.parse(readFileSync(referenceFixture('edge-cases-1.3.4.json'), 'utf8')) as Recording;

/**
 * Chroma computes distances with its own SIMD arithmetic, so they are compared to within float32
 * rounding; every other number exactly. Every float32 number must also print in its shortest form,
 * as Chroma's does.
 */
function difference(expected: unknown, got: unknown, path: string, inDistances = false): string | null {
  if (typeof expected === 'number' && typeof got === 'number') {
    if (!inDistances) return Object.is(expected, got) ? null : `${path}: expected ${expected}, got ${got}`;
    if (String(got) !== String(shortestFloat32(got))) return `${path}: ${got} is not float32 in shortest form`;
    return Math.abs(expected - got) <= 1e-6 + 1e-5 * Math.abs(expected) ? null : `${path}: expected ${expected}, got ${got}`;
  }
  if (Array.isArray(expected) && Array.isArray(got)) {
    if (expected.length !== got.length) return `${path}: expected ${expected.length} items, got ${got.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = difference(expected[i], got[i], `${path}[${i}]`, inDistances);
      if (d) return d;
    }
    return null;
  }
  if (expected && got && typeof expected === 'object' && typeof got === 'object') {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])];
    for (const k of keys) {
      const d = difference((expected as Record<string, unknown>)[k], (got as Record<string, unknown>)[k], `${path}.${k}`, inDistances || k === 'distances');
      if (d) return d;
    }
    return null;
  }
  return Object.is(expected, got) ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`;
}

/**
 * Where the chromadb client itself crashes on a malformed argument (a TypeError from its own
 * code), PersistentClient refuses with a readable message instead: both must refuse.
 */
function mismatch(expected: EdgeCase, got: EdgeCase): string | null {
  const where = `${expected.collection} | ${expected.label}`;
  if (expected.errorName === 'TypeError') return got.error === undefined ? `${where}: Chroma's client refused (${expected.error}), we answered` : null;
  if (expected.error !== undefined || got.error !== undefined) {
    if (expected.error !== got.error || expected.errorName !== got.errorName) {
      return `${where}: expected ${expected.errorName ?? 'an answer'}: ${expected.error ?? JSON.stringify(expected.result)}; got ${got.errorName ?? 'an answer'}: ${got.error ?? JSON.stringify(got.result)}`;
    }
    return null;
  }
  const d = difference(expected.result, got.result, '$');
  return d ? `${where}: ${d}` : null;
}

/**
 * Differences owned by other parts of the engine, listed so that the test says when they are
 * fixed. Exhaustive search over WAL vectors computes inner products in f64, where Chroma's f32
 * products overflow to infinity (3e38·2), so it returns a finite distance where Chroma returns null.
 */
const KNOWN_DIFFERENCES_LIVE: Record<string, string> = {};

async function ourAnswers(folder: string): Promise<EdgeCase[]> {
  const c = new PersistentClient({ path: folder });
  try {
    return (await runEdgeCases({ client: () => c })) as EdgeCase[];
  } finally {
    await c.close();
  }
}

const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'chroma-edges-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  stopAllChroma();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('edge cases: recorded answers of Chroma 1.3.4', () => {
  it('PersistentClient answers every recorded edge case as Chroma did', async () => {
    // The same collections written by PersistentClient, `noindex` given the schema Chroma wrote.
    const folder = join(tempDir(), 'data');
    const writer = new PersistentClient({ path: folder });
    await setupEdgeCollections({ client: () => writer, schemaWithDisabledIndexes: () => undefined });
    await writer.close();
    const db = new Database(join(folder, 'chroma.sqlite3'));
    try {
      db.prepare('UPDATE collections SET schema_str = ? WHERE name = ?').run(recording.schemas.noindex, 'noindex');
    } finally {
      db.close();
    }
    const ours = await ourAnswers(folder);
    expect(ours.map((c) => c.label)).toEqual(recording.cases.map((c) => c.label));
    expect(recording.cases.map((c, i) => mismatch(c, ours[i]!)).filter(Boolean)).toEqual([]);
  }, 60_000);

  it('prints float32 numbers in their shortest round-trip form', () => {
    for (const [x, text] of [
      [Math.fround(-0.8231), '-0.8231'],
      [Math.fround(0.1), '0.1'],
      [Math.fround(1e-7), '1e-7'],
      [Math.fround(3.4028234663852886e38), '3.4028235e+38'],
      [Math.fround(0.33333334), '0.33333334'],
      [2 ** -149, '1e-45'],
      [2 ** 24, '16777216'],
      [2 ** 127, '1.7014118e+38'],
      [Math.fround(16777217), '16777216'],
      [0, '0'],
      [-0, '0'],
    ] as const) {
      expect(String(shortestFloat32(x))).toBe(text);
    }
    expect(shortestFloat32(Infinity)).toBe(Infinity);
    expect(shortestFloat32(NaN)).toBeNaN();
    // Random float32s and the neighbours of every power of two (where the gap below is half the
    // gap above): each answer reads back as its float32, and no decimal with a digit fewer does.
    const digitsOf = (v: number) => v.toExponential().split('e')[0]!.replace(/[-.]/g, '').length;
    const shorterExists = (x: number, digits: number) => {
      if (digits <= 1) return false;
      const [m, e] = x.toExponential(digits - 2).split('e') as [string, string];
      const mantissa = Number(m.replace('.', ''));
      const scale = Number(e) - (digits - 2);
      return [-1, 0, 1].some((d) => Math.fround(Number(`${mantissa + d}e${scale}`)) === x);
    };
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const samples: number[] = [];
    for (let e = -149; e <= 127; e++) samples.push(2 ** e, Math.fround(2 ** e * (1 + 2 ** -23)), Math.fround(2 ** e * (1 - 2 ** -24)));
    for (let i = 0; i < 20000; i++) {
      bits[0] = (Math.random() * 2 ** 32) >>> 0;
      if (Number.isFinite(asFloat[0]!)) samples.push(asFloat[0]!);
    }
    const wrong = samples.filter((x) => {
      const s = shortestFloat32(x);
      return Math.fround(s) !== x || shorterExists(x, digitsOf(s));
    });
    expect(wrong).toEqual([]);
  });
});

const problem = realChromaProblem();
reportSkip('edge cases', problem);

describe.skipIf(problem !== null)(`edge cases: real Chroma ${CHROMA_VERSION} live`, () => {
  it('answers as recorded, and PersistentClient answers as Chroma on the folder it wrote', async () => {
    const folder = join(tempDir(), 'data');
    const chromadb = await importChromadb();
    const server = await startChroma(folder);
    let chroma: EdgeCase[];
    try {
      const { client } = await chromaClients(server.port);
      await setupEdgeCollections({ client, schemaWithDisabledIndexes: () => disabledIndexesSchema(chromadb) });
      chroma = (await runEdgeCases({ client })) as EdgeCase[];
    } finally {
      await server.stop();
    }
    // The recording is still what Chroma answers.
    expect(recording.cases.map((c, i) => mismatch(c, chroma[i]!)).filter(Boolean)).toEqual([]);
    const copy = join(tempDir(), 'data');
    cpSync(folder, copy, { recursive: true });
    const ours = await ourAnswers(copy);
    const differences = chroma.map((c, i) => mismatch(c, ours[i]!)).filter((d): d is string => d !== null);
    expect(differences.filter((d) => !Object.keys(KNOWN_DIFFERENCES_LIVE).some((k) => d.startsWith(`${k}:`)))).toEqual([]);
    // A known difference that went away must leave the list.
    for (const k of Object.keys(KNOWN_DIFFERENCES_LIVE)) expect(differences.some((d) => d.startsWith(`${k}:`)), k).toBe(true);
  }, 180_000);
});
