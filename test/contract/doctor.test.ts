import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import type { InspectorError } from '../../shared/errors.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

// The doctor over the contract, in process and through serve's worker pool: the report, its
// progress, the private variant, the measurement, cancel — and the folder stays as it was.

const dataDir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

const { inProcess, workerPool } = contractHosts(dataDir);
const hosts = [inProcess, workerPool];

for (const host of hosts) {
  describe(`doctor over ${host.name}`, () => {
    let client: EngineClient;
    let stop: () => Promise<unknown>;
    let handle: string;
    const before = hashTree(dataDir);
    beforeAll(async () => {
      ({ client, stop } = await host.start());
      handle = (await client.call('openFolder', { path: dataDir })).handle;
    });
    afterAll(async () => {
      await stop();
      expect(hashTree(dataDir), 'the doctor never writes the folder').toEqual(before);
    });

    it('returns the report with progress, and measures on request', async () => {
      const seen: { done: number; total: number | null }[] = [];
      const report = await client.call('doctor', { handle, measureReclaim: true }, { onProgress: (p) => seen.push(p) });
      expect(report.summary).toMatchObject({ errors: 0, warnings: 0 });
      expect(report.collections.map((c) => c.name).sort()).toEqual(['articles', 'empty', 'inner', 'points', 'tickets', 'tiny']);
      expect(report.collections.find((c) => c.name === 'tickets')).toMatchObject({ tenant: 'acme', database: 'prod', records: 51 });
      expect(report.storage.reclaim?.walRowsPurged).toBe(0);
      expect(report.storage.reclaim?.afterVacuumBytes).toBeLessThanOrEqual(report.storage.databaseBytes);
      expect(seen.length).toBeGreaterThan(3);
      expect(seen.at(-1)).toMatchObject({ done: 10, total: 10 });
    });

    it('leaves out ids, documents and paths when private', async () => {
      const report = await client.call('doctor', { handle, private: true });
      expect(report.private).toBe(true);
      expect(report.folder).toBeNull();
      expect(JSON.stringify(report)).not.toContain(dataDir);
    });

    it('cancels: the caller gets CANCELLED', async () => {
      const controller = new AbortController();
      const p = client.call('doctor', { handle }, { signal: controller.signal, onProgress: () => controller.abort() });
      const err = await p.catch((e: unknown) => e);
      expect((err as InspectorError).code).toBe('CANCELLED');
    });
  });
}
