import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import type { OpenedFolder } from '../../shared/contract.js';
import { InspectorError } from '../../shared/errors.js';
import type { CollectionDiff, DiffReport } from '../../shared/models.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { capturedCli } from '../helpers/run-cli-captured.js';
import { useChromaServer } from '../helpers/served-chroma.js';

// Diff with real Chroma servers: each serves its own copy of a committed fixture, and the test
// makes known changes on one of them over the raw HTTP API (so a float 2.0 reaches Chroma as a
// float). Every change expected below is one made here, not one the engine reported.

const version = '1.3.4';
const problem = realChromaProblem(version);
reportSkip(`diff with Chroma servers ${version}`, problem);

const fixture = referenceFixture(`chroma-${version}-seed7`);
const run = capturedCli();
const SCOPE = '/api/v2/tenants/default_tenant/databases/default_database/collections';

async function http(base: string, path: string, body?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}
const collectionId = async (base: string, name: string) => ((await http(base, `${SCOPE}/${name}`)) as { id: string }).id;
const getRecords = (base: string, id: string, body: string) => http(base, `${SCOPE}/${id}/get`, body);

/** A collection's id in an opened source's info, whichever tenant/database lists it. */
const idIn = (opened: OpenedFolder, name: string) => opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === name && c.database === 'default_database')!.id;

const cosine = (x: number[], y: number[]) => {
  const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
  const n = (v: number[]) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));
  return 1 - dot / (n(x) * n(y));
};

/** What the changes made on `changed` must show in `points`, and nothing else anywhere. */
function expectKnownChanges(report: DiffReport, pointsCount: number, drift: number): void {
  expect(report.added).toEqual([]);
  expect(report.removed).toEqual([]);
  const points = report.collections.find((c) => c.name === 'points')!;
  expect(points.counts).toEqual({ a: pointsCount, b: pointsCount, added: 2, removed: 2, documents: 1, metadata: 1, embeddings: 1, unchanged: pointsCount - 2 - 3 });
  expect(points.added.sort()).toEqual(['diff-new-1', 'diff-new-2']);
  expect(points.removed.sort()).toEqual(['points-0', 'points-2']);
  expect(points.documents).toEqual([{ id: 'points-3', a: 'edited document 0 vector query trigram index trigram hnsw', b: 'rewritten on the server' }]);
  expect(points.metadata).toEqual([{ id: 'points-4', keys: ['year'] }]);
  expect(points.embeddings.map((e) => e.id)).toEqual(['points-9']);
  expect(points.embeddings[0]!.cosineDistance).toBeCloseTo(drift, 5);
  expect(points.settings).toEqual([]);
  for (const c of report.collections.filter((x) => x.name !== 'points')) expectUnchanged(c);
}

function expectUnchanged(c: CollectionDiff): void {
  expect({ name: c.name, settings: c.settings, counts: c.counts }).toEqual({
    name: c.name,
    settings: [],
    counts: { a: c.counts.a, b: c.counts.a, added: 0, removed: 0, documents: 0, metadata: 0, embeddings: 0, unchanged: c.counts.a },
  });
}

describe.skipIf(problem !== null)('diff with Chroma server URLs', () => {
  const same = useChromaServer(version, { copyOf: join(fixture, 'data'), prefix: 'diff-same-' });
  const changed = useChromaServer(version, { copyOf: join(fixture, 'data'), prefix: 'diff-changed-' });
  let root: string;
  let folder: string;
  let before: Record<string, string>;
  let pointsCount: number;
  let drift: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'diff-server-'));
    folder = join(root, 'folder');
    cpSync(join(fixture, 'data'), folder, { recursive: true });
    before = hashTree(folder);
    const base = changed.server.url;
    const id = await collectionId(base, 'points');
    pointsCount = (await http(base, `${SCOPE}/${id}/count`)) as number;
    const [old] = ((await getRecords(base, id, '{"ids":["points-9"],"include":["embeddings"]}')) as { embeddings: number[][] }).embeddings;
    const moved = old!.map((x, i) => (i === 0 ? x + 0.5 : x));
    drift = cosine(old!, moved.map(Math.fround));
    await http(base, `${SCOPE}/${id}/add`, '{"ids":["diff-new-1","diff-new-2"],"embeddings":[[0.1,0.2,0.3],[0.3,0.2,0.1]],"documents":["new one","new two"],"metadatas":[{"n":1},null]}');
    await http(base, `${SCOPE}/${id}/delete`, '{"ids":["points-0","points-2"]}');
    await http(base, `${SCOPE}/${id}/update`, '{"ids":["points-3"],"documents":["rewritten on the server"]}');
    // The int 2009 becomes the float 2.0: written as text so it stays a float.
    await http(base, `${SCOPE}/${id}/update`, '{"ids":["points-4"],"metadatas":[{"year":2.0}]}');
    await http(base, `${SCOPE}/${id}/update`, `{"ids":["points-9"],"embeddings":[${JSON.stringify(moved)}]}`);
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a folder and a server serving a copy of it diff as equal (CLI, --json); the folder is not written', async () => {
    const r = await run(['diff', folder, same.server.url, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DiffReport;
    expect(report.b).toBe(`${same.server.url} (default_tenant/default_database)`);
    expect(report.added).toEqual([]);
    expect(report.removed).toEqual([]);
    expect(report.collections.map((c) => c.name).sort()).toEqual(['articles', 'empty', 'inner', 'points', 'tiny']);
    for (const c of report.collections) expectUnchanged(c);
    expect(report.collections.find((c) => c.name === 'articles')!.counts.a).toBeGreaterThan(1000);
    // Another tenant/database by the URL's query: the folder side follows it.
    const acme = await run(['diff', folder, `${same.server.url}?tenant=acme&database=prod`, '--json']);
    expect(acme.code, acme.err).toBe(0);
    const tickets = JSON.parse(acme.out) as DiffReport;
    expect(tickets.collections.map((c) => [c.tenant, c.database, c.name])).toEqual([['acme', 'prod', 'tickets']]);
    expectUnchanged(tickets.collections[0]!);
    expect(hashTree(folder)).toEqual(before);
  });

  it('reports exactly the changes made on the server: folder → server and server → server', async () => {
    const r = await run(['diff', folder, changed.server.url, '--json']);
    expect(r.code, r.err).toBe(0);
    expectKnownChanges(JSON.parse(r.out) as DiffReport, pointsCount, drift);
    const servers = await run(['diff', same.server.url, changed.server.url, '--json']);
    expect(servers.code, servers.err).toBe(0);
    expectKnownChanges(JSON.parse(servers.out) as DiffReport, pointsCount, drift);
    // The other way round, one collection: what was added is now removed.
    const back = await run(['diff', changed.server.url, folder, '--collection', 'points', '--json']);
    const points = (JSON.parse(back.out) as DiffReport).collections[0]!;
    expect([points.added.sort(), points.removed.sort()]).toEqual([['points-0', 'points-2'], ['diff-new-1', 'diff-new-2']]);
    const text = await run(['diff', folder, changed.server.url, '--collection', 'points']);
    expect(text.out).toContain('~ 1 metadata changed: points-4 (year)');
    expect(hashTree(folder)).toEqual(before);
  });

  describe('through the contract', () => {
    let service: EngineService;
    let client: EngineClient;
    beforeAll(() => {
      service = new EngineService();
      client = createInProcessClient(service);
    });
    afterAll(async () => (client.close(), service.closeAll()));

    it('diffs the open folder against a URL, with progress, and the open server against a folder', async () => {
      const opened = await client.call('openFolder', { path: folder });
      const steps: string[] = [];
      const report = await client.call('diff', { handle: opened.handle, other: changed.server.url, collectionId: idIn(opened, 'points') }, { onProgress: (p) => steps.push(p.message ?? '') });
      expectKnownChanges(report, pointsCount, drift);
      expect(steps).toContain('Comparing points');

      const server = await client.call('openServer', { url: changed.server.url });
      const back = await client.call('diff', { handle: server.handle, other: folder, collectionId: idIn(server, 'points') });
      expect(back.collections[0]!.counts).toMatchObject({ added: 2, removed: 2, documents: 1, metadata: 1, embeddings: 1 });
      const whole = await client.call('diff', { handle: server.handle, other: same.server.url });
      expect(whole.a).toBe(`${changed.server.url} (default_tenant/default_database)`);
      expect(whole.collections.find((c) => c.name === 'points')!.counts).toMatchObject({ added: 2, removed: 2 });
      expect(hashTree(folder)).toEqual(before);
    });

    it('tells 2 from 2.0 between two servers', async () => {
      const [one, two] = [same.server.url, changed.server.url];
      await http(one, `${SCOPE}/${await collectionId(one, 'points')}/update`, '{"ids":["points-8"],"metadatas":[{"year":2}]}');
      await http(two, `${SCOPE}/${await collectionId(two, 'points')}/update`, '{"ids":["points-8"],"metadatas":[{"year":2.0}]}');
      const opened = await client.call('openServer', { url: one });
      const report = await client.call('diff', { handle: opened.handle, other: two, collectionId: idIn(opened, 'points') });
      expect(report.collections[0]!.metadata.map((m) => m.id).sort()).toEqual(['points-4', 'points-8']);
    });

    it('cancels a running diff', async () => {
      const opened = await client.call('openFolder', { path: folder });
      const ac = new AbortController();
      const err = await client
        .call('diff', { handle: opened.handle, other: changed.server.url }, { signal: ac.signal, onProgress: (p) => p.message?.startsWith('Comparing') && ac.abort() })
        .then(() => null, (e: unknown) => e);
      expect((err as InspectorError).code).toBe('CANCELLED');
    });

    it('refuses a URL the host may not open', async () => {
      const guarded = new EngineService({ servers: { defaultServer: null, allowed: ['http://127.0.0.1:9'], envCredentialsFor: [] } });
      const c = createInProcessClient(guarded);
      try {
        const opened = await c.call('openFolder', { path: folder });
        const err = await c.call('diff', { handle: opened.handle, other: changed.server.url }).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(InspectorError);
        expect((err as InspectorError).code).toBe('INVALID_ARGUMENT');
        expect((err as InspectorError).message).toMatch(/may only open the Chroma servers it was started with/);
      } finally {
        c.close();
        await guarded.closeAll();
      }
    });
  });
});
