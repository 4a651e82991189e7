import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Shared paths and fixture utilities for the hnsw tests. Fixtures are only ever read. */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesRoot = path.resolve(repoRoot, 'test/fixtures');
export const seed7Root = path.join(fixturesRoot, 'reference/chroma-1.3.4-seed7');
export const seed7 = path.join(seed7Root, 'data');
export const sample134 = path.join(fixturesRoot, 'reference/sample-1.3.4');

/** seed7 vector segments with a pickle: `articles` (cosine, 16-d) and `inner` (ip, 32-d). */
export const ARTICLES = '3ff36477-e20e-40a5-a49b-a4ff189f5ab7';
export const INNER = 'f39d38a1-33ea-4baa-bed2-a6f934e4bd9a';
/** seed7 `points` segment: never persisted (no pickle, empty header). */
export const POINTS = 'b6155c4e-d9e4-4231-8639-277ac1049664';

/** better-sqlite3 ships no types in this repo; the tests need only these calls. */
export interface Db {
  prepare(sql: string): { all(...args: unknown[]): unknown[]; get(...args: unknown[]): unknown };
  close(): void;
}

/** Opens a fixture database strictly read-only. */
export function openSqlite(file: string): Db {
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, opts: object) => Db;
  return new Database(file, { readonly: true, fileMustExist: true });
}

export interface TempCopy {
  root: string;
  segDir: string;
  file(name: string): string;
  cleanup(): void;
}

/** Copies one segment folder into a fresh temp "Chroma folder" with writable permissions, for damage tests. */
export function copySegment(srcRoot: string, seg: string): TempCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hnsw-test-'));
  const segDir = path.join(root, seg);
  fs.mkdirSync(segDir);
  for (const name of fs.readdirSync(path.join(srcRoot, seg))) {
    const dest = path.join(segDir, name);
    fs.copyFileSync(path.join(srcRoot, seg, name), dest);
    fs.chmodSync(dest, 0o644);
  }
  return {
    root,
    segDir,
    file: (name) => path.join(segDir, name),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** name → size:mtime for every file of a folder, to prove a reader changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const st = fs.statSync(path.join(dir, name));
    out[name] = `${st.size}:${st.mtimeMs}`;
  }
  return out;
}

export interface CaseRecord {
  collection: string;
  label: string;
  op: string;
  args: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: string;
}

export function loadCases(): CaseRecord[] {
  return (JSON.parse(fs.readFileSync(path.join(seed7Root, 'cases.json'), 'utf8')) as { cases: CaseRecord[] }).cases;
}

export function relClose(actual: number, expected: number, rel = 1e-6, abs = 1e-6): boolean {
  return Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
}

// --- a tiny pickle writer (protocol 3, Rust/serde-pickle style) for building test inputs ------------

export type PyValue = null | boolean | number | string | PyValue[] | Map<PyValue, PyValue> | { [k: string]: PyValue };

export function pickleDumps(value: PyValue): Buffer {
  const parts: Buffer[] = [Buffer.from([0x80, 3])];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const emit = (v: PyValue): void => {
    if (v === null) parts.push(Buffer.from('N'));
    else if (v === true) parts.push(Buffer.from([0x88]));
    else if (v === false) parts.push(Buffer.from([0x89]));
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) {
        const b = Buffer.alloc(9);
        b[0] = 0x47;
        b.writeDoubleBE(v, 1);
        parts.push(b);
      } else if (v >= -(2 ** 31) && v < 2 ** 31) {
        const b = Buffer.alloc(5);
        b[0] = 0x4a;
        b.writeInt32LE(v, 1);
        parts.push(b);
      } else {
        const b = Buffer.alloc(10);
        b[0] = 0x8a;
        b[1] = 8;
        b.writeBigInt64LE(BigInt(v), 2);
        parts.push(b);
      }
    } else if (typeof v === 'string') {
      const s = Buffer.from(v, 'utf8');
      parts.push(Buffer.from('X'), u32(s.length), s);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from(']'));
      if (v.length > 0) {
        parts.push(Buffer.from('('));
        v.forEach(emit);
        parts.push(Buffer.from('e'));
      }
    } else {
      const entries: [PyValue, PyValue][] = v instanceof Map ? [...v] : Object.entries(v);
      parts.push(Buffer.from('}'));
      if (entries.length > 0) {
        parts.push(Buffer.from('('));
        for (const [k, val] of entries) {
          emit(k);
          emit(val);
        }
        parts.push(Buffer.from('u'));
      }
    }
  };
  emit(value);
  parts.push(Buffer.from('.'));
  return Buffer.concat(parts);
}

/** A Rust-form index_metadata pickle for the given id → label map. */
export function rustPickle(idToLabel: Map<string, number>, total: number, extra: Partial<Record<string, PyValue>> = {}): Buffer {
  const labelToId = new Map<PyValue, PyValue>([...idToLabel].map(([id, label]) => [label, id]));
  return pickleDumps({
    dimensionality: null,
    total_elements_added: total,
    max_seq_id: null,
    id_to_label: new Map<PyValue, PyValue>(idToLabel),
    label_to_id: labelToId,
    id_to_seq_id: new Map(),
    ...extra,
  } as PyValue);
}
