import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PersistentAdminClient, PersistentClient } from '../../src-main/index.js';
import type { RecordedCase } from '../helpers/compare.js';
import { mismatchesOverHttp, startChroma } from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS shared with the node scripts that drive real Chroma
import { runWorkload } from '../reference-chroma/workload.mjs';

import { copyFixture } from '../backup/helpers.js';

export { copyFixture, loadCases, runCases, scratch } from '../backup/helpers.js';

/** Rows of `query` on a folder's chroma.sqlite3, read-only (an oracle independent of our engine). */
export function sql<T = Record<string, unknown>>(dir: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Runs statements on a folder's chroma.sqlite3 (only ever a test's own copy). */
export function exec(dir: string, ...statements: string[]): void {
  const db = new Database(join(dir, 'chroma.sqlite3'), { fileMustExist: true });
  try {
    db.pragma('foreign_keys = OFF');
    for (const s of statements) db.exec(s);
  } finally {
    db.close();
  }
}

/** A collection's segment id of one scope, read from the catalog with plain SQL. */
export function segmentOf(dir: string, collection: string, scope: 'VECTOR' | 'METADATA'): string {
  const rows = sql<{ id: string }>(dir, 'SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE c.name = ? AND s.scope = ?', collection, scope);
  if (rows.length !== 1) throw new Error(`no single ${scope} segment for ${collection}`);
  return rows[0]!.id;
}

/** Overwrites a file with deterministic noise of the same length. */
export function garble(file: string): void {
  const size = statSync(file).size;
  const noise = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    noise[i] = x >>> 24;
  }
  writeFileSync(file, noise);
}

export function truncateTo(file: string, bytes: number): void {
  truncateSync(file, bytes);
}

export const copyDir = (src: string, dest: string) => {
  cpSync(src, dest, { recursive: true });
  return dest;
};

/** Entries of a folder that a repair may have left behind (staging folders). */
/** Fresh copies of the Chroma 1.3.4 fixture, each in its own parent folder under `dir` (so leftovers are easy to see). */
export function fixtureCopies(dir: string): () => { src: string; parent: string } {
  let n = 0;
  return () => {
    const parent = join(dir, `case-${++n}`);
    mkdirSync(parent);
    return { src: copyFixture('chroma-1.3.4-seed7', parent), parent };
  };
}

export const leftovers = (parent: string) => readdirSync(parent).filter((n) => n.startsWith('.'));

/**
 * The project's fixture workload (seed 7, the one real Chroma 1.3.4 answered in
 * test/fixtures/reference/workload-1.3.4-seed7/cases.json) written by PersistentClient into a
 * folder whose WAL is never purged (`automatically_purge` false, docs/format.md §4.6): every
 * collection, in both tenants, keeps every WAL row it ever had, all of them applied.
 */
export async function neverPurgedFolder(dir: string): Promise<string> {
  const setup = new PersistentClient({ path: dir });
  await setup.listCollections();
  await setup.close();
  exec(dir, `UPDATE embeddings_queue_config SET config_json_str = '{"automatically_purge":false,"_type":"EmbeddingsQueueConfigurationInternal"}'`);
  const open: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(c: T) => (open.push(c), c);
  await runWorkload({
    client: (tenant?: string, database?: string) => track(new PersistentClient({ path: dir, ...(tenant ? { tenant, database } : {}) })),
    admin: () => track(new PersistentAdminClient({ path: dir })),
    seed: 7,
    arrays: true,
  });
  for (const c of open) await c.close();
  return dir;
}

/**
 * Real Chroma's answers to `cases` on a folder, compared with the recorded ones: Chroma writes
 * to folders it opens, so it gets a throwaway copy. Returns the mismatches (empty = the same).
 */
export async function realChromaMismatches(dir: string, cases: RecordedCase[], version?: string): Promise<string[]> {
  // Chroma builds the graph of a collection whose vectors are only in its WAL in parallel, a little
  // differently in each process, so a filtered query there can differ between two runs of Chroma
  // itself on the same files (seen in CI: one id at rank 3). A difference is checked again on up to
  // two fresh processes over fresh copies: one that persists is reported, with the last answer.
  let pending = cases;
  let mismatches: string[] = [];
  for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
    mismatches = await mismatchesOnCopy(dir, pending, version);
    pending = pending.filter((c) => mismatches.some((m) => m.startsWith(`${c.collection} | ${c.label}:`)));
  }
  return mismatches;
}

async function mismatchesOnCopy(dir: string, cases: RecordedCase[], version?: string): Promise<string[]> {
  const copy = join(mkdtempSync(join(tmpdir(), 'ci-repair-chroma-')), 'data');
  cpSync(dir, copy, { recursive: true });
  const server = await startChroma(copy, version);
  try {
    return await mismatchesOverHttp(cases, server.port);
  } finally {
    await server.stop();
    rmSync(join(copy, '..'), { recursive: true, force: true });
  }
}
