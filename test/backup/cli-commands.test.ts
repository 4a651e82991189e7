import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BACKUP_USAGE,
  backupCommand,
  exportCommand,
  importCommand,
  restoreCommand,
  verifyCommand,
  type CommandIo,
  type ParsedArgs,
} from '../../src-main/cli/commands/backup-commands.js';
import { copyFixture, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());

function io() {
  const out = { stdout: '', stderr: '' };
  const io: CommandIo = { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s), tty: false };
  return { io, out };
}
const args = (positionals: string[], options: ParsedArgs['options'] = {}): ParsedArgs => ({ positionals, options });

describe('backup CLI commands', () => {
  const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
  const zip = join(tmp.dir, 'cli.zip');
  const restored = join(tmp.dir, 'cli-restored');

  it('backup → verify → restore', async () => {
    let c = io();
    expect(await backupCommand(args([src, zip], { 'exclude-orphans': true }), c.io)).toBe(0);
    const b = JSON.parse(c.out.stdout) as { zip: string; collections: unknown[] };
    expect(b.zip).toBe(zip);
    expect(b.collections.length).toBe(6);

    c = io();
    expect(await verifyCommand(args([zip]), c.io)).toBe(0);
    expect(JSON.parse(c.out.stdout)).toMatchObject({ ok: true, hasManifest: true });

    c = io();
    expect(await restoreCommand(args([zip, restored]), c.io)).toBe(0);
    expect(JSON.parse(c.out.stdout).folder).toBe(restored);
    expect(runCases(restored, loadCases('chroma-1.3.4-seed7'))).toEqual([]);
  });

  it('restore onto data: exit 1 with the error on stderr', async () => {
    const target = join(tmp.dir, 'full');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'x');
    const c = io();
    expect(await restoreCommand(args([zip, target]), c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/^error \[INVALID_ARGUMENT\]: .*not empty/);
    expect(c.out.stdout).toBe('');
  });

  it('export (format from the file name, --args) and import', async () => {
    const file = join(tmp.dir, 'news.jsonl');
    let c = io();
    const getArgs = JSON.stringify({ where: { category: 'news' } });
    expect(await exportCommand(args([src, file], { collection: 'articles', args: getArgs, 'page-size': '50' }), c.io)).toBe(0);
    const e = JSON.parse(c.out.stdout) as { records: number; format: string };
    expect(e.format).toBe('jsonl');
    expect(e.records).toBe(readFileSync(file, 'utf8').trim().split('\n').length);

    c = io();
    const target = join(tmp.dir, 'cli-imported');
    expect(await importCommand(args([file, target], { collection: 'news', space: 'cosine', 'batch-size': '100' }), c.io)).toBe(0);
    expect(JSON.parse(c.out.stdout)).toMatchObject({ records: e.records, created: true });
    expect(existsSync(join(target, 'chroma.sqlite3'))).toBe(true);
  });

  it('bad usage: exit 2 with the usage line', async () => {
    let c = io();
    expect(await backupCommand(args([src]), c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/backup needs <folder> <out\.zip>[\s\S]*chroma-inspector backup /);
    c = io();
    expect(await exportCommand(args([src, join(tmp.dir, 'x.txt')], { collection: 'tiny' }), c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/cannot tell the format/);
    c = io();
    expect(await exportCommand(args([src, join(tmp.dir, 'y.jsonl')]), c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/--collection/);
    expect(BACKUP_USAGE.split('\n')).toHaveLength(5);
  });
});
