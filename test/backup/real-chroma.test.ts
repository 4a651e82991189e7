import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import type { ManifestCollection } from '../../src-main/engine/backup/manifest.js';
import { CHROMA_VERSION, realChromaProblem, reportSkip, startChroma as startServer, type ChromaServer } from '../helpers/reference-chroma.js';
import { copyFixture, scratch } from './helpers.js';

// Real Chroma (installed from npm by the test run, test/reference-chroma/) must open what restore
// produced.
const problem = realChromaProblem();
reportSkip('backup', problem);

const tmp = scratch();
const servers: ChromaServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => tmp.cleanup());

/** Starts real Chroma on a folder; returns its API base URL. */
async function startChroma(dir: string): Promise<string> {
  const server = await startServer(dir);
  servers.push(server);
  const res = await fetch(`${server.url}/api/v2/heartbeat`);
  expect(Object.keys((await res.json()) as object)).toContain('nanosecond heartbeat');
  return `${server.url}/api/v2`;
}

async function expectCounts(base: string, collections: ManifestCollection[]) {
  for (const c of collections) {
    const res = await fetch(`${base}/tenants/${c.tenant}/databases/${c.database}/collections/${c.id}/count`);
    expect(res.status, `count of ${c.name}`).toBe(200);
    expect(await res.json(), `count of ${c.name}`).toBe(c.count);
  }
}

describe.skipIf(problem !== null)(`real Chroma ${CHROMA_VERSION} opens restored folders`, () => {
  for (const fixture of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
    it(`${fixture}: every collection's count`, async () => {
      const dir = join(tmp.dir, fixture);
      mkdirSync(dir);
      const src = copyFixture(fixture, dir);
      const { manifest } = await backup(src, join(dir, 'b.zip'));
      await restore(join(dir, 'b.zip'), join(dir, 'restored'));
      const base = await startChroma(join(dir, 'restored'));
      await expectCounts(base, manifest.collections);
    });
  }

  it('a backup taken while real Chroma is adding records restores to a consistent state', async () => {
    const dir = join(tmp.dir, 'live');
    mkdirSync(dir);
    const src = copyFixture('chroma-1.3.4-seed7', dir);
    const base = await startChroma(src);
    const coll = `${base}/tenants/default_tenant/databases/default_database/collections`;
    const post = async (url: string, body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    // A small sync_threshold makes Chroma persist its HNSW files while the backup copies them.
    const { id } = await post(coll, { name: 'live', configuration: { hnsw: { sync_threshold: 150, batch_size: 50 } } });
    const BATCH = 50;
    let added = 0;
    let stop = false;
    const writer = (async () => {
      const until = Date.now() + 20_000;
      while (!stop && Date.now() < until && added < 6000) {
        const ids = Array.from({ length: BATCH }, (_, k) => `live-${added + k}`);
        await post(`${coll}/${id}/add`, {
          ids,
          embeddings: ids.map((_, k) => [added + k, 1, 2 * (added + k), 0.5]),
          metadatas: ids.map((_, k) => ({ i: added + k })),
          documents: ids.map((x) => `doc ${x}`),
        });
        added += BATCH;
      }
    })();
    while (added < 300) await new Promise((r) => setTimeout(r, 20));
    const addedBefore = added;
    const zip = join(dir, 'live.zip');
    let manifest: Awaited<ReturnType<typeof backup>>['manifest'];
    try {
      manifest = (await backup(src, zip, { maxAttempts: 60, backoffMs: 20 })).manifest;
    } finally {
      stop = true;
      await writer;
    }
    for (const s of servers.splice(0)) await s.stop();
    // Chroma kept adding while the backup ran; the snapshot holds at least what was there when it
    // started and at most what was added by the end (how far it got depends on when a copy of
    // the HNSW files matched the database, which depends on this machine's speed).
    const snapshotCount = manifest.collections.find((c) => c.name === 'live')!.count;
    expect(snapshotCount).toBeGreaterThanOrEqual(addedBefore);
    expect(snapshotCount).toBeLessThanOrEqual(added);
    const target = join(dir, 'restored');
    await restore(zip, target);
    const { ChromaFolder } = await import('../../src-main/engine/chroma-folder.js');
    const folder = ChromaFolder.open(target);
    try {
      const all = folder.get({ name: 'live' }, { include: ['metadatas', 'documents', 'embeddings'] });
      const n = all.ids.length;
      expect(n).toBeGreaterThan(0);
      expect(n % BATCH).toBe(0); // every add call is all or nothing
      expect(n).toBe(manifest.collections.find((c) => c.name === 'live')!.count);
      const order = all.ids.map((x) => Number(x.slice(5))).sort((a, b) => a - b);
      expect(order).toEqual(Array.from({ length: n }, (_, k) => k));
      all.ids.forEach((x, k) => {
        const i = Number(x.slice(5));
        expect(all.metadatas[k]).toEqual({ i });
        expect(all.documents[k]).toBe(`doc ${x}`);
        expect(all.embeddings[k]).toEqual([i, 1, 2 * i, 0.5]);
      });
      const q = folder.query({ name: 'live' }, { queryEmbeddings: [[3, 1, 6, 0.5]], nResults: 1 });
      expect(q.ids[0]).toEqual(['live-3']);
    } finally {
      folder.close();
    }
    // Real Chroma agrees about the restored folder.
    const restoredBase = await startChroma(target);
    await expectCounts(restoredBase, manifest.collections);
  });

  it('a one-collection backup: only that collection, with its records', async () => {
    const dir = join(tmp.dir, 'one');
    mkdirSync(dir);
    const src = copyFixture('chroma-1.3.4-seed7', dir);
    const { manifest } = await backup(src, join(dir, 'b.zip'), { collection: { name: 'articles' } });
    await restore(join(dir, 'b.zip'), join(dir, 'restored'));
    const base = await startChroma(join(dir, 'restored'));
    await expectCounts(base, manifest.collections);
    const list = (await (await fetch(`${base}/tenants/default_tenant/databases/default_database/collections`)).json()) as { name: string }[];
    expect(list.map((c) => c.name)).toEqual(['articles']);
    const id = manifest.collections[0]!.id;
    const got = await fetch(`${base}/tenants/default_tenant/databases/default_database/collections/${id}/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 3, include: ['documents', 'embeddings'] }),
    });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { ids: string[]; embeddings: number[][] };
    expect(body.ids).toHaveLength(3);
    expect(body.embeddings[0]).toHaveLength(16);
  });
});
