import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import type { OpenedFolder } from '../../shared/contract.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { referenceFixture } from '../helpers/paths.js';
import { addEdgeCollection } from '../copy/copy-fixtures.js';
import { chromaClients, realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS
import { replayCases } from '../reference-chroma/replay-cases.mjs';
import { useChromaServer } from '../helpers/served-chroma.js';

// A Chroma server behind the contract, as the UI uses it (in process, and over serve's worker
// pool): the views' windows are checked against the fixture's own SQLite file (the folder the
// server serves a copy of), and the recorded cases against the recording.

const version = '1.3.4';
const problem = realChromaProblem(version);
reportSkip(`server source through the contract ${version}`, problem);

const fixture = referenceFixture(`chroma-${version}-seed7`);
const sqlOf = <T,>(query: string, ...params: unknown[]): T[] => {
  const db = new Database(join(fixture, 'data', 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
};
/** A collection's record ids in insertion order (Chroma's get order), straight from SQL. */
const idsInOrder = (name: string): string[] =>
  sqlOf<{ embedding_id: string }>(
    `SELECT e.embedding_id FROM embeddings e JOIN segments s ON s.id = e.segment_id JOIN collections c ON c.id = s.collection
     JOIN databases d ON d.id = c.database_id WHERE c.name = ? AND d.name = 'default_database' AND d.tenant_id = 'default_tenant' AND s.scope = 'METADATA' ORDER BY e.id`,
    name,
  ).map((r) => r.embedding_id);
const idsWithCategory = (name: string, category: string): string[] =>
  sqlOf<{ embedding_id: string }>(
    `SELECT e.embedding_id FROM embeddings e JOIN segments s ON s.id = e.segment_id JOIN collections c ON c.id = s.collection
     JOIN embedding_metadata m ON m.id = e.id JOIN databases d ON d.id = c.database_id
     WHERE c.name = ? AND d.name = 'default_database' AND s.scope = 'METADATA' AND m.key = 'category' AND m.string_value = ? ORDER BY e.id`,
    name,
    category,
  ).map((r) => r.embedding_id);

/** Whether a default-database collection has no vector checkpoint (every vector in the WAL). */
const walOnly = (name: string): boolean =>
  sqlOf<{ seq: number | null }>(
    `SELECT m.seq_id AS seq FROM collections c JOIN databases d ON d.id = c.database_id JOIN segments s ON s.collection = c.id
     LEFT JOIN max_seq_id m ON m.segment_id = s.id WHERE c.name = ? AND d.name = 'default_database' AND s.scope = 'VECTOR'`,
    name,
  )[0]?.seq == null;

describe.skipIf(problem !== null)('a Chroma server behind the contract', () => {
  const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
  const served = useChromaServer(version, { copyOf: join(fixture, 'data') });
  // Records written by Chroma from raw JSON, with a float 2.0 the chromadb client would read as an int.
  beforeAll(() => addEdgeCollection(served.server.url, true));

  const hosts = contractHosts(join(tmpdir(), 'no-default-folder'));
  for (const host of [hosts.inProcess, hosts.workerPool]) {
    describe(host.name, () => {
      let client: EngineClient;
      let stop: () => Promise<void>;
      let opened: OpenedFolder;
      const collectionId = (name: string, tenant = 'default_tenant') =>
        opened.info.tenants.find((t) => t.name === tenant)!.databases.flatMap((d) => d.collections).find((c) => c.name === name)!.id;

      beforeAll(async () => {
        ({ client, stop } = await host.start());
        opened = await client.call('openServer', { url: served.server.url });
      }, 60_000);
      afterAll(async () => stop?.());

      it('opens the server as a source: its tenants, databases, collections, counts and dimensions', async () => {
        expect(opened.info.server).toMatchObject({ url: served.server.url, api: 'v2', tenant: 'default_tenant', database: 'default_database', auth: 'none' });
        expect(opened.info.server!.maxBatchSize).toBeGreaterThan(0);
        const listed = opened.info.tenants[0]!.databases.find((d) => d.name === 'default_database')!.collections;
        const expected = sqlOf<{ name: string; dimension: number | null }>(
          "SELECT c.name, c.dimension FROM collections c JOIN databases d ON d.id = c.database_id WHERE d.name = 'default_database' AND d.tenant_id = 'default_tenant'",
        );
        expect(listed.filter((c) => c.name !== 'edge').map((c) => [c.name, c.dimension, c.count]).sort()).toEqual(expected.map((c) => [c.name, c.dimension, idsInOrder(c.name).length]).sort());
        // The same server opened again is the same handle.
        expect((await client.call('openServer', { url: served.server.url })).handle).toBe(opened.handle);
      });

      it('pages the records grid through the server in its order, with filters and their totals', async () => {
        const id = collectionId('articles');
        const all = idsInOrder('articles');
        const page = await client.call('records', { handle: opened.handle, collectionId: id, offset: 500, limit: 40 });
        expect(page.total).toBe(all.length);
        expect(page.rows.map((r) => r.id)).toEqual(all.slice(500, 540));
        expect(page.rows[0]!.embedding).toHaveLength(4);
        const blog = idsWithCategory('articles', 'blog');
        const filtered = await client.call('records', { handle: opened.handle, collectionId: id, where: { category: 'blog' }, offset: 100, limit: 50 });
        expect(filtered.total).toBe(blog.length);
        expect(filtered.rows.map((r) => r.id)).toEqual(blog.slice(100, 150));
        const sorted = await client.call('records', { handle: opened.handle, collectionId: id, sort: { by: 'id', desc: false } }).catch((e: unknown) => e);
        expect(sorted).toBeInstanceOf(InspectorError);
        expect((sorted as InspectorError).code).toBe('FOLDER_ONLY');
      });

      it('shows a record in full, the collection, and the metadata keys', async () => {
        const id = collectionId('articles');
        const first = idsInOrder('articles')[0]!;
        const detail = await client.call('recordDetail', { handle: opened.handle, collectionId: id, id: first });
        expect(detail.id).toBe(first);
        expect(detail.embedding).toHaveLength(16);
        const doc = sqlOf<{ string_value: string }>(
          "SELECT m.string_value FROM embedding_metadata m JOIN embeddings e ON e.id = m.id JOIN segments s ON s.id = e.segment_id WHERE s.scope = 'METADATA' AND e.embedding_id = ? AND m.key = 'chroma:document'",
          first,
        );
        expect(detail.document).toBe(doc[0]?.string_value ?? null);
        const info = await client.call('collectionInfo', { handle: opened.handle, collectionId: id });
        expect(info).toMatchObject({ name: 'articles', dimension: 16, segments: [] });
        const keys = await client.call('metadataKeys', { handle: opened.handle, collectionId: id });
        expect(keys.map((k) => k.key)).toContain('category');
      });

      it("keeps the server's metadata types in the record detail, exports and backups", async () => {
        const edge = collectionId('edge');
        const detail = await client.call('recordDetail', { handle: opened.handle, collectionId: edge, id: 'e-float' });
        expect(detail.metadataJson).toMatch(/"f": 2\.0\b/);
        expect(detail.metadataJson).toMatch(/"whole": -3\.0\b/);
        const out = join(served.work, `edge-${host.name.replace(/\W+/g, '-')}.jsonl`);
        const exported = await client.call('exportRecords', { handle: opened.handle, collectionId: edge, outFile: out, format: 'jsonl' });
        expect(exported.records).toBe(10);
        const lines = readFileSync(out, 'utf8').trim().split('\n');
        expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toContain('e-float');
        expect(lines.find((l) => l.includes('"e-float"'))).toMatch(/"f":2\.0\b/);
        expect(lines.find((l) => l.includes('"e-big"'))).toContain('9007199254740993');
        const filtered = await client.call('exportRecords', { handle: opened.handle, collectionId: edge, outFile: `${out}.filtered.jsonl`, format: 'jsonl', args: { where: { u: 1 } } });
        expect(filtered.records).toBe(1);
        const zip = join(served.work, `edge-${host.name.replace(/\W+/g, '-')}.zip`);
        const backedUp = await client.call('backup', { handle: opened.handle, outZip: zip, collectionId: edge });
        expect(existsSync(zip)).toBe(true);
        expect(backedUp.collections.map((c) => [c.name, c.count])).toEqual([['edge', 10]]);
        const verified = await client.call('verifyBackup', { zip });
        expect(verified.collections.map((c) => [c.name, c.count])).toEqual([['edge', 10]]);
      }, 60_000);

      it('answers every recorded get, query and count as Chroma recorded it', async () => {
        const bad: string[] = [];
        const { client: chromadb } = await chromaClients(served.server.port);
        for (const c of cases.filter((x) => x.error === undefined && !x.collection.includes('@'))) {
          const { name } = splitCollection(c.collection);
          const input = { handle: opened.handle, collectionId: collectionId(name) };
          const result = c.op === 'count' ? await client.call('count', input) : c.op === 'get' ? await client.call('get', { ...input, args: c.args }) : await client.call('query', { ...input, args: c.args });
          // A collection whose vectors are all in the WAL has a graph this server built in memory,
          // in parallel, not reproducibly (docs/format.md §10.3–10.4): its walk may miss what the
          // recording's found. The answer passed through must then be this server's own, asked directly.
          const expected = c.op === 'query' && walOnly(name) ? { ...c, result: ((await replayCases(chromadb, [c])) as RecordedCase[])[0]!.result } : c;
          const d = compareCase(expected, result);
          if (d) bad.push(`${c.collection} | ${c.label}: ${d}`);
        }
        expect(bad).toEqual([]);
      }, 120_000);

      it('answers FOLDER_ONLY, saying why, for what only a folder has', async () => {
        const id = collectionId('articles');
        for (const call of [
          () => client.call('walRows', { handle: opened.handle }),
          () => client.call('sql', { handle: opened.handle, sql: 'SELECT 1' }),
          () => client.call('doctor', { handle: opened.handle }),
          () => client.call('query', { handle: opened.handle, collectionId: id, args: { queryEmbeddings: [Array(16).fill(0)] }, exact: true }),
          () => client.call('setWritable', { handle: opened.handle, writable: true }),
          () => client.call('mapIds', { handle: opened.handle, collectionId: id, points: [0] }),
        ]) {
          const err = await call().then(() => null, (e: unknown) => e);
          expect(err).toBeInstanceOf(InspectorError);
          expect((err as InspectorError).code).toBe('FOLDER_ONLY');
          expect((err as InspectorError).message.length).toBeGreaterThan(20);
        }
      });

      it('names an unreachable server and a bad URL clearly', async () => {
        const refused = await client.call('openServer', { url: 'http://127.0.0.1:9' }).then(() => null, (e: unknown) => e);
        expect((refused as InspectorError).code).toBe('SERVER_UNREACHABLE');
        const bad = await client.call('openServer', { url: 'ftp://example' }).then(() => null, (e: unknown) => e);
        expect((bad as InspectorError).code).toBe('INVALID_ARGUMENT');
      });
    });
  }
});
