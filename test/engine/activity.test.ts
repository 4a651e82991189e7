import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectActivity } from '../../src-main/engine/folder/activity.js';
import { referenceFixture } from '../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'ci-activity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('is a Chroma process using the folder?', () => {
  const dir = join(scratch, 'data');
  cpSync(join(referenceFixture('sample-1.3.4')), dir, { recursive: true });

  it('a quiet folder shows no sign of use', () => {
    const a = detectActivity(dir);
    expect(a.reasons.filter((r) => !/modified/.test(r))).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')('another process holding chroma.sqlite3 open is named', async () => {
    const holderSource = "require('fs').openSync(process.argv[1], 'r'); console.log('open'); setInterval(() => {}, 1000)";
    const holder = spawn(process.execPath, ['-e', holderSource, join(dir, 'chroma.sqlite3')]);
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    try {
      const a = detectActivity(dir);
      expect(a.likelyInUse).toBe(true);
      // Named with its command line (cut at 120 characters), so the user knows which program to stop.
      const reason = a.reasons.find((r) => r.startsWith(`process ${holder.pid} (`));
      expect(reason).toBeDefined();
      expect(`${process.execPath} -e ${holderSource} ${join(dir, 'chroma.sqlite3')}`.startsWith(reason!.slice(`process ${holder.pid} (`.length, -'…) has chroma.sqlite3 open'.length))).toBe(true);
      expect(reason!.endsWith('…) has chroma.sqlite3 open')).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a leftover journal says a write is in progress or crashed', () => {
    writeFileSync(join(dir, 'chroma.sqlite3-journal'), '');
    try {
      expect(detectActivity(dir).reasons.some((r) => r.includes('chroma.sqlite3-journal exists'))).toBe(true);
    } finally {
      rmSync(join(dir, 'chroma.sqlite3-journal'));
    }
  });
});
