import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';

/** Helpers for tests that write to a copy of a folder and then look at what is in it. */

/** A writable copy of `src` in a fresh temp folder. */
export const copyOf = (src: string) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-era-')), 'data');
  cpSync(src, dir, { recursive: true });
  return dir;
};

/** Rows of `query` on the folder's chroma.sqlite3, read-only. */
export const sql = (dir: string, query: string) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(query).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
};

/** The error-level problems our read engine finds in the folder. */
export const noErrors = (dir: string) => {
  const f = ChromaFolder.open(dir);
  try {
    return f.info().problems.filter((p) => p.severity === 'error');
  } finally {
    f.close();
  }
};
