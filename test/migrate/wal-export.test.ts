import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { exportWal } from '../../src-main/engine/wal/export-wal.js';
import { readParquetFile } from '../backup/export-oracle.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { SAMPLE_COLLECTIONS, writePython050Folder } from './python-era-folder.js';
import { rows } from './real-answers.js';

const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-wal-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const OPERATION = ['ADD', 'UPDATE', 'UPSERT', 'DELETE'];

interface Entry {
  seq_id: number;
  created_at: string;
  collection: string | null;
  collection_id: string | null;
  operation: string;
  id: string;
  document: string | null;
  uri: string | null;
  metadata: Record<string, unknown> | null;
  embedding?: number[] | null;
}

/** JSON with every number kept as its type: `2` an int, `2.0` or `1e-7` a float (docs/format.md §4.3). */
const typedJson = (text: string) => parseLossless(text, null, (n: string) => (/[.eE]/.test(n) ? { float: Number(n) } : { int: Number(n) })) as Record<string, unknown> | null;

/** The WAL as the raw rows say it, read with plain SQL and a lossless JSON parser: the oracle. */
function rawEntries(dir: string, topicFilter?: string): Entry[] {
  const names = new Map(rows(dir, 'SELECT id, name FROM collections').map((r) => [`persistent://default/default/${String(r.id)}`, { name: String(r.name), id: String(r.id) }]));
  return rows(dir, 'SELECT seq_id, created_at, operation, topic, id, vector, metadata FROM embeddings_queue ORDER BY seq_id')
    .filter((r) => !topicFilter || r.topic === topicFilter)
    .map((r) => {
      const md = r.metadata === null ? {} : typedJson(String(r.metadata))!;
      const rest = Object.fromEntries(Object.entries(md).filter(([k]) => !k.startsWith('chroma:')));
      const c = names.get(String(r.topic));
      return {
        seq_id: Number(r.seq_id),
        created_at: String(r.created_at),
        collection: c?.name ?? null,
        collection_id: c?.id ?? null,
        operation: OPERATION[Number(r.operation)]!,
        id: String(r.id),
        document: (md['chroma:document'] as string | undefined) ?? null,
        uri: (md['chroma:uri'] as string | undefined) ?? null,
        metadata: Object.keys(rest).length ? rest : null,
        embedding: r.vector ? Array.from(new Float32Array(new Uint8Array(r.vector as Buffer).buffer)) : null,
      };
    });
}

/** Exported float32 values parse back to exactly the stored ones. */
const asFloat32 = (e: Entry) => ({ ...e, embedding: e.embedding ? e.embedding.map((x) => Math.fround(x)) : e.embedding });

/** Lines parsed with JSON.parse, but `metadata` (numbers typed) and `embedding` read from the line's own text. */
const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = JSON.parse(l) as Entry;
      const md = /"metadata":(\{.*?\}|null)(?:,"embedding"|\}$)/.exec(l)![1]!;
      return { ...e, metadata: typedJson(md) };
    });

const sources: { name: string; dir: () => string }[] = [
  { name: 'Rust core 1.3.4 (reference fixture)', dir: () => join(referenceFixture('chroma-1.3.4-seed7'), 'data') },
  { name: 'Python 0.5.0 (NULL metadata, json.dumps style, non-ASCII)', dir: () => join(work, '050') },
];

beforeAll(() => {
  writePython050Folder(join(work, '050'), SAMPLE_COLLECTIONS);
});

describe.each(sources)('WAL export of $name', ({ name, dir }) => {
  let before: Record<string, string>;
  beforeAll(() => {
    before = hashTree(dir());
  });
  afterAll(() => expect(hashTree(dir()), 'the folder is only read').toEqual(before));
  const slug = name.split(' ')[0]!.toLowerCase();

  it('JSONL: one line per WAL entry, in seq order, equal to the raw rows', async () => {
    const out = join(work, `${slug}.jsonl`);
    const r = await exportWal(dir(), out, { format: 'jsonl' });
    const want = rawEntries(dir());
    expect(r.rows).toBe(want.length);
    expect(readJsonl(out).map(asFloat32)).toEqual(want);
  });

  it('Parquet (read back with DuckDB): the same entries', async () => {
    const out = join(work, `${slug}.parquet`);
    await exportWal(dir(), out, { format: 'parquet' });
    const { columns, rows: got } = await readParquetFile(out);
    expect(columns.map((c) => c.name)).toEqual(['seq_id', 'created_at', 'collection', 'collection_id', 'operation', 'id', 'document', 'uri', 'metadata', 'embedding']);
    const entries = got.map((r) => ({
      ...(r as unknown as Entry),
      seq_id: Number(r.seq_id),
      metadata: r.metadata === null ? null : typedJson(String(r.metadata)),
      embedding: r.embedding === null ? null : (r.embedding as number[]).map(Number),
    }));
    expect(entries.map(asFloat32)).toEqual(rawEntries(dir()));
  });

  it('one collection, without embeddings', async () => {
    const pick = rows(dir(), 'SELECT c.id, c.name FROM collections c ORDER BY name LIMIT 1')[0]!;
    const out = join(work, `${slug}-one.jsonl`);
    await exportWal(dir(), out, { format: 'jsonl', collection: String(pick.name), embeddings: false });
    const want = rawEntries(dir(), `persistent://default/default/${String(pick.id)}`).map(({ embedding: _e, ...rest }) => rest);
    expect(want.length).toBeGreaterThan(0);
    expect(readJsonl(out)).toEqual(want);
  });
});

describe('WAL export refuses to overwrite and leaves nothing when cancelled', () => {
  it('an existing file is never replaced; a cancelled export leaves no file', async () => {
    const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    const out = join(work, 'exists.jsonl');
    writeFileSync(out, 'mine');
    const err = await exportWal(dir, out, { format: 'jsonl' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).message).toMatch(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe('mine');
    const ac = new AbortController();
    const cancelled = join(work, 'cancelled.parquet');
    const c = await exportWal(dir, cancelled, { format: 'parquet', pageSize: 10, signal: ac.signal, onProgress: () => ac.abort() }).catch((e: unknown) => e);
    expect((c as InspectorError).code).toBe('CANCELLED');
    expect(existsSync(cancelled)).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('.partial-'))).toEqual([]);
  });
});
