import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/protocol.js';
import { PRESCAN_ENV } from '../../src-main/engine/hnsw/level0-prescan.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * A first plain query checks its checkpoint with the pass over data_level0.bin on another thread
 * (hnsw/level0-prescan.ts): the addon's, or a worker. Under `serve` that thread is started from
 * inside one of the pool's engine threads. Here every collection's first recorded
 * plain query goes through the pool with the pass on at any size (the pool's threads take
 * the environment they start with), and must give the answer real Chroma recorded, reporting the
 * check as the call's progress.
 */
const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const cases = (JSON.parse(readFileSync(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;

for (const beside of ['worker', 'native'] as const)
  describe(`a first query with the level-0 pass beside it (${beside}), through the worker pool`, () => {
    const before = process.env[PRESCAN_ENV];
    let host: Awaited<ReturnType<ReturnType<typeof contractHosts>['workerPool']['start']>>;
    beforeAll(async () => {
      process.env[PRESCAN_ENV] = beside;
      host = await contractHosts(dir).workerPool.start();
    });
    afterAll(async () => {
      await host?.stop();
      if (before === undefined) delete process.env[PRESCAN_ENV];
      else process.env[PRESCAN_ENV] = before;
    });

    it('gives Chroma’s recorded answer to each collection’s first plain query, and reports the check', async () => {
      const { client } = host;
      const { handle, info } = await client.call('openFolder', { path: dir });
      const idOf = new Map<string, string>();
      for (const t of info.tenants) for (const d of t.databases) for (const c of d.collections) idOf.set(`${c.name}@${t.name}/${d.name}`, c.id);
      const firsts = new Map<string, RecordedCase>();
      for (const c of cases) {
        const a = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
        if (c.op !== 'query' || c.error !== undefined || a.ids || a.where || a.whereDocument || firsts.has(c.collection)) continue;
        firsts.set(c.collection, c);
      }
      expect(firsts.size).toBeGreaterThan(1);
      const checked: string[] = [];
      for (const [collection, c] of firsts) {
        const [name, td] = collection.split('@');
        const id = idOf.get(`${name}@${td ?? 'default_tenant/default_database'}`)!;
        const steps: Progress[] = [];
        const got = await client.call('query', { handle, collectionId: id, args: c.args }, { onProgress: (p) => steps.push(p) });
        expect(compareCase(c, got), `${collection} | ${c.label}`).toBeNull();
        if (steps.some((s) => s.message?.startsWith('Checking the vectors of') && s.total !== null && s.done === s.total)) checked.push(collection);
      }
      // Collections without a WAL tail are checked for an answer from the files; the others load.
      expect(checked.length).toBeGreaterThan(0);
    });
  });
