import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';
import { openInspector, screenshotDir, type Session } from './harness.js';

/** The embedding map in the browser: WebGL points coloured by metadata, a lasso driving the grid. */
describe('embedding map (browser UI against serve)', () => {
  const data = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
  let s: Session;
  let total: number;
  let categories: string[];
  /** The point farthest from the centre (alone under the cursor), in map coordinates. */
  let lone: { id: string; x: number; y: number };

  beforeAll(async () => {
    const folder = ChromaFolder.open(data);
    const map = folder.embeddingMap({ name: 'articles' });
    total = map.count;
    const xy = new Float32Array(Buffer.from(map.xy, 'base64').buffer.slice(0));
    let best = -1;
    map.ids.forEach((id, i) => {
      const r = Math.hypot(xy[2 * i]!, xy[2 * i + 1]!);
      if (r > best) [best, lone] = [r, { id, x: xy[2 * i]!, y: xy[2 * i + 1]! }];
    });
    categories = folder.mapColors({ name: 'articles' }, 'category').categories;
    folder.close();
    s = await openInspector(data);
  });
  afterAll(() => s?.close());

  it('draws every point, coloured by a metadata key with its legend', async () => {
    await s.page.getByTestId('tree-collection-articles').click();
    await s.page.getByTestId('view-map').click();
    await expect.poll(async () => s.page.getByTestId('map-info').textContent(), { timeout: 20_000 }).toContain(`${total.toLocaleString('en-US')} points`);
    await s.page.getByTestId('map-color-key').selectOption('category');
    await expect.poll(async () => s.page.getByTestId('map-legend').textContent()).toContain(categories[0]!);
    for (const c of categories) await expect(s.page.getByTestId('map-legend').textContent()).resolves.toContain(c);
  });

  it('a Shift + drag lasso selects points and the grid below lists exactly them', async () => {
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
    // Undo the lasso's selection first: a plain click on empty space.
    const box = (await s.page.getByTestId('map-overlay').boundingBox())!;
    const side = Math.min(box.width, box.height) / 2 / 1.05;
    const [px, py] = [box.x + box.width / 2 + lone.x * side, box.y + box.height / 2 - lone.y * side];
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
});
