import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import { processesHolding } from '../../src-main/engine/folder/activity.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const scratch = mkdtempSync(join(tmpdir(), 'ci-contract-writes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of the reference folder: the fixture itself is never opened for writing. */
function copyFolder(name: string): string {
  const dir = join(scratch, name);
  cpSync(join(fixture, 'data'), dir, { recursive: true });
  return dir;
}

function host() {
  const service = new EngineService();
  const client = createInProcessClient(service);
  return { service, client, stop: async () => (client.close(), await service.closeAll()) };
}

async function open(client: EngineClient, path: string) {
  const opened = await client.call('openFolder', { path });
  const ids = new Map<string, string>();
  for (const t of opened.info.tenants) for (const d of t.databases) for (const c of d.collections) ids.set(`${c.name}@${t.name}/${d.name}`, c.id);
  const idOf = (collection: string) => {
    const { name, tenant = 'default_tenant', database = 'default_database' } = splitCollection(collection);
    return ids.get(`${name}@${tenant}/${database}`)!;
  };
  return { handle: opened.handle, writable: opened.writable, idOf };
}

const failure = (p: Promise<unknown>) => p.then(
  () => {
    throw new Error('expected the call to fail');
  },
  (e: unknown) => e as InspectorError,
);

describe('record writes over the contract (in-process)', () => {
  let client: EngineClient;
  let stop: () => Promise<void>;
  let dir: string;
  let handle: string;
  let tiny: string;
  let idOf: (c: string) => string;

  beforeAll(async () => {
    dir = copyFolder('writable');
    ({ client, stop } = host());
    const opened = await open(client, dir);
    ({ handle, idOf } = opened);
    tiny = idOf('tiny');
    expect(opened.writable).toBe(false);
  });
  afterAll(() => stop());

  it('refuses every write while the folder is read-only (the default)', async () => {
    const before = hashTree(dir);
    for (const call of [
      client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-2', document: 'x' }),
      client.call('deleteRecords', { handle, collectionId: tiny, ids: ['tiny-2'] }),
      client.call('upsertRecord', { handle, collectionId: tiny, id: 'z', embedding: [1, 2, 3, 4] }),
    ]) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(InspectorError);
      expect(err.code).toBe('READ_ONLY');
      expect(err.message).toBe('Writes are disabled for this folder: enable them first');
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('validates write input with the contract schemas', async () => {
    expect((await failure(client.call('deleteRecords', { handle, collectionId: tiny, ids: [] }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(client.call('updateRecord', { handle, collectionId: tiny, id: '' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(client.call('setWritable', { handle, writable: 'yes' as unknown as boolean }))).code).toBe('INVALID_ARGUMENT');
  });

  it('enables writes only with the folder named as confirmation', async () => {
    const err = await failure(client.call('setWritable', { handle, writable: true }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(`confirm: "${basename(dir)}"`);
    expect((await failure(client.call('setWritable', { handle, writable: true, confirm: 'another-folder' }))).code).toBe('INVALID_ARGUMENT');
    expect((await client.call('openFolder', { path: dir })).writable).toBe(false);
  });

  it('enables writes on request; opening the folder again reports it', async () => {
    const on = await client.call('setWritable', { handle, writable: true, confirm: basename(dir) });
    expect(on.writable).toBe(true);
    expect((await client.call('openFolder', { path: dir })).writable).toBe(true);
  });

  it('updates a document and replaces the metadata, keeping int vs float', async () => {
    const metadataJson = '{"rating": 2.0, "year": 2005, "category": "edited", "tags": ["a", "b"], "big": 9007199254740993}';
    const row = await client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-2', document: 'a new document', metadataJson });
    expect(row.document).toBe('a new document');
    // `published` was left out: the metadata is replaced, not merged.
    expect(row.metadata).toEqual({ rating: 2, year: 2005, category: 'edited', tags: ['a', 'b'], big: 9007199254740992 });
    // The editor's text keeps the float's decimal point and the big int's last digit.
    for (const part of ['"rating": 2.0,', '"year": 2005', '"category": "edited"', '"tags": ["a", "b"]', '"big": 9007199254740993']) expect(row.metadataJson).toContain(part);

    const kinds = await client.call('metadataRows', { handle, collectionId: tiny, offset: 0, limit: 500 });
    const typeOf = (key: string) => kinds.rows.filter((r) => r.embeddingId === 'tiny-2' && r.key === key).map((r) => r.type);
    expect(typeOf('rating')).toEqual(['float']);
    expect(typeOf('year')).toEqual(['int']);
    expect(typeOf('published')).toEqual([]);
    // Chroma's filters tell the float from an int.
    const floats = await client.call('get', { handle, collectionId: tiny, args: { where: { rating: { $eq: 2.0 } } } });
    expect(floats.ids).toEqual(['tiny-2']);

    const got = await client.call('get', { handle, collectionId: tiny, args: { ids: ['tiny-2'] } });
    expect(got.documents).toEqual(['a new document']);
    expect(got.metadatas[0]).toEqual(row.metadata);
    const page = await client.call('records', { handle, collectionId: tiny, offset: 0, limit: 10 });
    expect(page.rows.find((r) => r.id === 'tiny-2')?.document).toBe('a new document');
    // What the editor shows reads back to the same types.
    const again = await client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-2', metadataJson: row.metadataJson! });
    expect(again.metadataJson).toBe(row.metadataJson);
    expect((await client.call('recordDetail', { handle, collectionId: tiny, id: 'tiny-2' })).metadataJson).toBe(row.metadataJson);
  });

  it('leaves what the update does not name; null removes the document or all metadata', async () => {
    const before = await client.call('recordDetail', { handle, collectionId: tiny, id: 'tiny-0' });
    const onlyMeta = await client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-0', metadata: { year: 1994 } });
    expect(onlyMeta.document).toBe(before.document);
    expect(onlyMeta.metadata).toEqual({ year: 1994 });
    const cleared = await client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-0', document: null, metadata: null });
    expect(cleared.document).toBeNull();
    expect(cleared.metadata).toBeNull();
    expect(cleared.metadataJson).toBe('{}');
  });

  it('refuses bad metadata and unknown records with clear errors', async () => {
    const bad = async (input: { metadataJson?: string; metadata?: Record<string, unknown> }, message: RegExp) => {
      const err = await failure(client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-3', ...input }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
    };
    await bad({ metadataJson: '{"a": ' }, /Invalid metadata/);
    await bad({ metadataJson: '[1, 2]' }, /not a JSON object/);
    await bad({ metadataJson: '{"a": {"b": 1}}' }, /unsupported value/);
    await bad({ metadataJson: '{"a": [1, "x"]}' }, /mixed types/);
    await bad({ metadataJson: '{"$a": 1}' }, /cannot start with/);
    await bad({ metadataJson: '{"chroma:document": "x"}' }, /reserved/);
    await bad({ metadataJson: '{}', metadata: {} }, /not both/);
    const missing = await failure(client.call('updateRecord', { handle, collectionId: tiny, id: 'no-such-record', document: 'x' }));
    expect(missing.code).toBe('NOT_FOUND');
    const noCollection = await failure(client.call('deleteRecords', { handle, collectionId: 'no-such-collection', ids: ['a'] }));
    expect(noCollection.code).toBe('NOT_FOUND');
    // Nothing was written by the refused calls.
    expect((await client.call('recordDetail', { handle, collectionId: tiny, id: 'tiny-3' })).metadata).toMatchObject({ rating: 2.3 });
  });

  it('deletes records: only the ones that exist count', async () => {
    const before = await client.call('count', { handle, collectionId: tiny });
    expect(await client.call('deleteRecords', { handle, collectionId: tiny, ids: ['tiny-3', 'never-existed'] })).toEqual({ deleted: 1 });
    expect(await client.call('count', { handle, collectionId: tiny })).toBe(before - 1);
    expect((await client.call('get', { handle, collectionId: tiny, args: { ids: ['tiny-3'] } })).ids).toEqual([]);
    expect((await client.call('records', { handle, collectionId: tiny, offset: 0, limit: 10 })).total).toBe(before - 1);
    const info = await client.call('folderInfo', { handle });
    expect(info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.id === tiny)?.count).toBe(before - 1);
  });

  it('upserts: adds a record with its embedding, updates one without', async () => {
    const before = await client.call('count', { handle, collectionId: tiny });
    const added = await client.call('upsertRecord', {
      handle,
      collectionId: tiny,
      id: 'tiny-added',
      document: 'added from the inspector',
      metadataJson: '{"score": 1.0, "n": 3}',
      embedding: [0.1, 0.2, 0.3, 0.4],
    });
    expect(added).toMatchObject({ id: 'tiny-added', document: 'added from the inspector', metadata: { score: 1, n: 3 } });
    expect(added.metadataJson).toContain('"score": 1.0');
    expect(added.embedding?.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(await client.call('count', { handle, collectionId: tiny })).toBe(before + 1);
    const nearest = await client.call('query', { handle, collectionId: tiny, args: { queryEmbeddings: [[0.1, 0.2, 0.3, 0.4]], nResults: 1 } });
    expect(nearest.ids).toEqual([['tiny-added']]);

    const updated = await client.call('upsertRecord', { handle, collectionId: tiny, id: 'tiny-added', document: 'changed' });
    expect(updated.document).toBe('changed');
    expect(updated.metadata).toEqual({ score: 1, n: 3 });
    expect(await client.call('count', { handle, collectionId: tiny })).toBe(before + 1);

    const moved = await client.call('upsertRecord', { handle, collectionId: tiny, id: 'tiny-added', embedding: [0.9, 0.9, 0.9, 0.9], metadata: { n: 4 } });
    expect(moved.metadata).toEqual({ n: 4 });
    expect(moved.embedding?.[0]).toBeCloseTo(0.9, 6);

    const noVector = await failure(client.call('upsertRecord', { handle, collectionId: tiny, id: 'tiny-other', document: 'x' }));
    expect(noVector.code).toBe('INVALID_ARGUMENT');
    expect(noVector.message).toMatch(/needs an embedding/);
    const wrongDim = await failure(client.call('upsertRecord', { handle, collectionId: tiny, id: 'tiny-other', embedding: [1, 2] }));
    expect(wrongDim.code).toBe('DIMENSION_MISMATCH');
  });

  it('still answers every other collection the way Chroma did', async () => {
    const others = cases.filter((c) => !c.error && splitCollection(c.collection).name !== 'tiny');
    expect(others.length).toBeGreaterThan(100);
    for (const c of others) {
      const id = idOf(c.collection);
      const got = c.op === 'count' ? await client.call('count', { handle, collectionId: id }) : await client.call(c.op, { handle, collectionId: id, args: c.args });
      expect(compareCase(c, got), `${c.collection} | ${c.label}`).toBeNull();
    }
  });

  it('turns writes off again, and a fresh open reads what was written', async () => {
    const expected = await client.call('get', { handle, collectionId: tiny, args: { include: ['documents', 'metadatas', 'embeddings'] } });
    expect(await client.call('setWritable', { handle, writable: false })).toEqual({ writable: false });
    const err = await failure(client.call('updateRecord', { handle, collectionId: tiny, id: 'tiny-2', document: 'x' }));
    expect(err.code).toBe('READ_ONLY');
    await client.call('closeFolder', { handle });

    const other = host();
    try {
      const reopened = await open(other.client, dir);
      expect(reopened.writable).toBe(false);
      const got = await other.client.call('get', { handle: reopened.handle, collectionId: reopened.idOf('tiny'), args: { include: ['documents', 'metadatas', 'embeddings'] } });
      expect(got).toEqual(expected);
      const detail = await other.client.call('recordDetail', { handle: reopened.handle, collectionId: reopened.idOf('tiny'), id: 'tiny-2' });
      expect(detail.metadataJson).toContain('"rating": 2.0');
      const info = await other.client.call('folderInfo', { handle: reopened.handle });
      expect(info.problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});

describe('folders that must not be written', () => {
  it('writes on then off, sent together, end off: each setWritable of a folder waits for the one before', async () => {
    const { client, stop } = host();
    const dir = copyFolder('on-off');
    try {
      const { handle, idOf } = await open(client, dir);
      const on = client.call('setWritable', { handle, writable: true, confirm: basename(dir) });
      const off = client.call('setWritable', { handle, writable: false });
      expect(await Promise.all([on, off])).toMatchObject([{ writable: true }, { writable: false }]);
      expect((await failure(client.call('deleteRecords', { handle, collectionId: idOf('tiny'), ids: ['tiny-0'] }))).code).toBe('READ_ONLY');
      expect((await client.call('openFolder', { path: dir })).writable).toBe(false);
    } finally {
      await stop();
    }
  });

  it('a folder whose writes are never enabled stays byte-identical', async () => {
    const dir = copyFolder('never-enabled');
    const before = hashTree(dir);
    const { client, stop } = host();
    try {
      const { handle, idOf } = await open(client, dir);
      for (const collection of ['tiny', 'points', 'articles']) {
        const collectionId = idOf(collection);
        const first = (await client.call('records', { handle, collectionId, offset: 0, limit: 5 })).rows[0]!;
        await client.call('recordDetail', { handle, collectionId, id: first.id });
        expect((await failure(client.call('updateRecord', { handle, collectionId, id: first.id, document: 'x', metadataJson: '{"a": 1.0}' }))).code).toBe('READ_ONLY');
        expect((await failure(client.call('deleteRecords', { handle, collectionId, ids: [first.id] }))).code).toBe('READ_ONLY');
        expect((await failure(client.call('upsertRecord', { handle, collectionId, id: 'new', embedding: [1] }))).code).toBe('READ_ONLY');
      }
      expect(await client.call('setWritable', { handle, writable: false })).toEqual({ writable: false });
      await client.call('closeFolder', { handle });
    } finally {
      await stop();
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('refuses to enable writes for an era the write engine refuses, with its message', async () => {
    const dir = copyFolder('unknown-migration');
    const db = new Database(join(dir, 'chroma.sqlite3'));
    db.prepare("UPDATE migrations SET hash = '00000000000000000000000000000000' WHERE dir = 'metadb' AND version = 6").run();
    db.close();
    const before = hashTree(dir);
    const { client, stop } = host();
    try {
      const { handle, idOf } = await open(client, dir);
      const err = await failure(client.call('setWritable', { handle, writable: true, confirm: basename(dir) }));
      expect(err.code).toBe('READ_ONLY');
      expect(err.message).toMatch(/can be read but not written: its migrations table does not match a Chroma release/);
      expect((await failure(client.call('deleteRecords', { handle, collectionId: idOf('tiny'), ids: ['tiny-0'] }))).code).toBe('READ_ONLY');
    } finally {
      await stop();
    }
    expect(hashTree(dir)).toEqual(before);
  });

  describe.skipIf(process.platform !== 'linux')('while another process holds chroma.sqlite3', () => {
    let child: ChildProcess;
    let dir: string;
    const holderSource = "require('fs').openSync(process.argv[1], 'r'); setInterval(() => {}, 1000)";
    // The process is named with its command line (cut at 120 characters), so the user knows what to stop.
    const namesHolder = (pid: number) => new RegExp(`process ${pid} \\(${escapeRegExp(process.execPath)} -e require.*?\\) has chroma\\.sqlite3 open`);
    beforeAll(async () => {
      dir = copyFolder('busy');
      const file = join(dir, 'chroma.sqlite3');
      child = spawn(process.execPath, ['-e', holderSource, file], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !processesHolding(file).includes(child.pid!); i++) await new Promise((r) => setTimeout(r, 25));
      expect(processesHolding(file)).toContain(child.pid);
    });
    afterAll(() => {
      child.kill();
    });

    it('names the process in the folder overview, at open and when asked again', async () => {
      const { client, stop } = host();
      try {
        const opened = await client.call('openFolder', { path: dir });
        expect(opened.info.activity.likelyInUse).toBe(true);
        expect(opened.info.activity.reasons.join('\n')).toMatch(namesHolder(child.pid!));
        const again = await client.call('folderInfo', { handle: opened.handle });
        expect(again.activity.reasons.join('\n')).toMatch(namesHolder(child.pid!));
      } finally {
        await stop();
      }
    });

    it('refuses with FOLDER_BUSY and the reason, unless forced', async () => {
      const { client, stop } = host();
      try {
        const { handle, idOf } = await open(client, dir);
        const err = await failure(client.call('setWritable', { handle, writable: true, confirm: basename(dir) }));
        expect(err.code).toBe('FOLDER_BUSY');
        expect(err.message).toMatch(namesHolder(child.pid!));
        expect(err.details?.pids).toEqual([child.pid]);
        expect((await failure(client.call('deleteRecords', { handle, collectionId: idOf('tiny'), ids: ['tiny-0'] }))).code).toBe('READ_ONLY');

        const forced = await client.call('setWritable', { handle, writable: true, force: true, confirm: basename(dir) });
        expect(forced.writable).toBe(true);
        expect(forced.warning).toMatch(namesHolder(child.pid!));
        expect(await client.call('deleteRecords', { handle, collectionId: idOf('tiny'), ids: ['tiny-0'] })).toEqual({ deleted: 1 });
      } finally {
        await stop();
      }
    });
  });
});
