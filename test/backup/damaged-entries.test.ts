import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { verify } from '../../src-main/engine/backup/verify.js';
import { copyFixture, scratch } from './helpers.js';

// A flipped byte inside one entry's compressed data must be reported as that entry being
// damaged (its name and the archive's path), never as a bare zlib/yauzl message.

const tmp = scratch();
let good = '';

beforeAll(async () => {
  const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
  good = join(tmp.dir, 'good.zip');
  await backup(src, good);
});
afterAll(() => tmp.cleanup());

interface EntryData {
  name: string;
  dataStart: number;
  compressedSize: number;
}

/** Where each entry's compressed bytes sit, from the central directory and the local headers. */
async function entryOffsets(file: string): Promise<EntryData[]> {
  const buf = readFileSync(file);
  const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
    yauzl.open(file, { lazyEntries: false, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const all: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => all.push(e));
      zip.on('end', () => resolve(all));
      zip.on('error', reject);
    });
  });
  return entries.map((e) => {
    const at = e.relativeOffsetOfLocalHeader;
    expect(buf.readUInt32LE(at)).toBe(0x04034b50);
    const dataStart = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    return { name: e.fileName, dataStart, compressedSize: e.compressedSize };
  });
}

async function flipInside(entryName: (name: string) => boolean, out: string): Promise<string> {
  copyFileSync(good, out);
  const entry = (await entryOffsets(out)).find((e) => entryName(e.name));
  expect(entry, 'entry to damage').toBeDefined();
  expect(entry!.compressedSize).toBeGreaterThan(8);
  const buf = readFileSync(out);
  const at = entry!.dataStart + Math.floor(entry!.compressedSize / 2);
  buf[at] = buf[at]! ^ 0xff;
  writeFileSync(out, buf);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<InspectorError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'should have failed').toBeInstanceOf(InspectorError);
  return err as InspectorError;
}

function expectNamesEntry(e: InspectorError, entry: string, zip: string) {
  expect(e.code, e.message).toBe('INVALID_ARGUMENT');
  expect(e.details?.reason, e.message).toBe('zip.corrupt');
  expect(e.details?.entry, e.message).toBe(entry);
  expect(e.message).toContain(`${entry} in ${zip} is damaged: `);
  expect(e.message).not.toMatch(/^INTERNAL/);
}

let n = 0;

describe('a damaged entry is named with its archive', () => {
  it('manifest.json', async () => {
    const bad = await flipInside((name) => name === 'manifest.json', join(tmp.dir, 'bad-manifest.zip'));
    expectNamesEntry(await rejection(verify(bad)), 'manifest.json', bad);
    const target = join(tmp.dir, `target-${++n}`);
    expectNamesEntry(await rejection(restore(bad, target)), 'manifest.json', bad);
    expect(existsSync(target)).toBe(false);
  });

  it('a segment file', async () => {
    const isSegmentFile = (name: string) => /^[0-9a-f-]{36}\/data_level0\.bin$/.test(name);
    const bad = await flipInside(isSegmentFile, join(tmp.dir, 'bad-segment.zip'));
    const name = (await entryOffsets(bad)).find((e) => isSegmentFile(e.name))!.name;
    expectNamesEntry(await rejection(verify(bad)), name, bad);
    const target = join(tmp.dir, `target-${++n}`);
    expectNamesEntry(await rejection(restore(bad, target)), name, bad);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith(`.target-${n}.`))).toEqual([]);
  });
});
