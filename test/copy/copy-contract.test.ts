import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/protocol.js';
import { InspectorError } from '../../shared/errors.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { useChromaServer } from '../helpers/served-chroma.js';

// copyTo through the contract (what the UI's copy card calls), over serve's worker pool: a folder
// collection into a real Chroma 1.3.4, then the whole server scope back into a new folder, read
// with the read engine and compared with the original; the original's files are unchanged.

const problem = realChromaProblem('1.3.4');
reportSkip('copy through the contract', problem);

const recordsOf = (dir: string, ref: { name: string; tenant?: string; database?: string }) => {
  const f = ChromaFolder.open(dir);
  try {
    const got = f.get(ref, { include: ['documents', 'metadatas', 'embeddings'] }) as { ids: string[]; documents: unknown[]; metadatas: unknown[]; embeddings: number[][] };
    return got.ids.map((id, i) => ({ id, document: got.documents[i], metadata: got.metadatas[i], embedding: got.embeddings[i] })).sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    f.close();
  }
};

describe.skipIf(problem !== null)('copyTo through the contract', () => {
  let before: Record<string, string>;
  const served = useChromaServer('1.3.4', {
    prefix: 'chroma-inspector-copy-contract-',
    prepare: (work) => {
      cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), join(work, 'original'), { recursive: true });
      before = hashTree(join(work, 'original'));
    },
  });

  it('folder → server → new folder keeps every record; refuses a non-empty target unless resuming', async () => {
    const server = served.server;
    const original = join(served.work, 'original');
    const { client, stop } = await contractHosts(original).workerPool.start();
    try {
      const folder = await client.call('openFolder', { path: original });
      const tickets = folder.info.tenants[0]!.databases[0]!.collections.find((c) => c.name === 'tickets')!;
      const progress: Progress[] = [];
      const up = await client.call('copyTo', { handle: folder.handle, collectionId: tickets.id, target: { kind: 'server', url: server.url } }, { onProgress: (p) => progress.push(p) });
      expect(up.ok).toBe(true);
      expect(up.collections).toMatchObject([{ name: 'tickets', created: true, copied: tickets.count, targetCount: tickets.count }]);
      expect(progress.length).toBeGreaterThan(0);

      const again = await client.call('copyTo', { handle: folder.handle, collectionId: tickets.id, target: { kind: 'server', url: server.url } }).then(() => null, (e: unknown) => e);
      expect(again).toBeInstanceOf(InspectorError);
      expect((again as Error).message).toMatch(/resume/);
      const resumed = await client.call('copyTo', { handle: folder.handle, collectionId: tickets.id, target: { kind: 'server', url: server.url }, resume: true });
      expect(resumed.collections[0]).toMatchObject({ copied: 0, skipped: tickets.count });

      const opened = await client.call('openServer', { url: server.url });
      const back = join(served.work, 'back');
      const down = await client.call('copyTo', { handle: opened.handle, target: { kind: 'folder', path: back } });
      expect(down.ok).toBe(true);
      // tickets lives in acme/prod in the original; the server got it in its default scope, and so did the folder.
      const [got, want] = [recordsOf(back, { name: 'tickets' }), recordsOf(original, { name: 'tickets', tenant: tickets.tenant, database: tickets.database })];
      expect(got.map(({ embedding: _, ...r }) => r)).toEqual(want.map(({ embedding: _, ...r }) => r));
      // tickets is a cosine collection: Chroma hands a stored vector back as unit vector × norm, a float32 step away at most.
      got.forEach((r, i) => r.embedding!.forEach((x, j) => expect(Math.abs(x - want[i]!.embedding![j]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x)))));
      // Every collection of another tenant/database of the folder: only those, into the same scope.
      const scoped = join(served.work, 'scoped');
      const acme = await client.call('copyTo', { handle: folder.handle, scope: { tenant: tickets.tenant, database: tickets.database }, target: { kind: 'folder', path: scoped } });
      expect(acme.ok).toBe(true);
      expect(acme.scopes.source).toEqual({ tenant: tickets.tenant, database: tickets.database });
      expect(acme.collections.map((c) => [c.name, c.targetCount])).toEqual([['tickets', tickets.count]]);
      expect(recordsOf(scoped, { name: 'tickets', tenant: tickets.tenant, database: tickets.database }).map((r) => r.id)).toEqual(want.map((r) => r.id));
      expect(hashTree(original)).toEqual(before);
    } finally {
      await stop();
    }
  }, 120_000);
});
