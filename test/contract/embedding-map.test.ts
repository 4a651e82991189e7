import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import type { OpenedFolder } from '../../shared/contract.js';
import type { InspectorError } from '../../shared/errors.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { contractHosts } from '../helpers/contract-hosts.js';

/**
 * The embedding map through the contract on every host: PCA and the UMAP layout (a worker inside
 * the engine, itself a worker thread under serve), their colours and projections, progress, and a
 * UMAP call cancelled mid-way by the client — after which the engine answers again at once.
 */
const work = mkdtempSync(join(tmpdir(), 'contract-map-'));
const folder = join(work, 'folder');
let seed = 5;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const centres = [0, 1, 2].map(() => Array.from({ length: 12 }, () => 5 * rand()));
const records = Array.from({ length: 300 }, (_, i) => ({ id: `r${i}`, group: i % 3, vector: centres[i % 3]!.map((x) => x + 0.3 * rand()) }));

beforeAll(async () => {
  const client = new PersistentClient({ path: folder });
  const col = await client.createCollection({ name: 'groups', embeddingFunction: null });
  await col.add({ ids: records.map((r) => r.id), embeddings: records.map((r) => r.vector), metadatas: records.map((r) => ({ group: r.group })) });
  await client.close();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the embedding map through the contract', () => {
  const hosts = contractHosts(folder);
  for (const host of [hosts.inProcess, hosts.webSocket, hosts.workerPool]) {
    describe(host.name, () => {
      let client: EngineClient;
      let stop: () => Promise<void>;
      let opened: OpenedFolder;
      let collectionId = '';
      beforeAll(async () => {
        ({ client, stop } = await host.start());
        opened = await client.call('openFolder', { path: folder });
        collectionId = opened.info.tenants[0]!.databases[0]!.collections.find((c) => c.name === 'groups')!.id;
      }, 60_000);
      afterAll(async () => stop?.());

      it('a UMAP call cancelled mid-layout stops, and the engine answers the next call', async () => {
        const ac = new AbortController();
        const messages: string[] = [];
        const cancelled = await client
          .call('embeddingMap', { handle: opened.handle, collectionId, method: 'umap' }, {
            signal: ac.signal,
            onProgress: (p) => {
              messages.push(p.message ?? '');
              if (p.message === 'Laying out (UMAP)') ac.abort();
            },
          })
          .then(() => null, (e: unknown) => e as InspectorError);
        expect(cancelled?.code).toBe('CANCELLED');
        expect(messages).toContain('Laying out (UMAP)');
        expect(await client.call('count', { handle: opened.handle, collectionId })).toBe(records.length);
      });

      it('lays out UMAP with progress; its colours and projections follow its points', async () => {
        const steps: string[] = [];
        const map = await client.call('embeddingMap', { handle: opened.handle, collectionId, method: 'umap' }, { onProgress: (p) => steps.push(p.message ?? '') });
        expect(map).toMatchObject({ method: 'umap', count: records.length, sampled: false });
        expect(steps).toContain("Finding each point's neighbours (HNSW)");
        const colours = await client.call('mapColors', { handle: opened.handle, collectionId, key: 'group', method: 'umap' });
        expect(colours.kind).toBe('number');
        map.ids.forEach((id, i) => expect(colours.values[i]).toBe(records[Number(id.slice(1))]!.group / 2));
        const bytes = Buffer.from(map.xy, 'base64');
        const xy = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        const at = map.ids.indexOf('r10');
        const placed = await client.call('mapProject', { handle: opened.handle, collectionId, vector: records[10]!.vector, method: 'umap' });
        expect(Math.hypot(placed.x - xy[2 * at]!, placed.y - xy[2 * at + 1]!)).toBeLessThan(0.05);
      }, 60_000);

      it('a map without its ids, and its ids by point (mapIds) equal to the full map\'s, on a fresh engine too', async () => {
        const at = [0, 299, 7, 150, 7, 42];
        // Asked first, so a pool's engine may answer for a map it has not made.
        const early = await client.call('mapIds', { handle: opened.handle, collectionId, points: at });
        const full = await client.call('embeddingMap', { handle: opened.handle, collectionId });
        const bare = await client.call('embeddingMap', { handle: opened.handle, collectionId, withIds: false });
        expect(bare.ids).toEqual([]);
        expect({ ...bare, ids: full.ids }).toEqual(full);
        expect(early).toEqual(at.map((p) => full.ids[p]));
        expect(await client.call('mapIds', { handle: opened.handle, collectionId, points: full.ids.map((_, i) => i) })).toEqual(full.ids);
        expect(await client.call('mapPoints', { handle: opened.handle, collectionId, ids: ['r42', 'nope', full.ids[9]!] })).toEqual([full.ids.indexOf('r42'), null, 9]);
        // A uniform sample: the points of the sampled map.
        const sample = await client.call('embeddingMap', { handle: opened.handle, collectionId, maxPoints: 50 });
        expect(await client.call('mapIds', { handle: opened.handle, collectionId, maxPoints: 50, points: [0, 25, 49] })).toEqual([sample.ids[0], sample.ids[25], sample.ids[49]]);
        const outside = full.ids.find((id) => !sample.ids.includes(id))!;
        expect(await client.call('mapPoints', { handle: opened.handle, collectionId, maxPoints: 50, ids: [outside, sample.ids[3]!] })).toEqual([null, 3]);
        // UMAP's points: known without its layout (any engine answers), and those of the layout.
        const umapIds = await client.call('mapIds', { handle: opened.handle, collectionId, method: 'umap', points: [5, 0] });
        const umap = await client.call('embeddingMap', { handle: opened.handle, collectionId, method: 'umap', withIds: false });
        expect(umap.ids).toEqual([]);
        const laid = await client.call('embeddingMap', { handle: opened.handle, collectionId, method: 'umap' });
        expect(umapIds).toEqual([laid.ids[5], laid.ids[0]]);
        const past = await client.call('mapIds', { handle: opened.handle, collectionId, points: [300] }).then(() => null, (e: unknown) => e as InspectorError);
        expect(past?.code).toBe('INVALID_ARGUMENT');
      }, 60_000);

      it('PCA stays the default', async () => {
        const map = await client.call('embeddingMap', { handle: opened.handle, collectionId });
        expect(map).toMatchObject({ method: 'pca', count: records.length });
      });
    });
  }
});
