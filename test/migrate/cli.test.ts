import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTree } from '../helpers/hash-tree.js';
import { capturedCli, interruptingIo } from '../helpers/run-cli-captured.js';
import { migrateCommand, replayCommand } from '../../src-main/cli/commands/migrate-commands.js';
import { SAMPLE_COLLECTIONS, writePython050Folder } from './python-era-folder.js';
import { rows } from './real-answers.js';

const cli = capturedCli();
const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-migrate-cli-'));
const source = join(work, '050');
let before: Record<string, string>;
beforeAll(() => {
  writePython050Folder(source, SAMPLE_COLLECTIONS);
  before = hashTree(source);
});
afterAll(() => {
  expect(hashTree(source), 'the source folder is only read').toEqual(before);
  rmSync(work, { recursive: true, force: true });
});

describe('migrate, replay and wal-export on the command line', () => {
  it('migrate prints a readable summary, or the whole preview with --json', async () => {
    const text = await cli(['migrate', source, join(work, 'm1'), '--to', '1.0.1']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Migration preview: what Chroma 1\.0\.1 \(Python 1\.0-1\.2\) does to/);
    expect(text.out).toMatch(/Migrations applied \(7\):\n {2}sysdb\/00006-collection-segment-metadata\.sqlite\.sql/);
    expect(text.out).toMatch(/max_seq_id: 2 → 2 rows; 2 rewritten; seq_id: blob 2 → integer 2/);
    expect(text.out).toMatch(/Opens the original without migrating: Python 0\.5\.0/);
    const json = await cli(['migrate', source, join(work, 'm2'), '--to', 'js-1.3.4', '--json']);
    expect(json.code).toBe(0);
    const preview = JSON.parse(json.out) as { folder: string; migrationsApplied: unknown[] };
    expect(preview.folder).toBe(join(work, 'm2'));
    expect(preview.migrationsApplied).toHaveLength(9);
    expect(rows(join(work, 'm2'), 'SELECT count(*) AS n FROM migrations')).toEqual([{ n: 18 }]);
  });

  it('usage errors exit 2, refusals exit 1 with the error code', async () => {
    const noTo = await cli(['migrate', source, join(work, 'm3')]);
    expect(noTo.code).toBe(2);
    expect(noTo.err).toMatch(/migrate needs --to VERSION/);
    const down = await cli(['migrate', source, join(work, 'm3'), '--to', '0.4.6']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/^error \[INVALID_ARGUMENT\]: Chroma 0\.4\.6 is older than this folder/);
    expect((await cli(['replay', source, join(work, 'r0'), '--to-seq', 'x'])).code).toBe(2);
    expect(existsSync(join(work, 'm3'))).toBe(false);
  });

  it('replay writes the folder as of a seq; wal-export writes the log', async () => {
    const r = await cli(['replay', source, join(work, 'r1'), '--to-seq', '6']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { seq: number; collections: { name: string; records: number }[] };
    expect(out.seq).toBe(6);
    // Seq 1–6 are the six adds to "articles"; "notes" has no entry yet.
    expect(out.collections.map((c) => [c.name, c.records])).toEqual(expect.arrayContaining([['articles', 6], ['notes', 0]]));
    expect(r.err).toMatch(/warning: collection notes has no WAL entry at or before seq 6/);
    const file = join(work, 'wal.jsonl');
    const w = await cli(['wal-export', source, file, '--collection', 'notes', '--no-embeddings']);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.out)).toMatchObject({ format: 'jsonl', rows: 5 });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.operation, l.id])).toEqual([['ADD', 'n1'], ['ADD', 'n2'], ['ADD', 'n3'], ['DELETE', 'n2'], ['ADD', 'n4']]);
    expect(lines[4]).toMatchObject({ document: 'crème brûlée ☕', metadata: { lang: 'français', ok: true } });
    expect('embedding' in lines[0]!).toBe(false);
  });

  it.each([
    ['migrate', () => migrateCommand({ positionals: [source, join(work, 'ctrl-c-m')], options: { to: '1.3.4' } }, interruptingIo())],
    ['replay', () => replayCommand({ positionals: [source, join(work, 'ctrl-c-r')], options: { 'to-seq': '9' } }, interruptingIo())],
  ])('%s: Ctrl-C cancels with exit 130 and leaves neither target nor staging folder', async (name, start) => {
    expect(await start()).toBe(130);
    expect(existsSync(join(work, `ctrl-c-${name[0]}`))).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });
});
