import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector, type Session } from './harness.js';
import { hashTree } from '../helpers/hash-tree.js';
import { SAMPLE_COLLECTIONS, writePython050Folder } from '../migrate/python-era-folder.js';
import { rows } from '../migrate/real-answers.js';

/** `g <key>` to a view, waiting for it. */
async function goTo(s: Session, key: string, testId: string) {
  await s.page.keyboard.press('g');
  await s.page.keyboard.press(key);
  await s.page.getByTestId(testId).waitFor();
}

/** A Python 0.5.0 folder written for the test (test/migrate/python-era-folder.ts), in a scratch dir. */
const scratch = mkdtempSync(join(tmpdir(), 'ci-e2e-migrate-'));
const folder = join(scratch, 'data');

describe('the Doctor view: migration preview and replay to a seq; the Backup view: WAL export', () => {
  let s: Session;
  let before: Record<string, string>;
  beforeAll(async () => {
    writePython050Folder(folder, SAMPLE_COLLECTIONS);
    before = hashTree(folder);
    s = await openInspector(folder, { width: 1440, height: 1800 });
    await s.page.getByTestId('folder-overview').waitFor();
    await goTo(s, 'd', 'doctor-view');
  });
  afterAll(async () => {
    try {
      await s?.close();
    } finally {
      expect(hashTree(folder), 'the open folder is only read').toEqual(before);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('previews Chroma js-1.3.4 into a new folder beside the open one and lists what changed', async () => {
    await s.page.getByTestId('migrate-version').fill('js-1.3.4');
    await expect(s.page.getByTestId('migrate-target').inputValue()).resolves.toBe(join(scratch, 'data-migrated-js-1.3.4'));
    await s.page.getByTestId('migrate-run').click();
    await s.page.getByTestId('migrate-result').waitFor();
    await expect(s.page.getByTestId('migrate-count').textContent()).resolves.toContain('9');
    await expect(s.page.getByTestId('migrate-migrations').textContent()).resolves.toContain('metadb/00005-max-seq-id-int.sqlite.sql');
    await expect(s.page.getByTestId('migrate-data').textContent()).resolves.toMatch(/max_seq_id: 2 → 2 rows, 2 rewritten · seq_id: blob → integer/);
    await expect(s.page.getByTestId('migrate-opens-as-is').textContent()).resolves.toContain('Python 0.5.0');
    expect(rows(join(scratch, 'data-migrated-js-1.3.4'), 'SELECT count(*) AS n FROM migrations')).toEqual([{ n: 18 }]);
  });

  it('replays to a seq, and exports the WAL', async () => {
    await s.page.getByTestId('replay-seq').fill('6');
    await s.page.getByTestId('replay-run').click();
    await s.page.getByTestId('replay-result').waitFor();
    await expect(s.page.getByTestId('replay-result').textContent()).resolves.toMatch(/6 records.*articles/);
    expect(existsSync(join(scratch, 'data-at-seq-6', 'chroma.sqlite3'))).toBe(true);
    await goTo(s, 'b', 'backup-view');
    await s.page.getByTestId('wal-export-run').click();
    await s.page.getByTestId('wal-export-result').waitFor();
    const file = await s.page.getByTestId('wal-export-result-file').textContent();
    expect(existsSync(file!)).toBe(true);
  });

  it('a version older than the folder shows the refusal inline', async () => {
    await goTo(s, 'd', 'doctor-view');
    await s.page.getByTestId('migrate-version').fill('0.4.24');
    await s.page.getByTestId('migrate-run').click();
    await s.page.getByTestId('migrate-error').waitFor();
    await expect(s.page.getByTestId('migrate-error').textContent()).resolves.toMatch(/older than this folder/);
  });
});
