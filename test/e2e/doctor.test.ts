import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector, screenshotDir, type Session } from './harness.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * The Doctor view on a damaged copy of a folder real Chroma wrote: three documents lose their
 * full-text rows and a deleted collection's folder is left behind. The view names both, repairs
 * into a new folder (checked here with raw SQL), and previews a migration.
 */
const scratch = mkdtempSync(join(tmpdir(), 'ci-e2e-doctor-'));
const folder = join(scratch, 'data');
const repaired = join(scratch, 'repaired');
const migrated = join(scratch, 'as-1.5.0');
const ORPHAN = '0badc0de-0000-4000-8000-000000000001';

const sql = <T,>(dir: string, query: string) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
};
/** Documents without a full-text row, straight from SQL. */
const unindexed = (dir: string) =>
  sql<{ n: number }>(dir, "SELECT count(*) AS n FROM embedding_metadata m WHERE m.key = 'chroma:document' AND m.id NOT IN (SELECT rowid FROM embedding_fulltext_search)")[0]!.n;

describe('the Doctor view: findings, repair on a copy, migration preview', () => {
  let s: Session;
  beforeAll(async () => {
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), folder, { recursive: true });
    const db = new Database(join(folder, 'chroma.sqlite3'));
    db.prepare("DELETE FROM embedding_fulltext_search WHERE rowid IN (SELECT id FROM embedding_metadata WHERE key = 'chroma:document' ORDER BY id LIMIT 3)").run();
    db.close();
    mkdirSync(join(folder, ORPHAN));
    writeFileSync(join(folder, ORPHAN, 'header.bin'), Buffer.alloc(100));
    expect(unindexed(folder)).toBe(3);
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

  it('opens with `g d` and reports the missing full-text rows and the orphan folder', async () => {
    await s.page.keyboard.press('g');
    await s.page.keyboard.press('d');
    await s.page.getByTestId('doctor-report').waitFor({ timeout: 60_000 });
    const codes = await s.page.getByTestId('doctor-finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    expect(codes).toContain('fts.missing');
    expect(codes).toContain('orphan.folder');
    await expect(s.page.getByTestId('doctor-verdict').textContent()).resolves.toBe('Needs repair');
    const fts = s.page.locator('[data-testid=doctor-finding][data-code="fts.missing"]');
    await fts.locator('summary').click();
    await expect(fts.textContent()).resolves.toMatch(/fix: fts-rebuild/);
    await expect(s.page.locator('[data-testid=doctor-collection][data-name=articles]').isVisible()).resolves.toBe(true);
    await s.page.screenshot({ path: join(screenshotDir, 'doctor.png') });
  });

  it('repairs into a new folder with the fixes the findings ask for; the open folder is untouched', async () => {
    await expect(s.page.getByTestId('doctor-fix-fts-rebuild').isChecked()).resolves.toBe(true);
    await expect(s.page.getByTestId('doctor-fix-orphans').isChecked()).resolves.toBe(true);
    await s.page.getByTestId('doctor-repair-target').fill(repaired);
    await s.page.getByTestId('doctor-repair-run').click();
    await s.page.getByTestId('doctor-repair-result').waitFor({ timeout: 120_000 });
    expect(unindexed(repaired)).toBe(0);
    expect(existsSync(join(repaired, ORPHAN))).toBe(false);
    expect(unindexed(folder)).toBe(3);
    expect(existsSync(join(folder, ORPHAN))).toBe(true);
    await s.page.getByTestId('doctor-repair-result').scrollIntoViewIfNeeded();
    await s.page.screenshot({ path: join(screenshotDir, 'doctor-repair.png') });
  });

  it('previews what Chroma 1.5.0 does to the folder Chroma 1.3.4 (js) wrote: nothing, it opens it as is', async () => {
    const applied = sql<{ dir: string; filename: string }>(folder, 'SELECT dir, filename FROM migrations');
    await s.page.getByTestId('migrate-version').fill('1.5.0');
    await s.page.getByTestId('migrate-target').fill(migrated);
    await s.page.getByTestId('migrate-run').click();
    await s.page.getByTestId('migrate-result').waitFor({ timeout: 120_000 });
    await expect(s.page.getByTestId('migrate-count').textContent()).resolves.toMatch(/^0/);
    // The copy has exactly the original's migrations and tables.
    expect(sql(migrated, 'SELECT dir, filename FROM migrations')).toEqual(applied);
    const tables = (dir: string) => sql<{ name: string }>(dir, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
    expect(tables(migrated)).toEqual(tables(folder));
    // A downgrade is refused with a clear error, and nothing is written.
    await s.page.getByTestId('migrate-version').fill('0.5.0');
    await s.page.getByTestId('migrate-target').fill(join(scratch, 'as-0.5.0'));
    await s.page.getByTestId('migrate-run').click();
    await s.page.getByTestId('migrate-error').waitFor({ timeout: 60_000 });
    expect(existsSync(join(scratch, 'as-0.5.0'))).toBe(false);
  });
});
