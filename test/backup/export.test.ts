import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { exportCollection, type ExportFormat } from '../../src-main/engine/backup/export-records.js';
import { embeddingToJson, float32Text, metadataToJson, recordToJsonLine } from '../../src-main/engine/backup/record-format.js';
import { parseJsonLine, readJsonl, readParquet, type ImportRecord } from '../../src-main/engine/backup/import-readers.js';
import { runGet } from '../../src-main/engine/query/run-get.js';
import { validateGetArgs } from '../../src-main/engine/query/validate-args.js';
import type { TypedMetadata } from '../../src-main/engine/util/typed-value.js';
import { InspectorError } from '../../shared/errors.js';
import { copyFixture, scratch } from './helpers.js';

const tmp = scratch();
let folder: ChromaFolder;
beforeAll(() => {
  folder = ChromaFolder.open(copyFixture('chroma-1.3.4-seed7', tmp.dir));
});
afterAll(() => {
  folder.close();
  tmp.cleanup();
});

describe('record format', () => {
  const md: TypedMetadata = new Map([
    ['int', { kind: 'int', value: 2n }],
    ['float', { kind: 'float', value: 2 }],
    ['frac', { kind: 'float', value: 0.1 }],
    ['tiny', { kind: 'float', value: 1e-7 }],
    ['huge', { kind: 'float', value: 1e300 }],
    ['negzero', { kind: 'float', value: -0 }],
    ['inf', { kind: 'float', value: Infinity }],
    ['big', { kind: 'int', value: 2n ** 62n + 1n }],
    ['flag', { kind: 'bool', value: false }],
    ['text', { kind: 'string', value: 'a "quoted", ünïcode\nline' }],
    ['ints', { kind: 'array', elementKind: 'int', items: [{ kind: 'int', value: 1n }, { kind: 'int', value: -3n }] }],
    ['floats', { kind: 'array', elementKind: 'float', items: [{ kind: 'float', value: 1 }, { kind: 'float', value: 2.5 }] }],
    ['tags', { kind: 'array', elementKind: 'string', items: [{ kind: 'string', value: 'x' }] }],
    ['bools', { kind: 'array', elementKind: 'bool', items: [{ kind: 'bool', value: true }] }],
  ]);

  it('keeps int vs float vs bool vs string vs arrays, and ints beyond 2^53', () => {
    const text = metadataToJson(md);
    expect(text).toContain('"int":2,');
    expect(text).toContain('"float":2.0,');
    expect(text).toContain('"big":4611686018427387905,');
    expect(text).toContain('"floats":[1.0,2.5]');
    const back = parseJsonLine(`{"id":"r","metadata":${text}}`, 'test').metadata;
    expect(back).toEqual(md);
  });

  it('refuses NaN rather than writing invalid JSON', () => {
    expect(() => metadataToJson(new Map([['x', { kind: 'float', value: NaN }]]))).toThrow(/NaN/);
  });

  it('writes embeddings as the shortest decimal that reads back as the same float32', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 10 ** ((seed % 9) - 4);
    for (let i = 0; i < 5000; i++) {
      const v = Math.fround(rand());
      const s = float32Text(v);
      expect(Math.fround(Number(s))).toBe(v);
      const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
      expect(digits.length).toBeLessThanOrEqual(9);
    }
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(embeddingToJson(new Float32Array([0.5, -2, 1e-8]))).toBe('[0.5,-2,1e-8]');
  });

  it('omits fields not included', () => {
    expect(recordToJsonLine({ id: 'a', document: 'd' }, new Set(['document']))).toBe('{"id":"a","document":"d"}');
  });
});

/** The typed records a get would return, for comparing files against the engine itself. */
function engineRecords(name: string, args: Record<string, unknown> = {}) {
  const reader = folder.collection({ name });
  const spec = validateGetArgs({ ...args, include: ['documents', 'metadatas', 'uris'] });
  const vectors = reader.vectors();
  return runGet(reader, spec, { withContents: true }).records.map((r) => ({
    id: r.id,
    document: r.document,
    uri: r.uri,
    metadata: r.metadata && r.metadata.size > 0 ? r.metadata : null,
    embedding: Array.from(vectors.original(vectors.idToLabel.get(r.id)!)!),
  }));
}

async function readBack(file: string, format: 'jsonl' | 'parquet'): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const b of format === 'jsonl' ? readJsonl(file, 100) : readParquet(file, 100)) out.push(...b.records);
  // Values are float32: compare them as float32 (JSONL holds the shortest decimal for each).
  for (const r of out) if (r.embedding) r.embedding = r.embedding.map(Math.fround);
  return out;
}

/** Minimal RFC 4180 reader for checking CSV output. */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (text[i] === '"') break;
        else v += text[i++];
      }
      i++;
      row.push(v);
    } else {
      let v = '';
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') v += text[i++];
      row.push(v === '' ? null : v);
    }
    if (text[i] === ',') i++;
    else if (text[i] === '\r') {
      rows.push(row);
      row = [];
      i += 2;
    }
  }
  return rows;
}

describe('export', () => {
  for (const name of ['articles', 'points', 'inner', 'tiny', 'empty', 'tickets']) {
    for (const format of ['jsonl', 'parquet', 'csv'] as ExportFormat[]) {
      it(`${name} → ${format}: every record, typed, in Chroma's get order`, async () => {
        const ref = name === 'tickets' ? { name, tenant: 'acme', database: 'prod' } : { name };
        const file = join(tmp.dir, `${name}.${format}`);
        const progress: number[] = [];
        const r = await exportCollection(folder, ref, file, { format, pageSize: 97, onProgress: (p) => progress.push(p.done) });
        const want = name === 'tickets' ? null : engineRecords(name);
        expect(r.records).toBe(folder.count(ref));
        expect(progress.at(-1)).toBe(r.records);
        if (format === 'csv') {
          const rows = parseCsv(readFileSync(file, 'utf8'));
          expect(rows[0]).toEqual(['id', 'document', 'uri', 'metadata', 'embedding']);
          expect(rows.length - 1).toBe(r.records);
          if (want) {
            rows.slice(1).forEach((row, k) => {
              expect(row[0]).toBe(want[k]!.id);
              expect(row[1]).toBe(want[k]!.document);
              expect(row[3]).toBe(want[k]!.metadata ? metadataToJson(want[k]!.metadata) : null);
              expect((JSON.parse(row[4]!) as number[]).map(Math.fround)).toEqual(want[k]!.embedding);
            });
          }
          return;
        }
        const got = await readBack(file, format);
        expect(got.length).toBe(r.records);
        if (want) expect(got).toEqual(want);
      });
    }
  }

  it('a filtered get, with limit and offset, exports exactly what get returns', async () => {
    const args = { where: { category: 'news' }, whereDocument: { $contains: 'a' }, limit: 40, offset: 5 };
    const file = join(tmp.dir, 'filtered.jsonl');
    const r = await exportCollection(folder, { name: 'articles' }, file, { format: 'jsonl', args, pageSize: 6 });
    const expected = folder.get({ name: 'articles' }, args).ids;
    expect(expected.length).toBeGreaterThan(6);
    expect(r.records).toBe(expected.length);
    expect((await readBack(file, 'jsonl')).map((x) => x.id)).toEqual(expected);
  });

  it('include limits the fields written', async () => {
    const file = join(tmp.dir, 'ids-docs.jsonl');
    await exportCollection(folder, { name: 'tiny' }, file, { format: 'jsonl', args: { include: ['documents'] } });
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!);
    expect(Object.keys(first)).toEqual(['id', 'document']);
  });

  it('rejects bad get arguments the way get does', async () => {
    await expect(exportCollection(folder, { name: 'tiny' }, join(tmp.dir, 'bad.jsonl'), { format: 'jsonl', args: { where: { $bogus: 1 } } })).rejects.toThrow();
    expect(existsSync(join(tmp.dir, 'bad.jsonl'))).toBe(false);
  });

  it('cancel mid-export leaves no file', async () => {
    const ac = new AbortController();
    const file = join(tmp.dir, 'cancelled.parquet');
    const err = await exportCollection(folder, { name: 'articles' }, file, {
      format: 'parquet',
      pageSize: 50,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done > 0) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as InspectorError).code).toBe('CANCELLED');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });
});
