import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { chromaClients, startChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import type { ModelRecord } from './python-era-folder.js';
// @ts-expect-error -- plain JS: the project's own real-Chroma tooling
import { chromaCommand, freePort } from '../reference-chroma/chroma-server.mjs';

/** What real Chroma (or our engine) answers about one collection, in Chroma's get order. */
export interface CollectionAnswers {
  count: number;
  ids: string[];
  documents: (string | null)[];
  metadatas: (Record<string, unknown> | null)[];
  embeddings: number[][];
}

interface RemoteCollection {
  count(): Promise<number>;
  get(args: unknown): Promise<{ ids: string[]; documents: (string | null)[]; metadatas: (Record<string, unknown> | null)[]; embeddings: number[][] }>;
  query(args: unknown): Promise<{ ids: string[][]; distances: number[][] }>;
}

export const INCLUDE = ['documents', 'metadatas', 'embeddings'];

/** Real Chroma `version` serving a copy of `dir` (Chroma writes to what it opens). */
export async function withRealChroma<T>(dir: string, version: string, fn: (open: (name: string, tenant?: string, database?: string) => Promise<RemoteCollection>, copy: string) => Promise<T>): Promise<T> {
  const copy = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-real-')), 'data');
  cpSync(dir, copy, { recursive: true });
  const server: ChromaServer = await startChroma(copy, version);
  try {
    const { client } = await chromaClients(server.port);
    const open = async (name: string, tenant?: string, database?: string) =>
      (await (client(tenant, database) as { getCollection(a: unknown): Promise<unknown> }).getCollection({ name, embeddingFunction: null })) as RemoteCollection;
    return await fn(open, copy);
  } finally {
    await server.stop();
  }
}

/**
 * Starts real Chroma `version` on a copy of `dir` expecting it to refuse the folder: returns what it
 * printed when it stopped (Chroma panics, so it dies by a signal), or throws if it kept running.
 */
export async function refusalOfRealChroma(dir: string, version: string): Promise<string> {
  const copy = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-real-')), 'data');
  cpSync(dir, copy, { recursive: true });
  const [cmd, ...args] = chromaCommand(['run', '--path', copy, '--host', '127.0.0.1', '--port', String(await freePort())], version) as string[];
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`real Chroma ${version} kept running on ${dir}: it did not refuse it`);
  return `${r.stdout}\n${r.stderr}`;
}

export async function remoteAnswers(c: RemoteCollection): Promise<CollectionAnswers> {
  const got = await c.get({ include: INCLUDE });
  return { count: await c.count(), ids: got.ids, documents: got.documents, metadatas: got.metadatas, embeddings: got.embeddings.map((e) => Array.from(e)) };
}

/** The model's records in the order of `ids`, for comparing an answer with the expected state. */
export function expectMatchesModel(a: CollectionAnswers, model: Map<string, ModelRecord>, label: string): void {
  expect(a.count, `${label}: count`).toBe(model.size);
  expect([...a.ids].sort(), `${label}: ids`).toEqual([...model.keys()].sort());
  a.ids.forEach((id, i) => {
    const r = model.get(id)!;
    expect(a.documents[i] ?? null, `${label}: document of ${id}`).toBe(r.document);
    expect(a.metadatas[i] ?? {}, `${label}: metadata of ${id}`).toEqual(r.metadata);
    expect(a.embeddings[i], `${label}: embedding of ${id}`).toEqual(r.embedding.map((x) => Math.fround(x)));
  });
}

/** The `k` nearest records by brute force in the collection's space, with Chroma's distances. */
export function nearest(model: Map<string, ModelRecord>, q: number[], space: 'l2' | 'cosine', k: number): { ids: string[]; distances: number[] } {
  const dist = (v: number[]) => {
    if (space === 'l2') return v.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0);
    const dot = v.reduce((s, x, i) => s + x * q[i]!, 0);
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) * Math.sqrt(q.reduce((s, x) => s + x * x, 0));
    return 1 - dot / n;
  };
  const all = [...model].map(([id, r]) => ({ id, d: dist(r.embedding) })).sort((x, y) => x.d - y.d);
  return { ids: all.slice(0, k).map((x) => x.id), distances: all.slice(0, k).map((x) => x.d) };
}

/** Rows of a query on a folder's database, read-only. */
export function rows(dir: string, sql: string): Record<string, unknown>[] {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
