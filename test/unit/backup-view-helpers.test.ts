import { describe, expect, it } from 'vitest';
import { baseName, dateStamp, defaultBackupZip, defaultExportFile, defaultRestoreFolder, safeName, splitFolder } from '../../src-renderer/features/backup/default-paths.js';
import { exportArgs, parseFilterText } from '../../src-renderer/features/backup/export-filter.js';

const day = new Date(2024, 0, 5, 23, 30);

describe('Backup view default paths', () => {
  it('puts backups, restores and exports beside the open folder, dated', () => {
    expect(dateStamp(day)).toBe('2024-01-05');
    expect(defaultBackupZip('/srv/chroma/data', day)).toBe('/srv/chroma/data-backup-2024-01-05.zip');
    expect(defaultBackupZip('/srv/chroma/data/', day)).toBe('/srv/chroma/data-backup-2024-01-05.zip');
    expect(defaultRestoreFolder('/srv/chroma/data', day)).toBe('/srv/chroma/data-restored-2024-01-05');
    expect(defaultExportFile('/srv/chroma/data', 'my docs/v2', 'parquet', day)).toBe('/srv/chroma/data-my_docs_v2-2024-01-05.parquet');
  });

  it('keeps Windows separators and handles bare names', () => {
    expect(defaultBackupZip('C:\\Users\\me\\chroma', day)).toBe('C:\\Users\\me\\chroma-backup-2024-01-05.zip');
    expect(splitFolder('data')).toEqual({ parent: '', name: 'data' });
    expect(baseName('/a/b/c.zip')).toBe('c.zip');
    expect(safeName('')).toBe('collection');
  });
});

describe('Export filter text', () => {
  it('parses objects, treats empty text and {} as no filter, refuses other JSON', () => {
    expect(parseFilterText('', 'where')).toEqual({ ok: true, value: undefined });
    expect(parseFilterText('{}', 'where')).toEqual({ ok: true, value: undefined });
    expect(parseFilterText('{"year": {"$gte": 2020}}', 'where')).toEqual({ ok: true, value: { year: { $gte: 2020 } } });
    expect(parseFilterText('[1]', 'where').ok).toBe(false);
    expect(parseFilterText('3', 'where').ok).toBe(false);
    const bad = parseFilterText('{"a":', 'where');
    expect(bad.ok === false && bad.error).toMatch(/Invalid JSON/);
  });

  it('builds get-style args only from what is set', () => {
    const none = parseFilterText('', 'where');
    expect(exportArgs(none, none)).toBeUndefined();
    expect(exportArgs(parseFilterText('{"category":"news"}', 'where'), parseFilterText('{"$contains":"x"}', 'whereDocument'))).toEqual({
      where: { category: 'news' },
      whereDocument: { $contains: 'x' },
    });
  });
});
