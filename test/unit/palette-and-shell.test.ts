import { describe, expect, it } from 'vitest';
import { fuzzyScore, rank } from '../../src-renderer/components/command-palette/fuzzy-match.js';
import { addRecent, parseRecent, removeRecent } from '../../src-renderer/app/recent-folders.js';
import { VIEWS, shortcutLabel } from '../../src-renderer/app/views.js';
import { initialWorkspace, workspaceReducer, allCollections, collectionLabel } from '../../src-renderer/app/workspace-state.js';
import type { FolderInfo } from '../../shared/models.js';

describe('fuzzy matching', () => {
  it('prefers substring and word-start matches', () => {
    expect(fuzzyScore('rec', 'Go to Records')).not.toBeNull();
    expect(fuzzyScore('xyz', 'Go to Records')).toBeNull();
    expect(fuzzyScore('gtr', 'Go to Records')).not.toBeNull();
    const ranked = rank([{ title: 'Go to SQL' }, { title: 'Go to Records' }, { title: 'records_archive' }], 'records');
    expect(ranked.map((r) => r.title)).toEqual(['records_archive', 'Go to Records']);
  });

  it('keeps order with an empty query and searches keywords', () => {
    const items = [{ title: 'b' }, { title: 'a', keywords: 'uuid-123' }];
    expect(rank(items, '')).toEqual(items);
    expect(rank(items, 'uuid')).toEqual([items[1]]);
  });
});

describe('recent folders', () => {
  it('puts the newest first, dedupes and caps', () => {
    let list: string[] = [];
    for (let i = 0; i < 12; i++) list = addRecent(list, `/p${i}`);
    list = addRecent(list, '/p5');
    expect(list[0]).toBe('/p5');
    expect(list).toHaveLength(10);
    expect(new Set(list).size).toBe(10);
    expect(removeRecent(list, '/p5')[0]).toBe('/p11');
  });

  it('survives garbage in storage', () => {
    expect(parseRecent('not json')).toEqual([]);
    expect(parseRecent('{"a":1}')).toEqual([]);
    expect(parseRecent('["/a", 3, ""]')).toEqual(['/a']);
  });
});

describe('views and workspace state', () => {
  it('has unique shortcut keys', () => {
    expect(new Set(VIEWS.map((v) => v.key)).size).toBe(VIEWS.length);
    expect(shortcutLabel(VIEWS[2]!)).toBe('g r · Alt+3');
  });

  const info = {
    path: '/x',
    tenants: [
      {
        name: 'default_tenant',
        databases: [
          { id: 'd1', name: 'db1', tenant: 'default_tenant', collections: [{ id: 'c1', name: 'docs', tenant: 'default_tenant', database: 'db1', dimension: 3, count: 5 }] },
          { id: 'd2', name: 'db2', tenant: 'default_tenant', collections: [{ id: 'c2', name: 'docs', tenant: 'default_tenant', database: 'db2', dimension: 3, count: 1 }] },
        ],
      },
    ],
  } as unknown as FolderInfo;

  it('selects the first collection on open and moves to a collection view on pick', () => {
    const s1 = workspaceReducer(initialWorkspace, { type: 'opened', folder: { handle: 'h', info } });
    expect(s1.collectionId).toBe('c1');
    expect(s1.view).toBe('overview');
    const s2 = workspaceReducer(s1, { type: 'collection', id: 'c2' });
    expect(s2.view).toBe('collection');
    const s3 = workspaceReducer({ ...s2, view: 'records' }, { type: 'collection', id: 'c1' });
    expect(s3.view).toBe('records');
    const s4 = workspaceReducer(s3, { type: 'walFilter', filter: { id: 'r1' } });
    expect(s4.view).toBe('wal');
    expect(s4.walFilter).toEqual({ id: 'r1' });
  });

  it('keeps writes off on open unless the engine says otherwise, and counts writes', () => {
    const s1 = workspaceReducer(initialWorkspace, { type: 'opened', folder: { handle: 'h', info } });
    expect(s1.writable).toBe(false);
    const s2 = workspaceReducer(s1, { type: 'writable', writable: true, warning: 'journal' });
    expect([s2.writable, s2.writeWarning]).toEqual([true, 'journal']);
    const s3 = workspaceReducer(workspaceReducer(s2, { type: 'wrote' }), { type: 'wrote' });
    expect(s3.revision).toBe(2);
    expect(workspaceReducer(s3, { type: 'writable', writable: false })).toMatchObject({ writable: false, writeWarning: null });
    expect(workspaceReducer(s3, { type: 'closed' }).writable).toBe(false);
    expect(workspaceReducer(initialWorkspace, { type: 'opened', folder: { handle: 'h', info, writable: true } }).writable).toBe(true);
    // No folder: nothing to make writable.
    expect(workspaceReducer(initialWorkspace, { type: 'writable', writable: true }).writable).toBe(false);
  });

  it('labels ambiguous collection names with tenant/database', () => {
    const all = allCollections(info);
    expect(collectionLabel(all[0]!, all)).toBe('default_tenant/db1/docs');
  });
});
