import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { referenceFixture } from '../helpers/paths.js';
import { connectWebSocket } from '../helpers/ws-channel.js';

const dataDir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const cases = (JSON.parse(readFileSync(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;

const { inProcess, webSocket, workerPool } = contractHosts(dataDir);
const hosts = [inProcess, webSocket, workerPool];

// One suite, every host: the UI must not be able to tell them apart.
for (const host of hosts) {
  describe(`contract over ${host.name}`, () => {
    let client: EngineClient;
    let stop: () => Promise<void>;
    let handle: string;
    const idOf = new Map<string, string>();

    beforeAll(async () => {
      ({ client, stop } = await host.start());
      const { path } = await client.call('defaultFolder', {});
      expect(path).toBe(dataDir);
      const opened = await client.call('openFolder', { path: path! });
      handle = opened.handle;
      for (const t of opened.info.tenants) for (const d of t.databases) for (const c of d.collections) idOf.set(`${c.name}@${t.name}/${d.name}`, c.id);
    });
    afterAll(() => stop());

    const collectionId = (c: string) => {
      const [name, td] = c.split('@');
      return idOf.get(`${name}@${td ?? 'default_tenant/default_database'}`)!;
    };

    it('answers get/query/count like Chroma did', async () => {
      for (const c of cases.filter((x) => !x.error)) {
        const id = collectionId(c.collection);
        const got =
          c.op === 'count'
            ? await client.call('count', { handle, collectionId: id })
            : await client.call(c.op, { handle, collectionId: id, args: c.args });
        expect(compareCase(c, got), `${c.collection} | ${c.label}`).toBeNull();
      }
    });

    it('answers exact: true with the true nearest neighbours (checked by brute force here)', async () => {
      const id = collectionId('points');
      const all = await client.call('get', { handle, collectionId: id, args: { include: ['embeddings'] } });
      const q = [0.25, -0.5, 0.75];
      expect(all.embeddings[0]).toHaveLength(q.length);
      const l2 = (v: number[]) => v.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0);
      const expected = all.ids
        .map((rid, i) => ({ rid, d: l2(all.embeddings[i]!) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 10);
      const got = await client.call('query', { handle, collectionId: id, args: { queryEmbeddings: [q], nResults: 10, include: ['distances'] }, exact: true });
      expect(got.ids[0]).toEqual(expected.map((e) => e.rid));
      got.distances[0]!.forEach((d, i) => expect(d).toBeCloseTo(expected[i]!.d, 4));
    });

    it('answers whyNot: a record the where turns away, and one ranked below k (brute force here)', async () => {
      const id = collectionId('points');
      const all = await client.call('get', { handle, collectionId: id, args: { include: ['embeddings', 'metadatas'] } });
      const q = [0.25, -0.5, 0.75];
      const l2 = (v: number[]) => v.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0);
      const ranked = all.ids.map((rid, i) => ({ rid, d: l2(all.embeddings[i]!) })).sort((a, b) => a.d - b.d);
      const below = await client.call('whyNot', { handle, collectionId: id, args: { queryEmbeddings: [q], nResults: 3 }, id: ranked[20]!.rid });
      expect(below).toMatchObject({ cause: 'ranked-below-k', exactRank: 21, k: 3 });
      expect(below.distance).toBeCloseTo(ranked[20]!.d, 4);
      const other = all.ids.find((_, i) => all.metadatas[i]?.category !== 'news')!;
      const filtered = await client.call('whyNot', { handle, collectionId: id, args: { queryEmbeddings: [q], nResults: 3, where: { category: 'news' } }, id: other });
      expect(filtered.cause).toBe('excluded-by-where');
      expect(filtered.misses![0]!.leaf).toBe('{"category":{"$eq":"news"}}');
      const twoVectors = await client.call('whyNot', { handle, collectionId: id, args: { queryEmbeddings: [q, q] }, id: other }).catch((e: unknown) => e);
      expect((twoVectors as InspectorError).code).toBe('INVALID_ARGUMENT');
    });

    it('answers recall with the same sample and figures on every host', async () => {
      const report = await client.call('recall', { handle, collectionId: collectionId('inner'), k: 5, queries: 25, seed: 2 });
      expect(report).toMatchObject({ collection: 'inner', k: 5, queries: 25, space: 'ip', graph: true });
      expect(report.sampleIds).toHaveLength(25);
      expect(report.curve.length).toBeGreaterThan(1);
      const bad = await client.call('recall', { handle, collectionId: collectionId('inner'), k: 0 }).catch((e: unknown) => e);
      expect((bad as InspectorError).code).toBe('INVALID_ARGUMENT');
    });

    it('answers diff: the folder against itself has every record unchanged', async () => {
      const report = await client.call('diff', { handle, other: dataDir });
      expect(report.added).toEqual([]);
      expect(report.removed).toEqual([]);
      const points = report.collections.find((c) => c.name === 'points')!;
      expect(points.counts.unchanged).toBe(points.counts.a);
      expect(points.counts.a).toBe(points.counts.b);
      const missing = await client.call('diff', { handle, other: join(dataDir, 'no-such-folder') }).catch((e: unknown) => e);
      expect((missing as InspectorError).code).toBe('NOT_FOUND');
    });

    it('brings errors back as typed InspectorErrors with code and message', async () => {
      const err = await client.call('get', { handle, collectionId: collectionId('points'), args: { where: { a: 1, b: 2 } } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InspectorError);
      expect((err as InspectorError).code).toBe('INVALID_ARGUMENT');
      const dim = await client
        .call('query', { handle, collectionId: collectionId('points'), args: { queryEmbeddings: [[1, 2]] } })
        .catch((e: unknown) => e);
      expect((dim as InspectorError).code).toBe('DIMENSION_MISMATCH');
      const bad = await client.call('records', { handle, collectionId: collectionId('points'), offset: -1, limit: 10 }).catch((e: unknown) => e);
      expect((bad as InspectorError).code).toBe('INVALID_ARGUMENT');
      const gone = await client.call('openFolder', { path: join(dataDir, 'missing') }).catch((e: unknown) => e);
      expect((gone as InspectorError).code).toBe('NOT_FOUND');
    });

    it('pages records: windows tile the whole collection in Chroma order', async () => {
      const id = collectionId('articles');
      const all = await client.call('get', { handle, collectionId: id, args: { include: [] } });
      const seen: string[] = [];
      let total = 0;
      for (let offset = 0; offset < all.ids.length; offset += 400) {
        const w = await client.call('records', { handle, collectionId: id, offset, limit: 400 });
        total = w.total;
        seen.push(...w.rows.map((r) => r.id));
      }
      expect(total).toBe(all.ids.length);
      expect(seen).toEqual(all.ids);
    });

    it('sorts records server-side by a metadata key, stable across pages', async () => {
      const id = collectionId('points');
      const w1 = await client.call('records', { handle, collectionId: id, offset: 0, limit: 50, sort: { by: 'metadata', key: 'year', desc: true } });
      const w2 = await client.call('records', { handle, collectionId: id, offset: 50, limit: 50, sort: { by: 'metadata', key: 'year', desc: true } });
      const years = [...w1.rows, ...w2.rows].map((r) => (r.metadata?.year as number | undefined) ?? -Infinity);
      expect(years).toEqual([...years].sort((a, b) => b - a));
      expect(new Set([...w1.rows, ...w2.rows].map((r) => r.id)).size).toBe(100);
    });

    it('filters records with where and where_document, with totals', async () => {
      const id = collectionId('articles');
      const c = cases.find((x) => x.collection === 'articles' && x.label === 'get where {"category":"news"}')!;
      const w = await client.call('records', { handle, collectionId: id, where: { category: 'news' }, offset: 0, limit: 5000 });
      expect(w.total).toBe((c.result as { ids: string[] }).ids.length);
      expect(w.rows.map((r) => r.id)).toEqual((c.result as { ids: string[] }).ids);
    });

    it('reads WAL rows, metadata rows and read-only SQL in windows', async () => {
      const wal = await client.call('walRows', { handle, collectionId: collectionId('tiny'), offset: 0, limit: 100 });
      expect(wal.total).toBeGreaterThan(0);
      expect(wal.rows.every((r) => r.collectionName === 'tiny')).toBe(true);
      const deletes = await client.call('walRows', { handle, operation: 'DELETE', offset: 0, limit: 10 });
      expect(deletes.rows.every((r) => r.operation === 'DELETE')).toBe(true);
      const vec = await client.call('walVector', { handle, seqId: wal.rows.find((r) => r.dimension)!.seqId });
      expect(vec?.length).toBe(4);
      const md = await client.call('metadataRows', { handle, collectionId: collectionId('tiny'), offset: 0, limit: 100 });
      expect(md.rows.some((r) => r.arrayIndex !== null)).toBe(true);
      const sql = await client.call('sql', { handle, sql: 'SELECT name FROM collections ORDER BY name', offset: 0, limit: 100 });
      expect(sql.columns).toEqual(['name']);
      expect(sql.rows.map((r) => r[0])).toContain('articles');
    });

    it('streams progress for long calls', async () => {
      const seen: { done: number; total: number | null; message?: string }[] = [];
      const sizes = await client.call('tableSizes', { handle }, { onProgress: (p) => seen.push(p) });
      expect(seen.length).toBe(sizes.length);
      expect(seen.at(-1)).toMatchObject({ done: sizes.length, total: sizes.length });
      expect(seen.map((p) => p.message)).toEqual(sizes.map((t) => t.table));
      expect(sizes.find((t) => t.table === 'embeddings_queue')?.rows).toBeGreaterThan(0);
    });

    it('backs up, verifies and restores a folder, with progress', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ci-contract-backup-'));
      try {
        const progress: number[] = [];
        const b = await client.call('backup', { handle, outZip: join(dir, 'b.zip') }, { onProgress: (p) => progress.push(p.done) });
        expect(progress.length).toBeGreaterThan(0);
        expect(b.collections.find((c) => c.name === 'articles')?.count).toBe(cases.find((c) => c.collection === 'articles' && c.op === 'count')!.result);
        const v = await client.call('verifyBackup', { zip: b.zip });
        expect(v.hasManifest).toBe(true);
        expect(v.collections.every((c) => c.count === c.expected)).toBe(true);
        const r = await client.call('restoreBackup', { zip: b.zip, newFolder: join(dir, 'restored') });
        const reopened = await client.call('openFolder', { path: r.folder });
        const id = reopened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'points')!.id;
        const c = cases.find((x) => x.collection === 'points' && x.label === 'get where {"year":{"$gt":2010}}')!;
        expect(compareCase(c, await client.call('get', { handle: reopened.handle, collectionId: id, args: c.args }))).toBeNull();
        await client.call('closeFolder', { handle: reopened.handle });
        const again = await client.call('restoreBackup', { zip: b.zip, newFolder: join(dir, 'restored') }).catch((e: unknown) => e);
        expect((again as InspectorError).message).toMatch(/not empty|exists/i);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('exports a filtered collection', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ci-contract-export-'));
      try {
        const out = await client.call('exportRecords', {
          handle,
          collectionId: collectionId('articles'),
          outFile: join(dir, 'news.jsonl'),
          format: 'jsonl',
          args: { where: { category: 'news' } },
        });
        const expected = (cases.find((x) => x.collection === 'articles' && x.label === 'get where {"category":"news"}')!.result as { ids: string[] }).ids;
        expect(out.records).toBe(expected.length);
        const lines = readFileSync(out.file, 'utf8').trim().split('\n');
        expect(lines.length).toBeGreaterThanOrEqual(expected.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('cancels a call: the caller gets CANCELLED at once', async () => {
      const controller = new AbortController();
      const p = client.call('tableSizes', { handle }, { signal: controller.signal });
      controller.abort();
      const err = await p.catch((e: unknown) => e);
      expect((err as InspectorError).code).toBe('CANCELLED');
    });
  });
}

describe('serve mode refuses requests without the token', () => {
  let server: RunningServer;
  const service = new EngineService({ defaultFolder: dataDir });
  beforeAll(async () => {
    server = await startInspectorServer({ service, staticRoot: join(dataDir, 'nonexistent'), port: 0 });
  });
  afterAll(() => server.close());

  it('rejects a WebSocket with no token or a wrong one', async () => {
    await expect(connectWebSocket(`ws://127.0.0.1:${server.port}/api`)).rejects.toThrow();
    await expect(connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=wrong`)).rejects.toThrow();
  });

  it('answers plain HTTP API requests without the token with 401', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api`);
    expect(res.status).toBe(401);
  });

  it('listens on loopback and prints a URL carrying the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=${server.token}$`));
  });
});
