import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { hashTree } from '../helpers/hash-tree.js';
import { openInspector, screenshotDir, type Session } from './harness.js';

/** The Diff view: the open folder against a changed copy; the changes expected are the ones made here. */
describe('diff view (browser UI against serve)', () => {
  let root: string;
  let a: string;
  let b: string;
  let s: Session;
  const vec = (i: number, shift = 0) => Array.from({ length: 6 }, (_, j) => Math.cos(i * 3 + j) + shift);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'diff-e2e-'));
    a = join(root, 'a');
    b = join(root, 'b');
    const ca = new PersistentClient({ path: a });
    const col = await ca.createCollection({ name: 'notes', embeddingFunction: null });
    await col.add({ ids: ['n1', 'n2', 'n3', 'n4'], embeddings: [vec(1), vec(2), vec(3), vec(4)], documents: ['one', 'two', 'three', 'four'], metadatas: [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }] });
    await ca.close();
    cpSync(a, b, { recursive: true });
    const cb = new PersistentClient({ path: b });
    const colB = await cb.getCollection({ name: 'notes', embeddingFunction: null });
    await colB.delete({ ids: ['n1'] });
    await colB.add({ ids: ['n9'], embeddings: [vec(9)], documents: ['nine'] });
    await colB.update({ ids: ['n2'], documents: ['two, rewritten'], embeddings: [vec(2)] });
    await colB.update({ ids: ['n3'], embeddings: [vec(3, 0.4)] });
    await cb.close();
    s = await openInspector(a);
  });
  afterAll(async () => {
    await s?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows ids added and removed, the changed document and the embedding drift; neither folder is written', async () => {
    const before = [hashTree(a), hashTree(b)];
    await s.page.getByTestId('view-diff').click();
    await expect(s.page.getByTestId('diff-other').getAttribute('placeholder')).resolves.toMatch(/server URL http\(s\):\/\/host:port/);
    await s.page.getByTestId('diff-other').fill(b);
    await s.page.getByTestId('diff-run').click();
    const card = s.page.getByTestId('diff-collection');
    await card.waitFor({ timeout: 20_000 });
    await expect(card.getByTestId('diff-added').textContent()).resolves.toContain('n9');
    await expect(card.getByTestId('diff-removed').textContent()).resolves.toContain('n1');
    await expect(card.getByTestId('diff-documents').textContent()).resolves.toContain('two, rewritten');
    await expect(card.getByTestId('diff-embeddings').textContent()).resolves.toMatch(/n3 0\.\d+/);
    await expect(card.textContent()).resolves.toContain('4 → 4 records');
    mkdirSync(screenshotDir, { recursive: true });
    await s.page.screenshot({ path: join(screenshotDir, 'diff.png') });
    expect([hashTree(a), hashTree(b)]).toEqual(before);
  });
});
