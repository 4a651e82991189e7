import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { backup } from '../../src-main/engine/backup/backup.js';
import { hashTree } from '../helpers/hash-tree.js';
import { capturedCli } from '../helpers/run-cli-captured.js';

/**
 * `diff` between a folder and a copy of it that this test changed through the embedded client:
 * every expected change is the one made here, not something the engine reported.
 */

const run = capturedCli();
const dim = 8;
const vec = (i: number, shift = 0) => Array.from({ length: dim }, (_, j) => Math.sin(i * 7 + j) + shift);

describe('chroma-inspector diff', () => {
  let root: string;
  let a: string;
  let b: string;
  let zip: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'diff-'));
    a = join(root, 'a');
    b = join(root, 'b');
    const ca = new PersistentClient({ path: a });
    const docs = await ca.createCollection({ name: 'docs', embeddingFunction: null, metadata: { 'hnsw:space': 'cosine' } });
    await docs.add({
      ids: Array.from({ length: 50 }, (_, i) => `d${i}`),
      embeddings: Array.from({ length: 50 }, (_, i) => vec(i)),
      documents: Array.from({ length: 50 }, (_, i) => `document ${i}`),
      metadatas: Array.from({ length: 50 }, (_, i) => ({ n: i, tag: i % 2 ? 'odd' : 'even' })),
    });
    const gone = await ca.createCollection({ name: 'gone', embeddingFunction: null });
    await gone.add({ ids: ['g1'], embeddings: [vec(1)] });
    await ca.close();
    cpSync(a, b, { recursive: true });
    zip = join(root, 'a.zip');
    await backup(a, zip);

    const cb = new PersistentClient({ path: b });
    const d = await cb.getCollection({ name: 'docs', embeddingFunction: null });
    await d.add({ ids: ['new1', 'new2'], embeddings: [vec(100), vec(101)], documents: ['n1', 'n2'] });
    await d.delete({ ids: ['d0', 'd1', 'd2'] });
    await d.update({ ids: ['d3'], documents: ['document 3, edited'], embeddings: [vec(3)] }); // the same vector: only the document changes
    await d.update({ ids: ['d4'], metadatas: [{ n: 4.5, tag: 'even' }] }); // the int 4 becomes the float 4.5
    await d.update({ ids: ['d5'], embeddings: [vec(5, 0.5)] });
    await d.update({ ids: ['d6'], embeddings: [vec(6).map((x) => x * 3)] }); // same direction: cosine drift 0
    await cb.deleteCollection({ name: 'gone' });
    await cb.createCollection({ name: 'fresh', embeddingFunction: null });
    await cb.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const cosine = (x: number[], y: number[]) => {
    const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
    const n = (v: number[]) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));
    return 1 - dot / (n(x) * n(y));
  };

  it('reports what changed, collection by collection, as JSON; both folders are only read', async () => {
    const before = [hashTree(a), hashTree(b)];
    const r = await run(['diff', a, b, '--json']);
    expect(r.code, r.err).toBe(0);
    expect([hashTree(a), hashTree(b)]).toEqual(before);
    const report = JSON.parse(r.out);
    expect(report.added.map((c: { name: string }) => c.name)).toEqual(['fresh']);
    expect(report.removed.map((c: { name: string }) => c.name)).toEqual(['gone']);
    const docs = report.collections.find((c: { name: string }) => c.name === 'docs');
    expect(docs.counts).toEqual({ a: 50, b: 49, added: 2, removed: 3, documents: 1, metadata: 1, embeddings: 2, unchanged: 43 });
    expect(docs.added.sort()).toEqual(['new1', 'new2']);
    expect(docs.removed.sort()).toEqual(['d0', 'd1', 'd2']);
    expect(docs.documents).toEqual([{ id: 'd3', a: 'document 3', b: 'document 3, edited' }]);
    expect(docs.metadata).toEqual([{ id: 'd4', keys: ['n'] }]);
    expect(docs.embeddings.map((e: { id: string }) => e.id)).toEqual(['d5', 'd6']);
    expect(docs.embeddings[0].cosineDistance).toBeCloseTo(cosine(vec(5), vec(5, 0.5)), 5);
    expect(docs.embeddings[1].cosineDistance).toBeCloseTo(0, 6);
    expect(docs.settings).toEqual([]);
  });

  it('a backup zip compares like its folder; the same folder twice has no changes', async () => {
    const r = await run(['diff', zip, b, '--collection', 'docs', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).collections[0].counts).toMatchObject({ added: 2, removed: 3, documents: 1, metadata: 1, embeddings: 2 });
    const same = await run(['diff', a, zip]);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain('default_tenant/default_database/docs: 50 → 50 records, no changes');
  });

  it('prints a readable summary, and compares two collections with --against', async () => {
    const text = await run(['diff', a, b]);
    expect(text.out).toContain('+ collection default_tenant/default_database/fresh (only in b)');
    expect(text.out).toContain('- collection default_tenant/default_database/gone (only in a)');
    expect(text.out).toContain('  - 3 removed: d0, d1, d2');
    expect(text.out).toContain('  ~ 1 metadata changed: d4 (n)');
    const two = await run(['diff', b, b, '--collection', 'docs', '--against', 'fresh', '--json']);
    expect(JSON.parse(two.out).collections[0].counts).toMatchObject({ a: 49, b: 0, removed: 49 });
    expect(JSON.parse(two.out).collections[0].settings.map((s: { setting: string }) => s.setting)).toContain('dimension');
  });

  it('names an unreachable server and refuses bad options with a clear message', async () => {
    expect((await run(['diff', a, 'http://127.0.0.1:9'])).err).toMatch(/SERVER_UNREACHABLE.*127.0.0.1:9/);
    expect((await run(['diff', a, b, '--against', 'x'])).err).toMatch(/--against needs --collection/);
    expect((await run(['diff', a])).code).toBe(2);
  });
});
