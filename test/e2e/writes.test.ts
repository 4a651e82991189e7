import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { openInspector, screenshotDir, type Session } from './harness.js';
import { referenceFixture } from '../helpers/paths.js';

const fixture = referenceFixture('chroma-1.3.4-seed7');
const scratch = mkdtempSync(join(tmpdir(), 'ci-e2e-writes-'));
const NEW_DOCUMENT = 'edited in the browser';

describe('editing records in the browser (writes enabled)', () => {
  let s: Session;
  let dir: string;
  const toggle = () => s.page.getByTestId('writes-toggle');
  const grid = () => s.page.getByTestId('grid-records');
  const row = (text: string) => grid().getByTestId('grid-row').filter({ hasText: text });
  const total = () => grid().getByTestId('grid-total').getAttribute('data-total');
  const waitFor = (selector: string) => s.page.locator(selector).first().waitFor();

  beforeAll(async () => {
    // A copy: the reference folder itself is never written.
    dir = join(scratch, 'data');
    cpSync(join(fixture, 'data'), dir, { recursive: true });
    s = await openInspector(dir);
    await s.page.getByTestId('folder-overview').waitFor();
  });
  afterAll(async () => {
    await s?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('starts read-only, and asks before enabling writes', async () => {
    await expect(toggle().getAttribute('data-writable')).resolves.toBe('false');
    await expect(s.page.getByTestId('readonly-badge').getAttribute('data-writable')).resolves.toBe('false');
    await expect(s.page.getByTestId('readonly-badge').textContent()).resolves.toMatch(/read-only/i);

    await toggle().click();
    const dialog = s.page.getByTestId('writes-confirm');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toMatch(/on disk.*Stop any Chroma/s);
    await s.page.getByTestId('writes-confirm-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await expect(toggle().getAttribute('data-writable')).resolves.toBe('false');

    await toggle().click();
    await s.page.getByTestId('writes-confirm-ok').click();
    await waitFor('[data-testid="writes-toggle"][data-writable="true"]');
    await dialog.waitFor({ state: 'detached' });
    await expect(s.page.getByTestId('readonly-badge').getAttribute('data-writable')).resolves.toBe('true');
    await expect(s.page.getByTestId('readonly-badge').textContent()).resolves.toMatch(/writable/i);
  });

  it('edits a record’s document and metadata, and the grid shows the new document', async () => {
    await s.page.getByTestId('tree-collection-tiny').click();
    await s.page.getByTestId('view-records').click();
    await row('tiny-2').waitFor();
    await row('tiny-2').click();
    await s.page.getByTestId('detail-panel').waitFor();
    const docInput = s.page.getByTestId('detail-edit-document');
    await docInput.waitFor();
    await expect(docInput.inputValue()).resolves.toContain('2 database dog cat');

    // A bad key: the engine's refusal shows inline, nothing is written.
    const meta = s.page.getByTestId('detail-edit-metadata');
    await meta.fill('{"$bad": 1}');
    await s.page.getByTestId('detail-save').click();
    await s.page.getByTestId('detail-write-error').waitFor();
    await expect(s.page.getByTestId('detail-write-error').getAttribute('data-code')).resolves.toBe('INVALID_ARGUMENT');

    await docInput.fill(NEW_DOCUMENT);
    await meta.fill('{\n  "rating": 2.0,\n  "year": 2005,\n  "category": "edited"\n}');
    await s.page.getByTestId('detail-save').click();
    await row(NEW_DOCUMENT).waitFor();
    await expect(row('tiny-2').textContent()).resolves.toContain(NEW_DOCUMENT);
    // The editor starts again from what is stored: the float kept its decimal point.
    await waitFor('[data-testid="detail-save"]:disabled');
    await expect(s.page.getByTestId('detail-edit-metadata').inputValue()).resolves.toContain('"rating": 2.0');
    await expect(s.page.getByTestId('detail-write-error').count()).resolves.toBe(0);
    mkdirSync(screenshotDir, { recursive: true });
    await s.page.screenshot({ path: join(screenshotDir, 'editing.png') });
  });

  it('deletes a record after confirmation: the total drops by one', async () => {
    const before = Number(await total());
    await row('tiny-0').click();
    await s.page.getByTestId('detail-delete').waitFor();
    await s.page.getByTestId('detail-delete').click();
    await s.page.getByTestId('detail-delete-confirm').waitFor();
    await s.page.getByTestId('detail-delete-confirm-ok').click();
    await waitFor(`[data-testid="grid-records"] [data-testid="grid-total"][data-total="${before - 1}"]`);
    await expect(row('tiny-0').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('detail-panel').count()).resolves.toBe(0);
  });

  it('turns writes off: the edit controls disappear', async () => {
    await toggle().click();
    await waitFor('[data-testid="writes-toggle"][data-writable="false"]');
    await expect(s.page.getByTestId('readonly-badge').getAttribute('data-writable')).resolves.toBe('false');
    await row('tiny-2').click();
    await s.page.getByTestId('detail-document').waitFor();
    await expect(s.page.getByTestId('detail-document').textContent()).resolves.toBe(NEW_DOCUMENT);
    await expect(s.page.getByTestId('detail-edit-document').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('detail-edit-metadata').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('detail-save').count()).resolves.toBe(0);
    await expect(s.page.getByTestId('detail-delete').count()).resolves.toBe(0);
  });

  it('left the folder as Chroma’s own: a fresh read sees the edits', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const got = folder.get({ name: 'tiny' }, { ids: ['tiny-0', 'tiny-2'] });
      expect(got.ids).toEqual(['tiny-2']);
      expect(got.documents).toEqual([NEW_DOCUMENT]);
      expect(got.metadatas[0]).toEqual({ rating: 2, year: 2005, category: 'edited' });
      expect(folder.get({ name: 'tiny' }, { where: { rating: { $eq: 2.0 } } }).ids).toEqual(['tiny-2']);
      expect(folder.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      folder.close();
    }
  });
});
