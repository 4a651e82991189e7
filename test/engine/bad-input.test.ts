import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { InspectorError, type ErrorCode } from '../../shared/errors.js';
import { referenceFixture } from '../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'ci-bad-input-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** A private copy of a reference folder to damage. */
function copyFixture(name = 'chroma-1.3.4-seed7'): string {
  const dir = join(scratch, `copy-${n++}`);
  cpSync(join(referenceFixture(name), 'data'), dir, { recursive: true });
  return dir;
}

function errorOf(fn: () => unknown): InspectorError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    return err as InspectorError;
  }
  throw new Error('expected an error, got none');
}

function expectError(fn: () => unknown, code: ErrorCode, message: RegExp) {
  const err = errorOf(fn);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
}

/** The vector segment folder of a collection (by name) in a copied fixture. */
function vectorFolder(dir: string, name: string): string {
  const folder = ChromaFolder.open(dir);
  try {
    return folder.collection({ name }).catalog.vectorSegment!.id;
  } finally {
    folder.close();
  }
}

describe('folders that are not Chroma folders', () => {
  it('a missing folder', () => {
    expectError(() => ChromaFolder.open(join(scratch, 'nope')), 'NOT_FOUND', /nope does not exist/);
  });

  it('a file instead of a folder', () => {
    const f = join(scratch, 'plain.txt');
    writeFileSync(f, 'hello');
    expectError(() => ChromaFolder.open(f), 'NOT_A_CHROMA_FOLDER', /is a file/);
  });

  it('an empty folder', () => {
    const d = mkdtempSync(join(scratch, 'empty-'));
    expectError(() => ChromaFolder.open(d), 'NOT_A_CHROMA_FOLDER', /no chroma\.sqlite3/);
  });

  it('a SQLite database that is not Chroma', () => {
    const d = mkdtempSync(join(scratch, 'other-'));
    const db = new Database(join(d, 'chroma.sqlite3'));
    db.exec('CREATE TABLE notes(x)');
    db.close();
    expectError(() => ChromaFolder.open(d), 'NOT_A_CHROMA_FOLDER', /not Chroma's/);
  });

  it('a chroma.sqlite3 of garbage bytes', () => {
    const d = mkdtempSync(join(scratch, 'garbage-'));
    writeFileSync(join(d, 'chroma.sqlite3'), Buffer.alloc(8192, 0x5a));
    expectError(() => ChromaFolder.open(d), 'CORRUPT_SQLITE', /chroma\.sqlite3.*not a SQLite database|chroma\.sqlite3/);
  });

  it('a zero-byte chroma.sqlite3', () => {
    const d = mkdtempSync(join(scratch, 'zero-'));
    writeFileSync(join(d, 'chroma.sqlite3'), '');
    expectError(() => ChromaFolder.open(d), 'CORRUPT_SQLITE', /empty \(0 bytes\)/);
  });

  it('a Chroma database whose migrations table is empty', () => {
    const d = copyFixture();
    const db = new Database(join(d, 'chroma.sqlite3'));
    db.exec('DELETE FROM migrations');
    db.close();
    expectError(() => ChromaFolder.open(d), 'UNKNOWN_SCHEMA', /empty migrations table/);
  });
});

describe('a truncated chroma.sqlite3', () => {
  it('fails with CORRUPT_SQLITE naming the file, on open or on first read, never a crash', () => {
    const d = copyFixture();
    const file = join(d, 'chroma.sqlite3');
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const err = errorOf(() => {
      const folder = ChromaFolder.open(d);
      try {
        for (const r of folder.collectionReaders()) folder.get(r.id, { include: ['documents', 'metadatas'] });
        folder.info();
      } finally {
        folder.close();
      }
    });
    expect(err.code).toBe('CORRUPT_SQLITE');
    expect(err.message).toContain('chroma.sqlite3');
  });
});

describe('damaged HNSW files: the folder still opens and the problem is reported', () => {
  const cases: [string, (seg: string) => void][] = [
    ['zero-byte header.bin', (seg) => writeFileSync(join(seg, 'header.bin'), '')],
    ['garbage header.bin', (seg) => writeFileSync(join(seg, 'header.bin'), Buffer.alloc(100, 0x7f))],
    ['truncated data_level0.bin', (seg) => truncateSync(join(seg, 'data_level0.bin'), 1000)],
    ['missing data_level0.bin', (seg) => rmSync(join(seg, 'data_level0.bin'))],
    ['truncated index_metadata.pickle', (seg) => truncateSync(join(seg, 'index_metadata.pickle'), 300)],
    ['garbage index_metadata.pickle', (seg) => writeFileSync(join(seg, 'index_metadata.pickle'), Buffer.from('not a pickle at all'))],
  ];
  for (const [label, damage] of cases) {
    it(label, () => {
      const d = copyFixture();
      const seg = vectorFolder(d, 'articles');
      expect(readdirSync(join(d, seg))).toContain('index_metadata.pickle');
      damage(join(d, seg));
      const folder = ChromaFolder.open(d);
      try {
        const info = folder.info();
        const problems = info.problems.filter((p) => p.file?.startsWith(seg) && p.severity === 'error');
        expect(problems.length, JSON.stringify(info.problems)).toBeGreaterThan(0);
        const col = folder.collectionInfo({ name: 'articles' });
        expect(col.segments.find((s) => s.scope === 'VECTOR')?.vector?.checkpointUsable).toBe(false);
        // The WAL was purged past the checkpoint: the loss is reported, not hidden.
        expect(col.problems.find((p) => p.code === 'vectors.missing')?.message).toMatch(/^\d+ of 1349 record\(s\) have no usable vector/);
        // The rest of the folder is untouched and answers as before.
        expect(folder.count({ name: 'points' })).toBe(readCount('points'));
        // The damaged collection still counts; a query fails with the specific error, naming the
        // files, unless a partial answer is allowed, which then carries the problems as warnings.
        expect(folder.count({ name: 'articles' })).toBe(readCount('articles'));
        const args = { queryEmbeddings: [Array.from({ length: 16 }, () => 0.1)], nResults: 3 };
        const err = (() => {
          try {
            folder.query({ name: 'articles' }, args);
          } catch (e) {
            return e as InspectorError;
          }
          throw new Error('the query answered');
        })();
        expect(err.code).toBe('VECTORS_MISSING');
        expect(err.message).toContain(seg);
        const q = folder.query({ name: 'articles' }, args, { allowPartial: true });
        expect(q.ids[0]!.length).toBeLessThanOrEqual(3);
        expect(q.warnings?.some((w) => w.code === 'vectors.missing')).toBe(true);
      } finally {
        folder.close();
      }
    });
  }
});

describe('bad arguments', () => {
  const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
  afterAll(() => folder.close());

  it('a query vector of the wrong dimension', () => {
    expectError(
      () => folder.query({ name: 'points' }, { queryEmbeddings: [[1, 2, 3, 4]] }),
      'DIMENSION_MISMATCH',
      /Collection expecting embedding with dimension of 3, got 4/,
    );
  });

  it('a where filter that is not valid', () => {
    expectError(() => folder.get({ name: 'points' }, { where: { year: { $gt: 'x' } } }), 'INVALID_ARGUMENT', /\$gt/);
    expectError(() => folder.get({ name: 'points' }, { where: { a: 1, b: 2 } }), 'INVALID_ARGUMENT', /exactly one/);
  });

  it('include values Chroma does not know, and distances on get', () => {
    expectError(() => folder.get({ name: 'points' }, { include: ['vectors'] }), 'INVALID_ARGUMENT', /include/);
    expectError(() => folder.get({ name: 'points' }, { include: ['distances'] }), 'INVALID_ARGUMENT', /not allowed/);
  });

  it('a collection that does not exist, and one in another database', () => {
    expectError(() => folder.count({ name: 'nope' }), 'NOT_FOUND', /Collection nope does not exist/);
    expectError(() => folder.count({ name: 'tickets' }), 'NOT_FOUND', /acme\/prod/);
  });
});

function readCount(name: string): number {
  const cases = JSON.parse(readFileSync(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), 'utf8')).cases as {
    collection: string;
    op: string;
    result: number;
  }[];
  return cases.find((c) => c.collection === name && c.op === 'count')!.result;
}
