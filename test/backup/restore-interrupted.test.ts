import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore, stagingName } from '../../src-main/engine/backup/restore.js';
import { copyFixture, scratch } from './helpers.js';
import { bundleEntry } from '../helpers/bundle-entry.js';

// A restore killed with SIGKILL cannot clean up after itself; the next restore into the same
// parent folder must remove what it left, and nothing else.

const tmp = scratch();
let zip = '';
let child = '';


beforeAll(async () => {
  const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
  zip = join(tmp.dir, 'backup.zip');
  await backup(src, zip);
  child = (await bundleEntry(fileURLToPath(new URL('./restore-child.ts', import.meta.url)))).file;
});
afterAll(() => tmp.cleanup());

/** A pid no process has right now (probed from the top of Linux's pid range down). */
function deadPid(): number {
  for (let pid = 4_194_000; pid > 1000; pid -= 7919) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

/** Starts a restore in a child, waits until it is mid-extraction, SIGKILLs it; returns its pid. */
async function killedRestore(target: string): Promise<number> {
  const p = spawn(process.execPath, [child, zip, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => d.toString().includes('stuck') && resolve());
    p.on('exit', (code) => reject(new Error(`restore child exited early (${code}): ${err}`)));
  });
  const exited = new Promise((resolve) => p.on('exit', resolve));
  p.kill('SIGKILL');
  await exited;
  return p.pid!;
}

describe('an interrupted restore is cleaned up by the next one', () => {
  it('SIGKILL mid-extraction, then restore again into the same target', async () => {
    const parent = join(tmp.dir, 'parent');
    mkdirSync(parent);
    const target = join(parent, 'restored');
    const pid = await killedRestore(target);
    const left = readdirSync(parent).filter((n) => n.startsWith('.restored.restoring-'));
    expect(left, 'the killed restore leaves its staging folder').toHaveLength(1);
    expect(left[0]).toContain(`-${pid}-`);
    expect(existsSync(target)).toBe(false);

    // Beside it: a live restore's staging folder (this process), a stale one with a pid no
    // process has, and look-alikes that are not ours: all but the stale ones must survive.
    const live = stagingName(join(parent, 'other'));
    const stale = stagingName(join(parent, 'older'), deadPid());
    mkdirSync(join(parent, live));
    mkdirSync(join(parent, stale));
    writeFileSync(join(parent, live, 'chroma.sqlite3'), 'in progress');
    const keep = ['.notes.restoring-by-hand', 'restored-copy', `${stale.slice(1)}`];
    for (const k of keep) mkdirSync(join(parent, k));
    const staleFile = stagingName(join(parent, 'file'), deadPid());
    writeFileSync(join(parent, staleFile), 'a file, not a staging folder');

    const r = await restore(zip, target);
    expect(r.collections.length).toBeGreaterThan(0);
    expect(existsSync(join(target, 'chroma.sqlite3'))).toBe(true);
    const after = readdirSync(parent).sort();
    expect(after).toEqual([live, staleFile, ...keep, basename(target)].sort());
    expect(r.warnings.filter((w) => w.includes('interrupted restore')).length).toBe(2);
  });
});
