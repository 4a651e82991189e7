import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';
import { openInspector, screenshotDir, type Session } from './harness.js';

/**
 * The embedding map in the browser: WebGL points coloured by metadata, a lasso driving the grid,
 * and the UMAP layout (started and cancelled, then laid out) with the same interactions on it.
 */
describe('embedding map (browser UI against serve)', () => {
  const data = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
  let s: Session;
  let total: number;
  let categories: string[];
  /** The point farthest from the centre (alone under the cursor), in map coordinates. */
  let lone: { id: string; x: number; y: number };
  /** The same for the UMAP layout (deterministic: the served engine lays out the same one). */
  let umap: { xy: Float32Array; ids: string[]; lone: { id: string; x: number; y: number } };

  const farthest = (ids: string[], xy: Float32Array) => {
    let best = -1;
    let out = { id: '', x: 0, y: 0 };
    ids.forEach((id, i) => {
      const r = Math.hypot(xy[2 * i]!, xy[2 * i + 1]!);
      if (r > best) [best, out] = [r, { id, x: xy[2 * i]!, y: xy[2 * i + 1]! }];
    });
    return out;
  };
  // UMAP gathers points into clumps, its outermost among them: the point farthest from any other.
  const loneliest = (ids: string[], xy: Float32Array) => {
    let best = -1;
    let out = { id: '', x: 0, y: 0 };
    ids.forEach((id, i) => {
      let near = Infinity;
      for (let j = 0; j < ids.length; j++) if (j !== i) near = Math.min(near, Math.hypot(xy[2 * i]! - xy[2 * j]!, xy[2 * i + 1]! - xy[2 * j + 1]!));
      if (near > best) [best, out] = [near, { id, x: xy[2 * i]!, y: xy[2 * i + 1]! }];
    });
    return out;
  };
  const coords = (b64: string) => new Float32Array(Buffer.from(b64, 'base64').buffer.slice(0));

  beforeAll(async () => {
    const folder = ChromaFolder.open(data);
    const map = folder.embeddingMap({ name: 'articles' });
    total = map.count;
    lone = farthest(map.ids, coords(map.xy));
    categories = folder.mapColors({ name: 'articles' }, 'category').categories;
    const laid = await folder.umapMap({ name: 'articles' }, new AbortController().signal, () => {});
    umap = { xy: coords(laid.xy), ids: laid.ids, lone: loneliest(laid.ids, coords(laid.xy)) };
    folder.close();
    s = await openInspector(data);
  });
  afterAll(() => s?.close());

  /** Page position of a map point, for the view's initial pan and zoom. */
  const pixelOf = async (x: number, y: number): Promise<[number, number]> => {
    const box = (await s.page.getByTestId('map-overlay').boundingBox())!;
    const side = Math.min(box.width, box.height) / 2 / 1.05;
    return [box.x + box.width / 2 + x * side, box.y + box.height / 2 - y * side];
  };

  /**
   * A Shift + drag square of half-side a quarter of the map around its centre; its half-side and a
   * pixel in map coordinates (measured as it was drawn: the grid it fills then takes map height).
   */
  const lassoCentre = async (): Promise<{ half: number; pixel: number }> => {
    const box = (await s.page.getByTestId('map-overlay').boundingBox())!;
    const [cx, cy, r] = [box.x + box.width / 2, box.y + box.height / 2, Math.min(box.width, box.height) / 4];
    await s.page.keyboard.down('Shift');
    await s.page.mouse.move(cx - r, cy - r);
    await s.page.mouse.down();
    for (const [dx, dy] of [[r, -r], [r, r], [-r, r], [-r, -r]] as const) {
      await s.page.mouse.move(cx + dx, cy + dy, { steps: 12 });
      await s.page.waitForTimeout(40);
    }
    await s.page.mouse.up();
    await s.page.keyboard.up('Shift');
    const side = Math.min(box.width, box.height) / 2 / 1.05;
    return { half: r / side, pixel: 1 / side };
  };

  it('draws every point, coloured by a metadata key with its legend', async () => {
    await s.page.getByTestId('tree-collection-articles').click();
    await s.page.getByTestId('view-map').click();
    await expect.poll(async () => s.page.getByTestId('map-info').textContent(), { timeout: 20_000 }).toContain(`${total.toLocaleString('en-US')} points`);
    await s.page.getByTestId('map-color-key').selectOption('category');
    await expect.poll(async () => s.page.getByTestId('map-legend').textContent()).toContain(categories[0]!);
    for (const c of categories) await expect(s.page.getByTestId('map-legend').textContent()).resolves.toContain(c);
  });

  it('a Shift + drag lasso selects points and the grid below lists exactly them', async () => {
    await lassoCentre();
    const badge = s.page.getByTestId('map-selection-count');
    await badge.waitFor({ timeout: 10_000 });
    const selected = Number((await badge.textContent())!.match(/^(\d+) selected/)![1]);
    expect(selected).toBeGreaterThan(1);
    expect(selected).toBeLessThan(total);
    const grid = s.page.getByTestId('grid-map');
    await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe(String(selected));
    mkdirSync(screenshotDir, { recursive: true });
    await s.page.screenshot({ path: join(screenshotDir, 'embedding-map.png') });
  });

  it('hovering a point names its record; a click lists it with its nearest neighbours', async () => {
    const [px, py] = await pixelOf(lone.x, lone.y);
    await s.page.mouse.move(px, py);
    await expect.poll(async () => s.page.getByTestId('map-hover').locator('code').textContent(), { timeout: 5_000 }).toBe(lone.id);
    await s.page.mouse.click(px, py);
    await expect.poll(async () => s.page.getByTestId('map-neighbours').textContent(), { timeout: 10_000 }).toBe(`${lone.id} and its 10 nearest neighbours`);
    const grid = s.page.getByTestId('grid-map');
    await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe('11');
  });

  it('places a pasted query vector on the map', async () => {
    const folder = ChromaFolder.open(data);
    const got = folder.get({ name: 'articles' }, { ids: ['articles-1499'], include: ['embeddings'] });
    folder.close();
    await s.page.getByTestId('map-vector').fill(JSON.stringify(got.embeddings![0]));
    await s.page.getByTestId('map-project').click();
    await s.page.waitForTimeout(300);
    await expect(s.page.locator('.inline-error').count()).resolves.toBe(0);
  });

  it('UMAP started and cancelled: the view goes back to PCA, with no error', async () => {
    await s.page.getByTestId('map-method-umap').click();
    const progress = s.page.getByTestId('map-umap-progress');
    await expect.poll(async () => progress.textContent(), { timeout: 20_000 }).toContain('Laying out (UMAP)');
    await expect(progress.textContent()).resolves.toMatch(/\d+ \/ \d+/);
    await progress.getByTestId('cancel-call').click();
    await progress.waitFor({ state: 'detached', timeout: 5_000 });
    await expect(s.page.getByTestId('map-method-pca').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(s.page.getByTestId('map-info').getAttribute('data-method')).resolves.toBe('pca');
    await expect(s.page.getByTestId('map-view').getByTestId('error-state').count()).resolves.toBe(0);
  });

  it('UMAP: PCA stays drawn until the layout arrives; a lasso on it fills the grid with exactly its points', async () => {
    await s.page.getByTestId('map-method-umap').click();
    await s.page.getByTestId('map-umap-progress').waitFor({ timeout: 10_000 });
    await expect(s.page.getByTestId('map-info').getAttribute('data-method')).resolves.toBe('pca');
    await expect.poll(async () => s.page.getByTestId('map-info').getAttribute('data-method'), { timeout: 60_000 }).toBe('umap');
    const info = (await s.page.getByTestId('map-info').textContent())!;
    expect(info).toContain(`UMAP of all ${total.toLocaleString('en-US')} points`);
    expect(info).not.toContain('variance');
    await expect.poll(async () => s.page.getByTestId('map-legend').textContent()).toContain(categories[0]!);

    const { half, pixel } = await lassoCentre();
    const badge = s.page.getByTestId('map-selection-count');
    await badge.waitFor({ timeout: 10_000 });
    const selected = Number((await badge.textContent())!.match(/^(\d+) selected/)![1]);
    // The UMAP points inside the square (within a pixel of its edges either way): not PCA's.
    const inside = (margin: number) => umap.ids.filter((_, i) => Math.abs(umap.xy[2 * i]!) < half + margin && Math.abs(umap.xy[2 * i + 1]!) < half + margin).length;
    expect(selected).toBeGreaterThan(1);
    expect(selected).toBeGreaterThanOrEqual(inside(-pixel));
    expect(selected).toBeLessThanOrEqual(inside(pixel));
    const grid = s.page.getByTestId('grid-map');
    await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe(String(selected));
    await s.page.screenshot({ path: join(screenshotDir, 'embedding-map-umap.png') });
  });

  it('on UMAP: hover names the record, a click lists its neighbours, the pasted vector lands on its record', async () => {
    const [px, py] = await pixelOf(umap.lone.x, umap.lone.y);
    await s.page.mouse.move(px, py);
    await expect.poll(async () => s.page.getByTestId('map-hover').locator('code').textContent(), { timeout: 5_000 }).toBe(umap.lone.id);
    await s.page.mouse.click(px, py);
    await expect.poll(async () => s.page.getByTestId('map-neighbours').textContent(), { timeout: 10_000 }).toBe(`${umap.lone.id} and its 10 nearest neighbours`);
    await expect.poll(async () => s.page.getByTestId('grid-map').getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe('11');
    // The vector pasted on PCA is placed again on the layout drawn.
    const at = umap.ids.indexOf('articles-1499');
    const marker = s.page.getByTestId('map-marker');
    const off = async () => Math.hypot(Number(await marker.getAttribute('data-x')) - umap.xy[2 * at]!, Number(await marker.getAttribute('data-y')) - umap.xy[2 * at + 1]!);
    await expect.poll(off, { timeout: 10_000 }).toBeLessThan(0.05);
  });

  it('back to PCA: its layout and note again', async () => {
    await s.page.getByTestId('map-method-pca').click();
    await expect.poll(async () => s.page.getByTestId('map-info').textContent()).toContain('of the variance');
  });

  it('a map sent without its ids (as above 100,000 points): hover, lasso and click ask for theirs', async () => {
    const calls: { method: string; input: Record<string, unknown> }[] = [];
    s.page.on('websocket', (socket) =>
      socket.on('framesent', (f) => {
        const m = JSON.parse(String(f.payload)) as { type: string; method?: string; input?: Record<string, unknown> };
        if (m.type === 'call') calls.push({ method: m.method!, input: m.input! });
      }),
    );
    // The view's limit for maps sent with their ids, lowered so this small folder goes without.
    await s.page.evaluate(() => localStorage.setItem('chroma-inspector.map.inlineIds', '0'));
    try {
      await s.page.reload();
      await s.page.getByTestId('tree-collection-articles').click();
      await s.page.getByTestId('view-map').click();
      await expect.poll(async () => s.page.getByTestId('map-info').textContent(), { timeout: 20_000 }).toContain(`${total.toLocaleString('en-US')} points`);
      expect(calls.find((c) => c.method === 'embeddingMap')?.input).toMatchObject({ withIds: false });

      const [px, py] = await pixelOf(lone.x, lone.y);
      await s.page.mouse.move(px, py);
      await expect.poll(async () => s.page.getByTestId('map-hover').locator('code').textContent(), { timeout: 5_000 }).toBe(lone.id);
      expect(calls.some((c) => c.method === 'mapIds')).toBe(true);

      await lassoCentre();
      const badge = s.page.getByTestId('map-selection-count');
      await badge.waitFor({ timeout: 10_000 });
      const selected = Number((await badge.textContent())!.match(/^(\d+) selected/)![1]);
      expect(selected).toBeGreaterThan(1);
      const grid = s.page.getByTestId('grid-map');
      await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe(String(selected));
      const asked = calls.filter((c) => c.method === 'mapIds').map((c) => (c.input.points as number[]).length);
      expect(asked).toContain(selected);

      // The grid below the map took some of its height: the point moved.
      await s.page.mouse.click(...(await pixelOf(lone.x, lone.y)));
      await expect.poll(async () => s.page.getByTestId('map-neighbours').textContent(), { timeout: 10_000 }).toBe(`${lone.id} and its 10 nearest neighbours`);
      await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe('11');
      // The neighbours are highlighted by point: asked for by id.
      await expect.poll(() => calls.find((c) => c.method === 'mapPoints')?.input.ids).toHaveLength(11);
    } finally {
      await s.page.evaluate(() => localStorage.removeItem('chroma-inspector.map.inlineIds'));
    }
  });
});
