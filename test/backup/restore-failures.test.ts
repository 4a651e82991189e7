import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { verify } from '../../src-main/engine/backup/verify.js';
import { copyFixture, scratch } from './helpers.js';

const tmp = scratch();
let good = '';
let src = '';

beforeAll(async () => {
  src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
  good = join(tmp.dir, 'good.zip');
  await backup(src, good);
});
afterAll(() => tmp.cleanup());

/** Expects `p` to reject with an InspectorError carrying `reason`; returns it. */
async function failsWith(p: Promise<unknown>, reason: string, message?: RegExp): Promise<InspectorError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'should have failed').toBeInstanceOf(InspectorError);
  const e = err as InspectorError;
  expect(e.details?.reason, e.message).toBe(reason);
  if (message) expect(e.message).toMatch(message);
  return e;
}

/** Nothing left behind: no target, no hidden staging sibling. */
function expectNothingLeft(target: string) {
  expect(existsSync(target)).toBe(false);
  expect(readdirSync(tmp.dir).filter((n) => n.includes('.restoring-'))).toEqual([]);
}

let n = 0;
const newTarget = () => join(tmp.dir, `target-${++n}`);

async function zipOf(entries: { name: string; data?: Buffer; mode?: number }[], file: string): Promise<string> {
  const z = new yazl.ZipFile();
  for (const e of entries) z.addBuffer(e.data ?? Buffer.from('x'), e.name, { mode: e.mode ?? 0o100644 });
  z.end();
  await new Promise<void>((resolve, reject) => z.outputStream.pipe(createWriteStream(file)).on('close', resolve).on('error', reject));
  return file;
}

/** Rewrites every occurrence of a same-length name in the zip's headers. */
function patchName(file: string, from: string, to: string) {
  expect(from.length).toBe(to.length);
  const buf = readFileSync(file);
  let i = buf.indexOf(from);
  expect(i).toBeGreaterThanOrEqual(0);
  while (i >= 0) {
    buf.write(to, i, 'latin1');
    i = buf.indexOf(from, i + 1);
  }
  writeFileSync(file, buf);
}

describe('restore refuses bad input and leaves nothing behind', () => {
  it('a corrupted zip (one flipped byte in the packed database)', async () => {
    const bad = join(tmp.dir, 'flipped.zip');
    copyFileSync(good, bad);
    const buf = readFileSync(bad);
    buf[2000] = buf[2000]! ^ 0xff;
    writeFileSync(bad, buf);
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.corrupt', /damaged|CRC|SHA-256|invalid/i);
    expectNothingLeft(target);
    await failsWith(verify(bad), 'zip.corrupt');
  });

  it('a truncated zip', async () => {
    const bad = join(tmp.dir, 'truncated.zip');
    copyFileSync(good, bad);
    truncateSync(bad, Math.floor(readFileSync(bad).length * 0.6));
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.corrupt', /truncated|not a readable zip/);
    expectNothingLeft(target);
    await failsWith(verify(bad), 'zip.corrupt');
  });

  it('a zip-slip entry (../)', async () => {
    const bad = await zipOf([{ name: 'chroma.sqlite3' }, { name: 'xx/evil.txt' }], join(tmp.dir, 'slip.zip'));
    patchName(bad, 'xx/evil.txt', '../evil.txt');
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.unsafe-entry', /\.\./);
    expectNothingLeft(target);
    expect(existsSync(join(tmp.dir, 'evil.txt'))).toBe(false);
  });

  it('an absolute path entry', async () => {
    const bad = await zipOf([{ name: 'chroma.sqlite3' }, { name: 'Xtmp/evil.txt' }], join(tmp.dir, 'abs.zip'));
    patchName(bad, 'Xtmp/evil.txt', '/tmp/evil.txt');
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.unsafe-entry', /absolute/);
    expectNothingLeft(target);
  });

  it('a symlink entry', async () => {
    const bad = await zipOf(
      [{ name: 'chroma.sqlite3' }, { name: '0b5e2a4c-1111-4222-8333-944455556666/header.bin', data: Buffer.from('/etc/passwd'), mode: 0o120777 }],
      join(tmp.dir, 'symlink.zip'),
    );
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.unsafe-entry', /symbolic link/);
    expectNothingLeft(target);
  });

  it('a device file entry', async () => {
    const bad = await zipOf([{ name: 'chroma.sqlite3' }, { name: 'dev', mode: 0o020644 }], join(tmp.dir, 'device.zip'));
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.unsafe-entry', /special file/);
    expectNothingLeft(target);
  });

  it('a zip that is not a Chroma backup', async () => {
    const bad = await zipOf([{ name: 'readme.txt' }], join(tmp.dir, 'other.zip'));
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.not-a-backup');
    expectNothingLeft(target);
  });

  it('a non-empty target folder: never written', async () => {
    const target = newTarget();
    mkdirSync(target);
    writeFileSync(join(target, 'precious.txt'), 'keep me');
    await failsWith(restore(good, target), 'restore.target-not-empty', /not empty/);
    expect(readdirSync(target)).toEqual(['precious.txt']);
    expect(readFileSync(join(target, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });

  it('an existing empty target folder is fine', async () => {
    const target = newTarget();
    mkdirSync(target);
    const r = await restore(good, target);
    expect(r.collections.length).toBeGreaterThan(0);
    expect(existsSync(join(target, 'chroma.sqlite3'))).toBe(true);
  });

  it('a full disk, seen by statfs before anything is written', async () => {
    const target = newTarget();
    const e = await failsWith(restore(good, target, { statfs: async () => ({ bavail: 10, bsize: 4096 }) }), 'no-space', /not enough free disk space/);
    expect(e.details?.needed).toBeGreaterThan(0);
    expectNothingLeft(target);
  });

  it('a disk that fills up mid-write (ENOSPC)', async () => {
    const target = newTarget();
    let written = 0;
    const createWriteStream = () =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          if (written > 100_000) {
            const err = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
            err.code = 'ENOSPC';
            cb(err);
          } else cb();
        },
      });
    await failsWith(restore(good, target, { createWriteStream }), 'no-space', /no space left/);
    expectNothingLeft(target);
  });

  it('cancel mid-restore', async () => {
    const target = newTarget();
    const ac = new AbortController();
    const err = await restore(good, target, { signal: ac.signal, onProgress: () => ac.abort() }).catch((e: unknown) => e);
    expect((err as InspectorError).code).toBe('CANCELLED');
    expectNothingLeft(target);
  });

  it('a manifest that does not match the files', async () => {
    const bad = join(tmp.dir, 'tampered.zip');
    copyFileSync(good, bad);
    patchName(bad, 'chroma.sqlite3', 'chroma.sqlite4');
    const target = newTarget();
    await failsWith(restore(bad, target), 'zip.manifest');
    expectNothingLeft(target);
  });
});
