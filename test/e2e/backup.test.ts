import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector, screenshotDir, type Session } from './harness.js';
import { referenceFixture } from '../helpers/paths.js';
import type { RecordedCase } from '../helpers/compare.js';

const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const recorded = (collection: string, label: string) => {
  const c = cases.find((x) => x.collection === collection && x.label === label);
  if (!c) throw new Error(`no recorded case ${collection} / ${label}`);
  return c;
};
const articlesCount = recorded('articles', 'count').result as number;
const newsIds = (recorded('articles', 'get where {"category":"news"}').result as { ids: string[] }).ids;

/** Everything happens in a scratch copy: the fixture itself is never opened. */
const scratch = mkdtempSync(join(tmpdir(), 'ci-e2e-backup-'));
const folder = join(scratch, 'data');
const restored = join(scratch, 'restored');
const today = (() => {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
})();

type Watched = Window & { __progressSeen?: string[] };

/** Records every state of `[data-testid=<id>]` while it exists: progress can be over in a blink. */
async function watchProgress(s: Session, testId: string) {
  await s.page.evaluate((id) => {
    const w = window as Watched;
    const seen: string[] = [];
    w.__progressSeen = seen;
    const sample = () => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      if (el) seen.push(`${el.getAttribute('data-done')}|${el.getAttribute('data-total')}|${el.textContent}`);
    };
    new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, testId);
  return () => s.page.evaluate(() => (window as Watched).__progressSeen ?? []);
}

describe('the Backup view: back up, verify, export, restore', () => {
  let s: Session;
  let zip = '';
  beforeAll(async () => {
    cpSync(join(fixture, 'data'), folder, { recursive: true });
    s = await openInspector(folder);
    await s.page.getByTestId('folder-overview').waitFor();
  });
  afterAll(async () => {
    try {
      await s?.close();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('is a tab with a `g b` shortcut', async () => {
    await s.page.keyboard.press('g');
    await s.page.keyboard.press('b');
    await s.page.getByTestId('backup-view').waitFor();
    await expect(s.page.getByTestId('view-backup').getAttribute('aria-selected')).resolves.toBe('true');
    await expect(s.page.getByTestId('pane-backup').isVisible()).resolves.toBe(true);
    // Picking a collection in the sidebar keeps the Backup view open.
    await s.page.getByTestId('tree-collection-articles').click();
    await expect(s.page.getByTestId('backup-view').isVisible()).resolves.toBe(true);
  });

  it('backs up the folder with progress, and shows the zip, its size and the counts', async () => {
    await expect(s.page.getByTestId('backup-out').inputValue()).resolves.toBe(join(scratch, `data-backup-${today}.zip`));
    await expect(s.page.getByTestId('backup-scope').inputValue()).resolves.toBe('folder');
    await expect(s.page.getByTestId('backup-exclude-orphans').isChecked()).resolves.toBe(false);
    const seen = await watchProgress(s, 'backup-progress');
    await s.page.getByTestId('backup-run').click();
    const result = s.page.getByTestId('backup-result');
    await result.waitFor();
    const states = await seen();
    expect(states.length).toBeGreaterThan(0);
    expect(states.some((x) => x.includes('Cancel'))).toBe(true);
    // At least one engine report (done|total|message) reached the bar.
    expect(states.some((x) => /^\d+\|[1-9]\d*\|(snapshot|zip):/.test(x))).toBe(true);
    zip = (await s.page.getByTestId('backup-result-zip').textContent())!;
    expect(zip).toBe(join(scratch, `data-backup-${today}.zip`));
    expect(existsSync(zip)).toBe(true);
    await expect(s.page.getByTestId('backup-result-bytes').textContent()).resolves.toMatch(/\d.*(B|KiB|MiB)/);
    const row = result.locator('[data-testid="backup-counts-row"][data-name="articles"]');
    await expect(row.getAttribute('data-count')).resolves.toBe(String(articlesCount));
    await expect(row.getByTestId('count').textContent()).resolves.toBe(articlesCount.toLocaleString('en-US'));
  });

  it('verifies the backup it just made: manifest, files, counts as expected', async () => {
    await expect(s.page.getByTestId('verify-zip').inputValue()).resolves.toBe(zip);
    await s.page.getByTestId('verify-run').click();
    const result = s.page.getByTestId('verify-result');
    await result.waitFor();
    await expect(result.getAttribute('data-mismatches')).resolves.toBe('0');
    await expect(s.page.getByTestId('verify-manifest').textContent()).resolves.toContain('yes');
    await expect(s.page.getByTestId('verify-files').textContent()).resolves.toMatch(/^[1-9]/);
    const row = result.locator('[data-testid="verify-counts-row"][data-name="articles"]');
    await expect(row.getAttribute('data-count')).resolves.toBe(String(articlesCount));
    await expect(row.getAttribute('data-mismatch')).resolves.toBeNull();
  });

  it('exports the articles a where selects to JSONL, as many lines as Chroma returned', async () => {
    await expect(s.page.getByTestId('export-collection').textContent()).resolves.toContain('articles');
    await s.page.getByTestId('export-format').selectOption('jsonl');
    const out = await s.page.getByTestId('export-out').inputValue();
    expect(out).toBe(join(scratch, `data-articles-${today}.jsonl`));
    await s.page.getByTestId('export-where').fill('{"category": ');
    await s.page.getByTestId('export-where-note').waitFor();
    await expect(s.page.getByTestId('export-run').isDisabled()).resolves.toBe(true);
    await s.page.getByTestId('export-where').fill('{"category":"news"}');
    await s.page.getByTestId('export-run').click();
    const result = s.page.getByTestId('export-result');
    await result.waitFor();
    await expect(result.getAttribute('data-records')).resolves.toBe(String(newsIds.length));
    await expect(s.page.getByTestId('export-records').textContent()).resolves.toContain(newsIds.length.toLocaleString('en-US'));
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(newsIds.length);
    const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
    expect(ids).toEqual(new Set(newsIds));
  });

  it('refuses to restore onto a non-empty folder, inline in the card; the rest stays usable', async () => {
    await expect(s.page.getByTestId('restore-zip').inputValue()).resolves.toBe(zip);
    await s.page.getByTestId('restore-target').fill(folder);
    await s.page.getByTestId('restore-run').click();
    const err = s.page.getByTestId('restore-error');
    await err.waitFor();
    await expect(err.getAttribute('data-code')).resolves.toBe('INVALID_ARGUMENT');
    await expect(err.getAttribute('data-reason')).resolves.toBe('restore.target-not-empty');
    await expect(err.getByTestId('error-code').textContent()).resolves.toBe('INVALID_ARGUMENT');
    await expect(err.getByTestId('error-message').textContent()).resolves.toMatch(/not empty/);
    // The other cards keep their results and still run.
    await expect(s.page.getByTestId('backup-result').isVisible()).resolves.toBe(true);
    await expect(s.page.getByTestId('verify-run').isEnabled()).resolves.toBe(true);
    expect(readdirSync(folder).length).toBeGreaterThan(0);
  });

  it('restores into a new folder, then opens it in the workspace', async () => {
    await s.page.getByTestId('restore-target').fill(restored);
    await s.page.getByTestId('restore-run').click();
    const result = s.page.getByTestId('restore-result');
    await result.waitFor();
    await expect(s.page.getByTestId('restore-error').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('restore-result-folder').textContent()).resolves.toBe(restored);
    const row = result.locator('[data-testid="restore-counts-row"][data-name="articles"]');
    await expect(row.getAttribute('data-count')).resolves.toBe(String(articlesCount));

    // Every card with its result, for the docs.
    mkdirSync(screenshotDir, { recursive: true });
    await s.page.setViewportSize({ width: 1440, height: 1480 });
    await s.page.getByTestId('backup-view').evaluate((el) => el.scrollTo(0, 0));
    await s.page.screenshot({ path: join(screenshotDir, 'backup.png') });
    await s.page.setViewportSize({ width: 1440, height: 900 });

    await s.page.getByTestId('restore-open').click();
    const overview = s.page.getByTestId('folder-overview');
    await overview.waitFor();
    await expect(overview.locator('.page-sub').textContent()).resolves.toBe(restored);
    const articles = s.page.getByTestId('tree-collection-articles');
    await articles.waitFor();
    await expect(articles.getByTestId('tree-collection-count').textContent()).resolves.toMatch(
      new RegExp(String(articlesCount).replace(/\B(?=(\d{3})+(?!\d))/g, ',?')),
    );
  });
});
