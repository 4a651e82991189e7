import { describe, expect, it } from 'vitest';
import { formatBytes, formatScalar, formatValue, formatVectorPreview, scalarKind, valueKind, formatTime } from '../../src-renderer/components/value/format.js';
import { vectorStats } from '../../src-renderer/components/value/vector-stats.js';
import { parseVector } from '../../src-renderer/features/vector-query/parse-vector.js';
import { parseIdList } from '../../src-renderer/features/records/parse-ids.js';
import { groupFiles } from '../../src-renderer/features/folder-overview/group-files.js';
import { toRecordSort } from '../../src-renderer/features/records/record-columns.js';
import { nextSort } from '../../src-renderer/components/virtual-grid/grid-types.js';
import { queryRows } from '../../src-renderer/features/vector-query/query-results.js';
import { filterTenants } from '../../src-renderer/features/tree/collection-tree.js';

describe('typed values', () => {
  it('tells ints from floats using the declared key types', () => {
    expect(scalarKind(3)).toBe('int');
    expect(scalarKind(3.5)).toBe('float');
    expect(scalarKind(3, ['float'])).toBe('float');
    expect(scalarKind(3, ['int', 'float'])).toBe('int');
    expect(scalarKind(true)).toBe('bool');
    expect(scalarKind(null)).toBe('null');
    expect(valueKind([1, 2])).toBe('array');
  });

  it('always prints floats with a decimal point', () => {
    expect(formatScalar(3, 'float')).toBe('3.0');
    expect(formatScalar(3, 'int')).toBe('3');
    expect(formatScalar(1e21, 'float')).toBe('1e+21');
    expect(formatValue([1, 2], ['float'])).toBe('[1.0, 2.0]');
    expect(formatValue(['a', 'b'])).toBe('["a", "b"]');
  });

  it('formats bytes, vectors and times', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.00 GiB');
    expect(formatVectorPreview([0.1, -0.2, 0.3, 0.4, 0.5], 384)).toBe('[0.1000, -0.2000, 0.3000, 0.4000, …] 384d');
    expect(formatVectorPreview(null, 8)).toBe('8d');
    expect(formatTime('2024-05-01 10:20:30')).toBe('2024-05-01 10:20:30Z');
    expect(vectorStats([3, 4])).toEqual({ norm: 5, min: 3, max: 4 });
  });
});

describe('parsing user input', () => {
  it('parses pasted vectors', () => {
    expect(parseVector('[1, 2.5, -3]')).toEqual({ ok: true, vector: [1, 2.5, -3] });
    expect(parseVector('[[1, 2]]')).toEqual({ ok: true, vector: [1, 2] });
    expect(parseVector('1 2,3')).toEqual({ ok: true, vector: [1, 2, 3] });
    expect(parseVector('[1, "a"]').ok).toBe(false);
    expect(parseVector('[1, 2]', 3)).toMatchObject({ ok: false, error: expect.stringMatching(/dimension 3/) });
    expect(parseVector('').ok).toBe(false);
  });

  it('parses id lists', () => {
    expect(parseIdList('a, b\nc, a')).toEqual(['a', 'b', 'c']);
    expect(parseIdList('["x", "y,z"]')).toEqual(['x', 'y,z']);
    expect(parseIdList('  ')).toEqual([]);
  });
});

describe('grid helpers', () => {
  it('cycles header sort and maps to the records sort input', () => {
    const s1 = nextSort(null, 'id');
    expect(s1).toEqual({ columnId: 'id', desc: false });
    const s2 = nextSort(s1, 'id');
    expect(s2).toEqual({ columnId: 'id', desc: true });
    expect(nextSort(s2, 'id')).toBeNull();
    expect(nextSort(s2, 'meta:year')).toEqual({ columnId: 'meta:year', desc: false });
    expect(toRecordSort({ columnId: 'meta:year', desc: true })).toEqual({ by: 'metadata', key: 'year', desc: true });
    expect(toRecordSort({ columnId: 'id', desc: false })).toEqual({ by: 'id', desc: false });
    expect(toRecordSort(null)).toBeUndefined();
  });

  it('turns query results into rows with distances', () => {
    const rows = queryRows({
      ids: [['a', 'b']],
      documents: [['da', null]],
      metadatas: [[{ k: 1 }, null]],
      embeddings: [],
      distances: [[0.1, 0.2]],
      uris: [],
      include: ['documents', 'metadatas', 'distances'],
    });
    expect(rows).toMatchObject([
      { id: 'a', document: 'da', metadata: { k: 1 }, distance: 0.1 },
      { id: 'b', document: null, metadata: null, distance: 0.2 },
    ]);
  });
});

describe('folder helpers', () => {
  it('groups files by SQLite, segment folder, orphans and others', () => {
    const seg = '2f2250f9-4a8c-4a61-b4f1-ae8e98d0748c';
    const orphan = 'd6b15d2f-5bc7-4404-8802-e8bb44d94ffd';
    const groups = groupFiles(
      [
        { path: 'chroma.sqlite3', bytes: 100, kind: 'sqlite' },
        { path: 'chroma.sqlite3-wal', bytes: 10, kind: 'sqlite-side' },
        { path: `${seg}/header.bin`, bytes: 5, kind: 'hnsw' },
        { path: `${seg}/index_metadata.pickle`, bytes: 7, kind: 'pickle' },
        { path: `${orphan}/header.bin`, bytes: 1, kind: 'hnsw' },
        { path: 'notes.txt', bytes: 3, kind: 'other' },
      ],
      { segmentFolders: [orphan], embeddingRows: [], maxSeqIdRows: [], vectorSegmentsWithoutFolder: [] },
    );
    expect(groups.map((g) => [g.kind, g.files.length, g.bytes])).toEqual([
      ['sqlite', 2, 110],
      ['segment', 2, 12],
      ['orphan', 1, 1],
      ['other', 1, 3],
    ]);
  });

  it('filters the tree by collection name', () => {
    const tenants = [
      {
        name: 't',
        databases: [
          { id: 'd', name: 'db', tenant: 't', collections: [{ id: 'c1', name: 'Books', tenant: 't', database: 'db', dimension: 3, count: 1 }, { id: 'c2', name: 'films', tenant: 't', database: 'db', dimension: 3, count: 1 }] },
        ],
      },
    ];
    expect(filterTenants(tenants, 'book')[0]!.databases[0]!.collections.map((c) => c.name)).toEqual(['Books']);
    expect(filterTenants(tenants, 'zzz')).toEqual([]);
  });
});
