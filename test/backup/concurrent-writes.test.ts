import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { copyFixture, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

function startWriter(dir: string, persistEvery: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./writer-child.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, dir, String(persistEvery)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
  });
}

/** The restored folder must show a prefix of the writes, each whole: record, metadata, document, vector. */
function expectConsistent(dir: string) {
  const folder = ChromaFolder.open(dir);
  try {
    const points = { name: 'points' };
    const all = folder.get(points, { include: ['documents', 'metadatas', 'embeddings'] });
    const written = all.ids.map((id, k) => ({ id, k })).filter((x) => x.id.startsWith('w-'));
    expect(written.length).toBeGreaterThan(0);
    expect(all.ids.length).toBe(259 + written.length);
    expect(folder.count(points)).toBe(all.ids.length);
    written.forEach(({ id, k }, n) => {
      expect(id).toBe(`w-${n}`);
      expect(all.metadatas[k]).toEqual({ i: n });
      expect(all.documents[k]).toBe(`written while backing up ${n}`);
      expect(all.embeddings[k]).toEqual([n, n + 0.5, -n]);
    });
    const hits = folder.get(points, { whereDocument: { $contains: 'while backing up' }, include: [] });
    expect(hits.ids.length).toBe(written.length);
    return written.length;
  } finally {
    folder.close();
  }
}

describe('backup while another process writes', () => {
  for (const persistEvery of [0, 25]) {
    it(`restores to a consistent state${persistEvery ? ' (with HNSW files rewritten during the backup)' : ''}`, async () => {
      const dir = join(tmp.dir, `w${persistEvery}`);
      mkdirSync(dir);
      const src = copyFixture('chroma-1.3.4-seed7', dir);
      await startWriter(src, persistEvery);
      await new Promise((r) => setTimeout(r, 150));
      const zip = join(dir, 'live.zip');
      const r = await backup(src, zip, { maxAttempts: 40, backoffMs: 5 });
      const target = join(dir, 'restored');
      await restore(zip, target);
      const n = expectConsistent(target);
      const points = r.manifest.collections.find((c) => c.name === 'points')!;
      expect(points.count).toBe(259 + n);
      // Everything not being written to still answers exactly as Chroma did.
      const cases = loadCases('chroma-1.3.4-seed7').filter((c) => c.collection !== 'points');
      expect(runCases(target, cases)).toEqual([]);
    });
  }
});
