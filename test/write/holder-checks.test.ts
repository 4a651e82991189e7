import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { holderScanStats } from '../../src-main/engine/folder/holder-scan.js';
import { PersistentClient } from '../../src-main/index.js';
import { copyOf } from '../helpers/folder-copies.js';
import { holdOpen } from '../helpers/holder-process.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * The check that keeps writes away from a folder another process (a Chroma) holds: opening and
 * reading never wait for it, a write waits for it off the engine's thread, and it is made again
 * at each burst of writes.
 */
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dirname(dir), { recursive: true, force: true });
});
const copy = () => {
  const dir = copyOf(referenceFixture('sample-1.3.4'));
  made.push(dir);
  return dir;
};
const onLinux = process.platform === 'linux';
const scans = () => ({ onThread: holderScanStats.onThread, offThread: holderScanStats.offThread });
const RECHECK_PAUSE_MS = 40;

/** The folder's first collection, and its vectors' dimension. */
async function firstCollection(client: PersistentClient) {
  const [first] = await client.listCollections();
  const col = await client.getCollection({ name: first!.name, embeddingFunction: null });
  const dim = (await col.get({ limit: 1, include: ['embeddings'] })).embeddings[0]!.length;
  return { col, dim };
}

describe.skipIf(!onLinux)('writes beside another process', () => {
  it('opening, reading and counting never look; a write looks once, in a worker thread', async () => {
    const dir = copy();
    const before = scans();
    const client = new PersistentClient({ path: dir });
    try {
      const { col, dim } = await firstCollection(client);
      await col.query({ queryEmbeddings: [new Array(dim).fill(0.5)], nResults: 3 });
      await col.count();
      expect(scans()).toEqual(before);
      await col.add({ ids: ['holder-check-a'], embeddings: [new Array(dim).fill(0.25)], documents: ['a'] });
      expect(scans().onThread).toBe(before.onThread);
      expect(scans().offThread).toBeGreaterThan(before.offThread);
      expect(await col.count()).toBe((await col.get({ include: [] })).ids.length);
    } finally {
      await client.close();
    }
  });

  it('writes, persists, publishes and WAL purges all look in the worker, even when every verdict is stale at once (a slow disk)', async () => {
    const dir = copy();
    // Each reading of the clock 25 ms after the last: a verdict (20 ms) never outlives two of them.
    let now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 25));
    const client = new PersistentClient({ path: dir });
    try {
      const before = scans();
      const col = await client.createCollection({ name: 'stale-verdicts', metadata: { 'hnsw:sync_threshold': 50, 'hnsw:batch_size': 50 }, embeddingFunction: null });
      for (let batch = 0; batch < 8; batch++) {
        const ids = Array.from({ length: 30 }, (_, i) => `s-${batch}-${i}`);
        await col.add({ ids, embeddings: ids.map((_, i) => [Math.sin(batch * 31 + i), Math.cos(i), batch / 8, i / 30]) });
        if (batch === 5) await col.delete({ ids: ['s-0-0', 's-1-1'] });
      }
      await client.close();
      expect(scans().onThread, 'scans on the engine thread').toBe(before.onThread);
      expect(scans().offThread).toBeGreaterThan(before.offThread);
    } finally {
      clock.mockRestore();
    }
    // And everything written is there.
    const again = new PersistentClient({ path: dir });
    try {
      expect(await (await again.getCollection({ name: 'stale-verdicts', embeddingFunction: null })).count()).toBe(8 * 30 - 2);
    } finally {
      await again.close();
    }
  });

  it('a process that opens the folder after the client refuses the next write, and once it is gone writes go on', async () => {
    const dir = copy();
    const client = new PersistentClient({ path: dir });
    try {
      const { col, dim } = await firstCollection(client);
      await col.add({ ids: ['before'], embeddings: [new Array(dim).fill(0.1)] });
      const holder = await holdOpen(join(dir, 'chroma.sqlite3'));
      try {
        await new Promise((r) => setTimeout(r, RECHECK_PAUSE_MS));
        const n = await col.count();
        await expect(col.add({ ids: ['beside'], embeddings: [new Array(dim).fill(0.2)] })).rejects.toMatchObject({
          message: expect.stringMatching(new RegExp(`Another process has .*chroma\\.sqlite3 open: ${holder.pid} `)),
        });
        await expect(client.createCollection({ name: 'beside-chroma', embeddingFunction: null })).rejects.toThrow(/Another process has/);
        // Reads go on, and nothing was written.
        expect(await col.count()).toBe(n);
        expect((await client.listCollections()).map((c) => c.name)).not.toContain('beside-chroma');
      } finally {
        await holder.kill();
      }
      await new Promise((r) => setTimeout(r, RECHECK_PAUSE_MS));
      await col.add({ ids: ['after'], embeddings: [new Array(dim).fill(0.3)] });
      expect((await col.get({ ids: ['before', 'beside', 'after'], include: [] })).ids.sort()).toEqual(['after', 'before']);
    } finally {
      await client.close();
    }
  });

  it('what an interrupted swap left is cleaned up at open only when no other process holds the folder', async () => {
    const dir = copy();
    // A trash folder of an interrupted swap: the next writer removes it (write/segment-swap.ts).
    const trash = join(dir, '2a0f7c52-8e0b-4d3e-9a43-0d3f7f4a1c11.trash-0123456789ab');
    mkdirSync(trash);
    const holder = await holdOpen(join(dir, 'chroma.sqlite3'));
    try {
      const client = new PersistentClient({ path: dir });
      try {
        const [first] = await client.listCollections();
        const col = await client.getCollection({ name: first!.name, embeddingFunction: null });
        await expect(col.delete({ ids: ['anything'] })).rejects.toThrow(new RegExp(`Another process has .* open: ${holder.pid} `));
        expect(existsSync(trash)).toBe(true);
      } finally {
        await client.close();
      }
    } finally {
      await holder.kill();
    }
    const client = new PersistentClient({ path: dir });
    try {
      await client.listCollections();
      expect(existsSync(trash)).toBe(false);
    } finally {
      await client.close();
    }
  });
});
