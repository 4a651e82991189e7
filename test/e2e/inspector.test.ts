import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector, screenshotDir, type Session } from './harness.js';
import { referenceFixture } from '../helpers/paths.js';
import type { RecordedCase } from '../helpers/compare.js';

const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const recorded = (collection: string, label: string) => cases.find((c) => c.collection === collection && c.label === label)!;
const scratch = mkdtempSync(join(tmpdir(), 'ci-e2e-'));
const BIG = 250_000;

/** A copy of the reference folder whose `points` collection gets BIG more records (metadata only). */
function makeBigFolder(): string {
  const dir = join(scratch, 'big');
  cpSync(join(fixture, 'data'), dir, { recursive: true });
  const db = new Database(join(dir, 'chroma.sqlite3'));
  db.pragma('foreign_keys = OFF');
  const seg = (db.prepare("SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE c.name = 'points' AND s.scope = 'METADATA'").get() as { id: string }).id;
  const addRow = db.prepare("INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, 1) RETURNING id");
  const addMeta = db.prepare('INSERT INTO embedding_metadata (id, key, string_value, int_value) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < BIG; i++) {
      const { id } = addRow.get(seg, `big-${String(i).padStart(6, '0')}`) as { id: number };
      addMeta.run(id, 'chroma:document', `bulk document ${i}`, null);
      addMeta.run(id, 'n', null, i);
    }
  })();
  db.close();
  return dir;
}

async function shot(s: Session, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  await s.page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

describe('the inspector in a browser, against serve', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openInspector(join(fixture, 'data'));
    await s.page.getByTestId('folder-overview').waitFor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('opens the bundled demo folder and shows its era and health', async () => {
    await expect(s.page.getByTestId('status-era').textContent()).resolves.toMatch(/1\.5/);
    await expect(s.page.getByTestId('readonly-badge').isVisible()).resolves.toBe(true);
    await expect(s.page.getByTestId('problem-item').count()).resolves.toBeGreaterThan(0);
    await shot(s, 'overview');
  });

  it('took the access token out of the address and holds it in an HttpOnly cookie', async () => {
    expect(s.page.url()).not.toContain('token=');
    expect(s.page.url()).toBe(`http://127.0.0.1:${s.server.port}/`);
    const cookies = await s.page.context().cookies();
    const session = cookies.find((c) => c.value === s.server.token);
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    await expect(s.page.evaluate(() => document.cookie)).resolves.not.toContain(s.server.token);
  });

  it('shows tenants, databases and collections with Chroma counts in the tree', async () => {
    const articles = s.page.getByTestId('tree-collection-articles');
    await articles.waitFor();
    await expect(articles.getByTestId('tree-collection-count').textContent()).resolves.toMatch(
      new RegExp(String(recorded('articles', 'count').result).replace(/\B(?=(\d{3})+(?!\d))/g, ',?')),
    );
    await expect(s.page.getByTestId('tree-tenant-acme').isVisible()).resolves.toBe(true);
    await expect(s.page.getByTestId('tree-collection-tickets').isVisible()).resolves.toBe(true);
  });

  it('shows a collection: configuration, segments, decoded HNSW header and pickle', async () => {
    await s.page.getByTestId('tree-collection-articles').click();
    await s.page.getByTestId('view-collection').click();
    await s.page.getByTestId('collection-view').waitFor();
    await expect(s.page.getByTestId('collection-name').textContent()).resolves.toContain('articles');
    await expect(s.page.getByTestId('collection-hnsw').textContent()).resolves.toContain('cosine');
    await expect(s.page.getByTestId('segment-card').count()).resolves.toBe(2);
    await expect(s.page.getByTestId('segment-persisted').first().textContent()).resolves.toMatch(/\d/);
    await shot(s, 'collection');
  });

  it('lists records in Chroma order, with typed metadata and a detail panel', async () => {
    await s.page.getByTestId('view-records').click();
    const grid = s.page.getByTestId('grid-records');
    await grid.getByTestId('grid-row').first().waitFor();
    await expect(grid.getByTestId('grid-total').getAttribute('data-total')).resolves.toBe(String(recorded('articles', 'count').result));
    await grid.getByTestId('grid-row').first().click();
    await s.page.getByTestId('detail-panel').waitFor();
    await expect(s.page.getByTestId('detail-embedding').getAttribute('data-dimension')).resolves.toBe('16');
    await shot(s, 'records');
    await s.page.getByTestId('detail-close').click();
  });

  it('filters with the search builder and returns what Chroma returned', async () => {
    await s.page.getByTestId('view-search').click();
    await s.page.getByTestId('search-view').waitFor();
    const json = s.page.getByTestId('where-json');
    await json.fill('{"category": "news"}');
    await s.page.getByTestId('search-run').click();
    const grid = s.page.getByTestId('grid-search');
    await grid.getByTestId('grid-row').first().waitFor();
    const expected = (recorded('articles', 'get where {"category":"news"}').result as { ids: string[] }).ids;
    await expect(grid.getByTestId('grid-total').getAttribute('data-total')).resolves.toBe(String(expected.length));
    await expect(grid.getByTestId('grid-row').first().textContent()).resolves.toContain(expected[0]!);
    await expect(s.page.getByTestId('snippet-python').textContent()).resolves.toContain('where=');
    await shot(s, 'search');
  });

  it('shows a bad filter inline with the error Chroma gave for it, and keeps working', async () => {
    const bad = recorded('articles', 'bad where');
    expect(bad.error).toBeDefined();
    await s.page.getByTestId('where-json').fill(JSON.stringify(bad.args.where));
    const run = s.page.getByTestId('search-run');
    // The builder may refuse the filter before it reaches the engine (run disabled): either way
    // the message shown must be Chroma's.
    if (await run.isEnabled()) await run.click();
    const message = s.page.getByTestId('search-invalid').or(s.page.getByTestId('search-error')).first();
    await message.waitFor();
    await expect(message.textContent()).resolves.toContain(bad.error!);
    // A valid filter afterwards runs, with Chroma's answer, and the error is gone.
    const good = recorded('articles', 'get where {"published":true}');
    await s.page.getByTestId('where-json').fill(JSON.stringify(good.args.where));
    await s.page.getByTestId('search-run').click();
    const grid = s.page.getByTestId('grid-search');
    await expect
      .poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 })
      .toBe(String((good.result as { ids: string[] }).ids.length));
    await expect(s.page.getByTestId('search-invalid').or(s.page.getByTestId('search-error')).count()).resolves.toBe(0);
    await s.page.getByTestId('where-json').fill('{}');
  });

  it('runs a vector query by a record’s own embedding: the record is its own nearest neighbour', async () => {
    await s.page.getByTestId('view-query').click();
    await s.page.getByTestId('query-view').waitFor();
    await s.page.getByTestId('query-mode-record').click();
    await s.page.getByTestId('query-record-id').fill('articles-1499');
    await s.page.getByTestId('query-load-record').click();
    // The loaded vector is the one Chroma returned for articles-1499 (first 6 components, 4 places).
    const got = recorded('articles', 'get ids').result as { ids: string[]; embeddings: number[][] };
    const vector = got.embeddings[got.ids.indexOf('articles-1499')]!;
    await expect
      .poll(async () => s.page.getByTestId('query-vector-state').textContent(), { timeout: 10_000 })
      .toBe(`[${vector.slice(0, 6).map((x) => x.toFixed(4)).join(', ')}, …] ${vector.length}d`);
    await s.page.getByTestId('query-run').click();
    const grid = s.page.getByTestId('grid-query');
    await grid.getByTestId('grid-row').first().waitFor();
    await expect(grid.getByTestId('grid-row').first().textContent()).resolves.toContain('articles-1499');
    await shot(s, 'vector-query');
  });

  it('shows the WAL, filterable by operation, with per-id history', async () => {
    // What the folder's WAL holds, counted straight from Chroma's embeddings_queue table.
    const db = new Database(join(fixture, 'data', 'chroma.sqlite3'), { readonly: true });
    const walRows = (db.prepare('SELECT count(*) AS n FROM embeddings_queue').get() as { n: number }).n;
    const deletes = db.prepare('SELECT id FROM embeddings_queue WHERE operation = 3 ORDER BY seq_id').all() as { id: string }[];
    db.close();
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.length).toBeLessThan(walRows);
    await s.page.getByTestId('view-wal').click();
    const grid = s.page.getByTestId('grid-wal');
    await grid.getByTestId('grid-row').first().waitFor();
    await expect(grid.getByTestId('grid-total').getAttribute('data-total')).resolves.toBe(String(walRows));
    await s.page.getByTestId('wal-filter-op').selectOption('DELETE');
    await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe(String(deletes.length));
    const ops = await grid.getByTestId('wal-op').allTextContents();
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((t) => t.trim() === 'DELETE')).toBe(true);
    await expect(grid.getByTestId('grid-row').first().textContent()).resolves.toContain(deletes[0]!.id);
    await shot(s, 'wal');
    await s.page.getByTestId('wal-filter-op').selectOption('');
    await expect.poll(async () => grid.getByTestId('grid-total').getAttribute('data-total'), { timeout: 10_000 }).toBe(String(walRows));
  });

  it('shows embedding_metadata rows and runs read-only SQL', async () => {
    await s.page.getByTestId('view-metadata').click();
    await s.page.getByTestId('grid-metadata').getByTestId('grid-row').first().waitFor();
    await s.page.getByTestId('view-sql').click();
    await s.page.getByTestId('sql-input').fill('SELECT name, dimension FROM collections ORDER BY name');
    await s.page.getByTestId('sql-run').click();
    const grid = s.page.getByTestId('grid-sql');
    await grid.getByTestId('grid-row').first().waitFor();
    await expect(grid.getByTestId('grid-row').first().textContent()).resolves.toContain('articles');
    await s.page.getByTestId('sql-input').fill('DELETE FROM collections');
    await s.page.getByTestId('sql-run').click();
    const pane = s.page.getByTestId('pane-sql');
    const refused = pane.getByTestId('error-code').or(pane.getByTestId('grid-error')).first();
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toMatch(/READ_ONLY|read/i);
    await shot(s, 'sql');
  });

  it('has a command palette and a dark theme', async () => {
    await s.page.keyboard.press('Control+K');
    await s.page.getByTestId('command-palette').waitFor();
    await s.page.getByTestId('command-palette-input').fill('overview');
    await s.page.keyboard.press('Enter');
    await s.page.getByTestId('folder-overview').waitFor();
    const before = await s.page.getByTestId('theme-toggle').getAttribute('data-theme-current');
    await s.page.getByTestId('theme-toggle').click();
    await expect(s.page.getByTestId('theme-toggle').getAttribute('data-theme-current')).resolves.not.toBe(before);
    await shot(s, 'overview-theme-toggled');
  });
});

describe('paging far into a large collection', () => {
  let s: Session;
  beforeAll(async () => {
    const dir = makeBigFolder();
    s = await openInspector(dir);
    await s.page.getByTestId('folder-overview').waitFor();
  });
  afterAll(async () => {
    await s?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('scrolls to the last of 250,000+ records, fetching only visible pages', async () => {
    await s.page.getByTestId('tree-collection-points').click();
    await s.page.getByTestId('view-records').click();
    const grid = s.page.getByTestId('grid-records');
    await grid.getByTestId('grid-row').first().waitFor();
    const total = Number(await grid.getByTestId('grid-total').getAttribute('data-total'));
    expect(total).toBeGreaterThan(BIG);
    await grid.getByTestId('grid-row').first().click();
    await s.page.keyboard.press('End');
    await expect
      .poll(async () => (await grid.getByTestId('grid-row').allTextContents()).some((t) => t.includes(`big-${String(BIG - 1).padStart(6, '0')}`)), { timeout: 20_000 })
      .toBe(true);
    await shot(s, 'records-large');
  });
});

describe('an error state', () => {
  it('a corrupt chroma.sqlite3 shows a specific error and the app stays usable', async () => {
    const dir = join(scratch, 'corrupt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'chroma.sqlite3'), Buffer.alloc(8192, 0x42));
    const s = await openInspector(dir);
    try {
      const err = s.page.getByTestId('error-state');
      await err.waitFor();
      await expect(err.getAttribute('data-code')).resolves.toBe('CORRUPT_SQLITE');
      await expect(s.page.getByTestId('error-message').textContent()).resolves.toContain('chroma.sqlite3');
      await shot(s, 'error-corrupt');
      // Another folder can still be opened from the same window.
      await s.page.getByTestId('open-folder-input').fill(join(fixture, 'data'));
      await s.page.getByTestId('open-folder-submit').click();
      await s.page.getByTestId('folder-overview').waitFor();
    } finally {
      await s.close();
    }
  });
});
