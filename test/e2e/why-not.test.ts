import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { openInspector, screenshotDir, type Session } from './harness.js';

/**
 * "Why not this record?" in the browser UI, one screenshot per cause. The folder is written here
 * with a deliberately poor HNSW graph (so its search misses true neighbours); every expected rank
 * comes from a brute force in this file, not from the engine.
 */

const dim = 16;
const n = 1200;
let seed = 5;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const vectors = Array.from({ length: n }, () => Array.from({ length: dim }, rand));
const l2 = (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
const ranked = (q: number[]) => vectors.map((v, i) => ({ id: `r${i}`, d: l2(q, v) })).sort((a, b) => a.d - b.d);
const bucket = (i: number) => i % 4;
const doc = (i: number) => `${i % 2 === 0 ? 'alpha' : 'beta'} record ${i}`;

async function shot(s: Session, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  await s.page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

describe('why not this record? (browser UI against serve)', () => {
  let dir: string;
  let s: Session;
  // A record whose own vector, as a k = 5 query, is answered without one of its true top 5.
  let probe: { id: string; missed: string; missedRank: number; belowK: string; belowRank: number };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'why-not-e2e-'));
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({
      name: 'sparse',
      metadata: { 'hnsw:space': 'l2', 'hnsw:M': 2, 'hnsw:construction_ef': 4, 'hnsw:search_ef': 1, 'hnsw:batch_size': 100, 'hnsw:sync_threshold': 100 },
      embeddingFunction: null,
    });
    for (let i = 0; i < n; i += 100) {
      const idx = Array.from({ length: 100 }, (_, j) => i + j);
      await col.add({ ids: idx.map((j) => `r${j}`), embeddings: idx.map((j) => vectors[j]!), metadatas: idx.map((j) => ({ bucket: bucket(j) })), documents: idx.map(doc) });
    }
    await client.close();
    const folder = ChromaFolder.open(dir);
    for (let i = 0; i < n && !probe; i++) {
      const order = ranked(vectors[i]!);
      const got = folder.query({ name: 'sparse' }, { queryEmbeddings: [vectors[i]], nResults: 5, include: [] }).ids[0]!;
      const at = order.slice(0, 5).findIndex((r, j) => r.id !== `r${i}` && !got.includes(r.id) && order[j + 1]!.d - r.d > 1e-4 && (j === 0 || r.d - order[j - 1]!.d > 1e-4));
      if (at >= 0) probe = { id: `r${i}`, missed: order[at]!.id, missedRank: at + 1, belowK: order[40]!.id, belowRank: 41 };
    }
    folder.close();
    expect(probe).toBeDefined();
    s = await openInspector(dir);
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (id: string) => {
    await s.page.getByTestId('why-not-id').fill(id);
    await s.page.getByTestId('why-not-run').click();
    const answer = s.page.getByTestId('why-not-answer');
    await answer.waitFor();
    await expect.poll(async () => (await answer.textContent())?.includes(JSON.stringify(id))).toBe(true);
    return answer;
  };

  it('loads the probe record as the query vector and runs k = 5', async () => {
    await s.page.getByTestId('view-query').click();
    await s.page.getByTestId('query-view').waitFor();
    await s.page.getByTestId('query-mode-record').click();
    await s.page.getByTestId('query-record-id').fill(probe.id);
    await s.page.getByTestId('query-load-record').click();
    await expect.poll(async () => s.page.getByTestId('query-vector-state').textContent(), { timeout: 10_000 }).toContain(`${dim}d`);
    await s.page.getByTestId('query-k').fill('5');
    await s.page.getByTestId('query-run').click();
    await s.page.getByTestId('grid-query').getByTestId('grid-row').first().waitFor();
  });

  it('missed by the index: exact search ranks it within k, the graph search did not reach it', async () => {
    const answer = await ask(probe.missed);
    await expect(answer.getAttribute('data-cause')).resolves.toBe('missed-by-index');
    await expect(answer.getByTestId('why-not-ranks').textContent()).resolves.toContain(`${probe.missedRank} of ${n}`);
    await shot(s, 'why-not-missed-by-index');
  });

  it('ranked below k: its exact rank among every record', async () => {
    const answer = await ask(probe.belowK);
    await expect(answer.getAttribute('data-cause')).resolves.toBe('ranked-below-k');
    await expect(answer.getByTestId('why-not-ranks').textContent()).resolves.toContain(`${probe.belowRank} of ${n}`);
    await shot(s, 'why-not-ranked-below-k');
  });

  it('excluded by where: the failing leaf, with the record’s value', async () => {
    await s.page.getByTestId('query-toggle-filter').click();
    await s.page.getByTestId('where-json').fill('{"bucket": 1}');
    const other = `r${vectors.findIndex((_, i) => bucket(i) === 2)}`;
    const answer = await ask(other);
    await expect(answer.getAttribute('data-cause')).resolves.toBe('excluded-by-where');
    const misses = answer.getByTestId('why-not-misses');
    await expect(misses.textContent()).resolves.toContain('{"bucket":{"$eq":1}}');
    await expect(misses.textContent()).resolves.toContain('"bucket" is 2 (int), not = 1 (int)');
    await shot(s, 'why-not-where');
    await s.page.getByTestId('where-json').fill('');
  });

  it('excluded by whereDocument: the text its document lacks', async () => {
    await s.page.getByTestId('where-document-json').fill('{"$contains": "alpha"}');
    const answer = await ask('r7');
    await expect(answer.getAttribute('data-cause')).resolves.toBe('excluded-by-where-document');
    await expect(answer.getByTestId('why-not-misses').textContent()).resolves.toContain('the document does not contain "alpha" (case-sensitive)');
    await shot(s, 'why-not-where-document');
    await s.page.getByTestId('where-document-json').fill('');
  });

  it('recall lab: the plot, the figure an independent brute force gives, the advice', async () => {
    await s.page.getByTestId('view-recall').click();
    await s.page.getByTestId('recall-k').fill('5');
    await s.page.getByTestId('recall-queries').fill('100');
    await s.page.getByTestId('recall-run').click();
    await s.page.getByTestId('recall-report').waitFor({ timeout: 30_000 });
    // The same sample through the engine, and its recall recomputed here by brute force against
    // the answers of Chroma's query (folder.query).
    const folder = ChromaFolder.open(dir);
    try {
      const report = folder.recall({ name: 'sparse' }, { k: 5, queries: 100 });
      let sum = 0;
      for (const id of report.sampleIds) {
        const q = vectors[Number(id.slice(1))]!;
        const exact = ranked(q).filter((r) => r.id !== id).slice(0, 5).map((r) => r.id);
        const got = new Set(folder.query({ name: 'sparse' }, { queryEmbeddings: [q], nResults: 6, include: [] }).ids[0]!.filter((x) => x !== id).slice(0, 5));
        sum += exact.filter((x) => got.has(x)).length / 5;
      }
      await expect(s.page.getByTestId('recall-value').textContent()).resolves.toBe(`recall@5 ${((100 * sum) / report.sampleIds.length).toFixed(1)}%`);
    } finally {
      folder.close();
    }
    await s.page.getByTestId('recall-plot').waitFor();
    await expect(s.page.getByTestId('recall-advice').textContent()).resolves.toMatch(/ef_search/);
    await shot(s, 'recall-lab');
    await s.page.getByTestId('view-query').click();
  });

  it('from a record panel: asks for that record and answers for the query on screen', async () => {
    await s.page.getByTestId('query-run').click();
    const grid = s.page.getByTestId('grid-query');
    const first = grid.getByTestId('grid-row').first();
    await first.waitFor();
    await first.click();
    const id = await s.page.getByTestId('detail-id').textContent();
    await s.page.getByTestId('detail-why-not').click();
    await expect.poll(async () => s.page.getByTestId('why-not-id').inputValue()).toBe(id);
    const answer = s.page.getByTestId('why-not-answer');
    await expect.poll(async () => answer.getAttribute('data-cause'), { timeout: 10_000 }).toBe('returned');
  });
});
