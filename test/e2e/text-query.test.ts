import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { chromaModelFolder } from '../../src-main/engine/embed/minilm-model.js';
import { expectedTinyEmbedding, TINY_IDS, TINY_WIDTH, writeTinyModelFolder } from '../helpers/tiny-bert-model.js';
import { openInspector, screenshotDir, type Session } from './harness.js';

/**
 * Query by text in the browser UI. The real all-MiniLM-L6-v2 cannot be downloaded here, so a
 * stand-in of the same shape sits where Chroma keeps its model (HOME/.cache/chroma/…) and the
 * engine finds it there as it would the real one. Every record's vector, and every expected rank,
 * is computed in this file from the model's tables (expectedTinyEmbedding), not by the engine.
 */

/** Each document with its tokens as the BERT tokenizer splits them (by hand, [CLS] … [SEP]). */
const DOCS: { id: string; document: string; tokens: string[] }[] = [
  { id: 'cat-sat-on-mat', document: 'the cat sat on the mat', tokens: ['the', 'cat', 'sat', 'on', 'the', 'mat'] },
  { id: 'hello-world', document: 'hello world', tokens: ['hello', 'world'] },
  { id: 'hello-world-bang', document: 'hello, world!', tokens: ['hello', ',', 'world', '!'] },
  { id: 'a-cat-on-a-mat', document: 'a cat on a mat', tokens: ['a', 'cat', 'on', 'a', 'mat'] },
  { id: 'the-mats', document: 'the mats', tokens: ['the', 'mat', '##s'] },
  { id: 'unaffable-cafe', document: 'unaffable cafe', tokens: ['un', '##aff', '##able', 'cafe'] },
  { id: 'a-cat-sat', document: 'a cat sat', tokens: ['a', 'cat', 'sat'] },
  { id: 'world-on-a-mat', document: 'the world on a mat.', tokens: ['the', 'world', 'on', 'a', 'mat', '.'] },
];
const QUERY = DOCS[0]!;
const ids = (tokens: string[]) => ['[CLS]', ...tokens, '[SEP]'].map((t) => TINY_IDS[t]!);
const vectors = DOCS.map((d) => expectedTinyEmbedding(ids(d.tokens)));
const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return 1 - dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
};
/** Every record by cosine distance to the query text's vector: the brute-force answer. */
const ranking = DOCS.map((d, i) => ({ id: d.id, d: cosine(vectors[0]!, vectors[i]!) })).sort((a, b) => a.d - b.d);

async function shot(s: Session, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  await s.page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** The query grid's rows in order, once it shows `n` of them. */
async function resultRows(s: Session, n: number): Promise<{ id: string; distance: number }[]> {
  const grid = s.page.getByTestId('grid-query');
  const read = () =>
    grid.getByTestId('grid-row').evaluateAll((rows) =>
      rows
        .map((r) => ({
          index: Number(r.getAttribute('data-index')),
          // Cells: the row number, then the distance.
          distance: Number(r.querySelectorAll('[role=gridcell]')[1]?.textContent),
          // The title holds the bare id (the cell may also show a WAL mark).
          id: r.querySelector('.cell-id')?.getAttribute('title') ?? '',
        }))
        .sort((a, b) => a.index - b.index)
        .map(({ id, distance }) => ({ id, distance })),
    );
  await expect.poll(async () => (await read()).filter((r) => r.id !== '').length, { timeout: 10_000 }).toBe(n);
  return read();
}

describe('query by text (browser UI against serve)', () => {
  let root: string;
  let dir: string;
  let home: string;
  let s: Session;
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'text-query-e2e-'));
    home = join(root, 'home');
    writeTinyModelFolder(chromaModelFolder(home));
    dir = join(root, 'chroma');
    const client = new PersistentClient({ path: dir });
    const add = async (name: string, embeddingFunction: null | undefined) => {
      // undefined: the client records Chroma's default function ({type: 'known', name: 'default'});
      // null: nothing recorded, as in a folder written before Chroma 1.0.
      const col = await client.createCollection({ name, metadata: { 'hnsw:space': 'cosine' }, embeddingFunction });
      await col.add({ ids: DOCS.map((d) => d.id), embeddings: vectors, documents: DOCS.map((d) => d.document) });
    };
    await add('phrases', undefined);
    await add('unrecorded', null);
    await client.close();
    // The engine runs in this process (serve's EngineService) and looks for Chroma's model under
    // the home directory, as Chroma's Python client does: point HOME at the one holding the stand-in.
    process.env.HOME = home;
    s = await openInspector(dir);
  });
  afterAll(async () => {
    await s?.close();
    process.env.HOME = savedHome;
    rmSync(root, { recursive: true, force: true });
  });

  it('the brute-force ranking has no ties (so the order is well defined)', () => {
    expect(vectors[0]!.length).toBe(TINY_WIDTH);
    for (let i = 1; i < ranking.length; i++) expect(ranking[i]!.d - ranking[i - 1]!.d).toBeGreaterThan(1e-6);
  });

  it('says how the text is embedded: Chroma’s default function, all-MiniLM-L6-v2 from Chroma’s cache', async () => {
    await s.page.getByTestId('tree-collection-phrases').click();
    await s.page.getByTestId('view-query').click();
    await s.page.getByTestId('query-view').waitFor();
    await s.page.getByTestId('query-mode-text').click();
    const status = s.page.getByTestId('text-function-status');
    await expect.poll(async () => status.getAttribute('data-ready'), { timeout: 10_000 }).toBe('true');
    const text = (await status.textContent()) ?? '';
    expect(text).toContain('Chroma recorded "default"');
    expect(text).toContain('all-MiniLM-L6-v2');
    expect(text).toContain(chromaModelFolder(home));
    // The recorded function runs: no "use the default instead" offered; the model's fields are.
    await expect(s.page.getByTestId('text-use-default').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('text-model-dir').isVisible()).resolves.toBe(true);
    await expect(s.page.getByTestId('text-model-url').isVisible()).resolves.toBe(true);
  });

  it('embeds the text and queries with its vector: the brute-force cosine order, the same text at distance 0', async () => {
    await s.page.getByTestId('text-query-input').fill(QUERY.document);
    await s.page.getByTestId('text-embed-button').click();
    await expect.poll(async () => s.page.getByTestId('text-embedded-note').textContent(), { timeout: 10_000 }).toBe(`Embedded with all-MiniLM-L6-v2 · ${QUERY.tokens.length + 2} tokens`);
    await expect(s.page.getByTestId('query-vector-state').textContent()).resolves.toContain(`${TINY_WIDTH}d`);
    await s.page.getByTestId('query-k').fill(String(DOCS.length));
    await s.page.getByTestId('query-run').click();
    const rows = await resultRows(s, DOCS.length);
    expect(rows[0]!.id).toBe(QUERY.id);
    expect(rows[0]!.distance).toBeLessThan(1e-5);
    expect(rows.map((r) => r.id)).toEqual(ranking.map((r) => r.id));
    rows.forEach((r, i) => expect(r.distance).toBeCloseTo(ranking[i]!.d, 5));
    await shot(s, 'text-query');
  });

  it('why not? for a record below k, with the same vector', async () => {
    await s.page.getByTestId('query-k').fill('3');
    await s.page.getByTestId('query-run').click();
    const rows = await resultRows(s, 3);
    expect(rows.map((r) => r.id)).toEqual(ranking.slice(0, 3).map((r) => r.id));
    const below = ranking[5]!.id;
    await s.page.getByTestId('why-not-id').fill(below);
    await s.page.getByTestId('why-not-run').click();
    const answer = s.page.getByTestId('why-not-answer');
    await expect.poll(async () => answer.getAttribute('data-cause'), { timeout: 10_000 }).toBe('ranked-below-k');
    await expect(answer.getByTestId('why-not-ranks').textContent()).resolves.toContain(`6 of ${DOCS.length}`);
  });

  it('nothing recorded: says why, offers Chroma’s default model, and then the query works', async () => {
    await s.page.getByTestId('tree-collection-unrecorded').click();
    await s.page.getByTestId('query-view').waitFor();
    await s.page.getByTestId('query-mode-text').click();
    const status = s.page.getByTestId('text-function-status');
    await expect.poll(async () => status.getAttribute('data-ready'), { timeout: 10_000 }).toBe('false');
    await expect(status.textContent()).resolves.toContain('Chroma recorded no embedding function for this collection');
    await s.page.getByTestId('text-query-input').fill(QUERY.document);
    await expect(s.page.getByTestId('text-embed-button').isDisabled()).resolves.toBe(true);
    await shot(s, 'text-query-not-recorded');
    await s.page.getByTestId('text-use-default').check();
    await expect.poll(async () => status.getAttribute('data-ready'), { timeout: 10_000 }).toBe('true');
    await expect(status.textContent()).resolves.toContain("using Chroma's default instead: all-MiniLM-L6-v2");
    await s.page.getByTestId('text-embed-button').click();
    await s.page.getByTestId('text-embedded-note').waitFor({ timeout: 10_000 });
    await s.page.getByTestId('query-k').fill(String(DOCS.length));
    await s.page.getByTestId('query-run').click();
    const rows = await resultRows(s, DOCS.length);
    expect(rows[0]!.id).toBe(QUERY.id);
    expect(rows[0]!.distance).toBeLessThan(1e-5);
    expect(rows.map((r) => r.id)).toEqual(ranking.map((r) => r.id));
  });

  it('the map places a text where its record lies', async () => {
    await s.page.getByTestId('tree-collection-phrases').click();
    await s.page.getByTestId('view-map').click();
    const view = s.page.getByTestId('map-view');
    await expect.poll(async () => view.getByTestId('map-info').textContent(), { timeout: 20_000 }).toContain(`${DOCS.length} points`);
    const folder = ChromaFolder.open(dir);
    const map = folder.embeddingMap({ name: 'phrases' });
    folder.close();
    // Copied out: a small Buffer is a view into Node's shared pool, not its own ArrayBuffer.
    const xy = new Float32Array(Uint8Array.from(Buffer.from(map.xy, 'base64')).buffer);
    const at = map.ids.indexOf(QUERY.id);
    const [x, y] = [xy[2 * at]!, xy[2 * at + 1]!];

    await expect.poll(async () => view.getByTestId('map-text-model').textContent(), { timeout: 10_000 }).toBe('all-MiniLM-L6-v2');
    await view.getByTestId('map-text').fill(QUERY.document);
    await view.getByTestId('map-place-text').click();
    const marker = view.getByTestId('map-marker');
    await marker.waitFor({ timeout: 10_000 });
    await expect(marker.textContent()).resolves.toContain(`“${QUERY.document}”`);
    expect(Number(await marker.getAttribute('data-x'))).toBeCloseTo(x, 4);
    expect(Number(await marker.getAttribute('data-y'))).toBeCloseTo(y, 4);
    await expect.poll(() => markerDrawnAt(view.getByTestId('map-overlay'), x, y), { timeout: 5_000 }).toBe(true);
    await shot(s, 'text-query-map');
    // How it was embedded, on a click of the model's name.
    await view.getByTestId('map-text-model').click();
    await expect(view.getByTestId('map-text-panel').getByTestId('text-function-status').textContent()).resolves.toContain(chromaModelFolder(home));
    await view.getByTestId('map-text-model').click();
    await expect(view.getByTestId('map-text-panel').count()).resolves.toBe(0);
  });
});

/** Whether the overlay canvas has the marker's red square around map point (x, y) (the map's initial view). */
async function markerDrawnAt(overlay: Locator, x: number, y: number): Promise<boolean> {
  return overlay.evaluate(
    (canvas, [px, py]) => {
      const c = canvas as HTMLCanvasElement;
      const ratio = c.width / c.clientWidth;
      const side = Math.min(c.clientWidth, c.clientHeight) / 2 / 1.05;
      const [cx, cy] = [(c.clientWidth / 2 + px! * side) * ratio, (c.clientHeight / 2 - py! * side) * ratio];
      const r = Math.ceil(10 * ratio);
      const data = c.getContext('2d')!.getImageData(Math.round(cx - r), Math.round(cy - r), 2 * r, 2 * r).data;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 150 && data[i + 1]! < 90 && data[i + 3]! > 120) return true;
      return false;
    },
    [x, y],
  );
}
