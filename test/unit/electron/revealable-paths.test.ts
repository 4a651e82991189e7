// What the window may reveal: the paths calls opened or wrote (produced-paths.ts), kept by main
// in a bounded allow-list of exact resolved paths (revealable-paths.ts).
import { describe, expect, it } from 'vitest';
import { isPathProduced, producedPaths } from '../../../src-main/app/produced-paths.js';
import { RevealablePaths } from '../../../src-main/app/revealable-paths.js';

describe('producedPaths', () => {
  it('reads the path each result names: folder opened, zip written or verified, file exported, folder written', () => {
    expect(producedPaths('openFolder', { handle: 'h', info: { path: '/data/chroma' } })).toEqual(['/data/chroma']);
    expect(producedPaths('backup', { zip: '/out/b.zip', bytes: 1, collections: [] })).toEqual(['/out/b.zip']);
    expect(producedPaths('verifyBackup', { zip: '/out/b.zip', files: 3 })).toEqual(['/out/b.zip']);
    expect(producedPaths('exportRecords', { file: '/out/a.jsonl', format: 'jsonl' })).toEqual(['/out/a.jsonl']);
    expect(producedPaths('restoreBackup', { folder: '/out/restored', files: 3 })).toEqual(['/out/restored']);
    expect(producedPaths('exportWal', { file: '/out/wal.parquet' })).toEqual(['/out/wal.parquet']);
    expect(producedPaths('fix', { target: '/out/repaired' })).toEqual(['/out/repaired']);
    expect(producedPaths('migratePreview', { folder: '/out/migrated', target: { name: 'Chroma 1.3.4' } })).toEqual(['/out/migrated']);
    expect(producedPaths('replayToSeq', { folder: '/out/as-of-42' })).toEqual(['/out/as-of-42']);
  });

  it('names nothing for other methods, odd shapes, or prototype names', () => {
    expect(producedPaths('defaultFolder', { path: '/data/chroma' })).toEqual([]);
    expect(producedPaths('sql', { columns: ['zip'], rows: [['/etc']] })).toEqual([]);
    expect(producedPaths('openFolder', { info: null })).toEqual([]);
    expect(producedPaths('backup', { zip: 42 })).toEqual([]);
    expect(producedPaths('backup', null)).toEqual([]);
    expect(producedPaths('exportRecords', { file: '' })).toEqual([]);
    expect(producedPaths('constructor', { zip: '/x' })).toEqual([]);
    expect(producedPaths('__proto__', { zip: '/x' })).toEqual([]);
  });

  it('recognises the host message', () => {
    expect(isPathProduced({ type: 'path-produced', path: '/x' })).toBe(true);
    for (const bad of [null, 'x', { type: 'path-produced' }, { type: 'path-produced', path: '' }, { type: 'other', path: '/x' }]) expect(isPathProduced(bad)).toBe(false);
  });
});

describe('RevealablePaths', () => {
  it('holds exact resolved absolute paths, nothing above, below or beside them', () => {
    const paths = new RevealablePaths();
    paths.add('/data/chroma/');
    paths.add('relative/ignored');
    expect(paths.lookup('/data/chroma')).toBe('/data/chroma');
    expect(paths.lookup('/data/x/../chroma')).toBe('/data/chroma');
    for (const other of ['/data', '/data/chroma/chroma.sqlite3', '/data/chroma2', 'data/chroma', 'relative/ignored', '']) expect(paths.lookup(other)).toBeNull();
  });

  it('is bounded: the oldest go first, and a path added again counts as new', () => {
    const paths = new RevealablePaths(3);
    for (const p of ['/a', '/b', '/c']) paths.add(p);
    paths.add('/a');
    paths.add('/d');
    expect(paths.lookup('/b')).toBeNull();
    expect(['/a', '/c', '/d'].map((p) => paths.lookup(p))).toEqual(['/a', '/c', '/d']);
  });
});
