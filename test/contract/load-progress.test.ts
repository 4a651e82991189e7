import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/protocol.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { referenceFixture } from '../helpers/paths.js';

// A first query on a collection loads its vectors, its HNSW graph and replays its WAL tail inside
// the call: those loads reach the caller as the call's progress, through every host (the worker
// pool posts them from the engine thread while it is still busy).
const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const hosts = contractHosts(dir);

describe.each([hosts.inProcess, hosts.workerPool])('load progress through the contract: $name', (host) => {
  it('reports the vector load, the graph load and the WAL replay of a first query, each reaching its total', async () => {
    const { client, stop } = await host.start();
    try {
      const { handle, info } = await client.call('openFolder', { path: dir });
      const inner = info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'inner')!;
      const steps: Progress[] = [];
      const vector = Array.from({ length: inner.dimension! }, (_, i) => Math.sin(i));
      await client.call('query', { handle, collectionId: inner.id, args: { queryEmbeddings: [vector], nResults: 3 } }, { onProgress: (p) => steps.push(p) });
      const finished = (prefix: string) => steps.some((s) => s.message?.startsWith(prefix) && s.total !== null && s.done === s.total && s.total > 0);
      expect(finished('Loading the vectors of'), JSON.stringify(steps)).toBe(true);
      expect(finished('Loading the HNSW graph'), JSON.stringify(steps)).toBe(true);
      expect(finished('Replaying the WAL'), JSON.stringify(steps)).toBe(true);
      // Loaded once: a second query has nothing to load.
      const again: Progress[] = [];
      await client.call('query', { handle, collectionId: inner.id, args: { queryEmbeddings: [vector], nResults: 3 } }, { onProgress: (p) => again.push(p) });
      expect(again).toEqual([]);
    } finally {
      await stop();
    }
  });
});
