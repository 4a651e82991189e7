import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { publishWithoutOverwrite } from '../../src-main/engine/backup/publish-file.js';
import { copyFixture, scratch } from './helpers.js';

// Outputs are put in place without ever replacing a file: a file that appears at the target while
// a backup or export runs (planted, or another run's) is left exactly as it was.
describe('outputs never overwrite', () => {
  const tmp = scratch();
  afterAll(() => tmp.cleanup());

  it('a file planted at the backup target while the backup runs is kept, and the backup fails saying so', async () => {
    const dir = join(tmp.dir, 'race');
    mkdirSync(dir);
    const src = copyFixture('chroma-1.3.4-seed7', dir);
    const zip = join(dir, 'authorized_keys');
    const err = await backup(src, zip, { afterCopy: () => writeFileSync(zip, 'planted') }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/already exists; choose a new file name/);
    expect(readFileSync(zip, 'utf8')).toBe('planted');
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('publishes a finished file once, then refuses the same name', async () => {
    const dir = join(tmp.dir, 'publish');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.partial'), 'first');
    await publishWithoutOverwrite(join(dir, 'a.partial'), join(dir, 'a.jsonl'));
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['a.jsonl']);
    writeFileSync(join(dir, 'b.partial'), 'second');
    await expect(publishWithoutOverwrite(join(dir, 'b.partial'), join(dir, 'a.jsonl'))).rejects.toThrow(/already exists/);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe('first');
  });
});
