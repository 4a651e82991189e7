import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { CHROMA_VERSION, chromaClients, realChromaProblem, reportSkip, startChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import { referenceFixture } from '../helpers/paths.js';

// Reads while a real Chroma writes: each read call must see one committed state of the folder
// (docs/format.md §8.2), and the embedded writer must notice a Chroma started after it opened.
const problem = realChromaProblem();
reportSkip('live-reads', problem);

const scratch = mkdtempSync(join(tmpdir(), 'ci-live-reads-'));
const servers: ChromaServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BATCH = 50;
const WRITE_MS = 10_000;
const MAX_BATCHES = 400;
const MAX_READS = 1_500;

interface AddableCollection {
  add(args: { ids: string[]; embeddings: number[][]; metadatas: Record<string, number>[]; documents: string[] }): Promise<void>;
}
interface HttpClient {
  createCollection(args: { name: string; metadata?: Record<string, unknown>; embeddingFunction: null }): Promise<AddableCollection>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const batchOf = (id: string) => Number(/^b(\d+)-\d+$/.exec(id)?.[1] ?? NaN);
const vectorOf = (b: number, i: number) => [b, i, (b * 7 + i) % 13, 1];

/** What is wrong with one read of the add-only collection, if anything. */
function checkRead(folder: ChromaFolder, round: number): string[] {
  const ref = { name: 'live' };
  const wrong: string[] = [];
  const n = folder.count(ref);
  if (n % BATCH !== 0) wrong.push(`count ${n} is not a whole number of batches`);

  const got = folder.get(ref, { include: ['documents', 'metadatas'] });
  if (new Set(got.ids).size !== got.ids.length) wrong.push(`get returned ${got.ids.length - new Set(got.ids).size} duplicated id(s)`);
  const perBatch = new Map<number, number>();
  got.ids.forEach((id, k) => {
    const b = batchOf(id);
    perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
    const meta = got.metadatas[k] as { batch?: unknown } | null;
    if (meta?.batch !== b) wrong.push(`get: ${id} has metadata ${JSON.stringify(meta)}`);
    if (got.documents[k] !== `doc ${id}`) wrong.push(`get: ${id} has document ${JSON.stringify(got.documents[k])}`);
  });
  for (const [b, k] of perBatch) if (k !== BATCH) wrong.push(`get: batch ${b} has ${k} of ${BATCH} records`);

  const q = folder.query(ref, { queryEmbeddings: [vectorOf(round % 40, round % BATCH)], nResults: 10, include: ['documents', 'metadatas', 'distances'] });
  q.ids[0]!.forEach((id, k) => {
    const meta = q.metadatas[0]![k] as { batch?: unknown } | null;
    if (meta?.batch !== batchOf(id)) wrong.push(`query: hit ${id} has metadata ${JSON.stringify(meta)}`);
    if (q.documents[0]![k] !== `doc ${id}`) wrong.push(`query: hit ${id} has document ${JSON.stringify(q.documents[0]![k])}`);
  });
  return wrong.map((w) => `read ${round}: ${w}`);
}

describe.skipIf(problem !== null)(`reads while real Chroma ${CHROMA_VERSION} writes`, () => {
  it('every count, get and query sees whole batches with their own documents and metadata', async () => {
    const dir = join(scratch, 'live');
    mkdirSync(dir);
    const server = await startChroma(dir);
    servers.push(server);
    const client = (await chromaClients(server.port)).client() as HttpClient;
    // A small sync_threshold makes Chroma persist its HNSW files (and purge the WAL) while we read.
    const coll = await client.createCollection({ name: 'live', metadata: { 'hnsw:sync_threshold': 200, 'hnsw:batch_size': 50 }, embeddingFunction: null });

    let batches = 0;
    let writing = true;
    const writer = (async () => {
      const until = Date.now() + WRITE_MS;
      try {
        while (Date.now() < until && batches < MAX_BATCHES) {
          const b = batches;
          const ids = Array.from({ length: BATCH }, (_, i) => `b${b}-${i}`);
          await coll.add({
            ids,
            embeddings: ids.map((_, i) => vectorOf(b, i)),
            metadatas: ids.map(() => ({ batch: b })),
            documents: ids.map((id) => `doc ${id}`),
          });
          batches++;
        }
      } finally {
        writing = false;
      }
    })();

    const wrong: string[] = [];
    let reads = 0;
    let folder = ChromaFolder.open(dir);
    try {
      while (writing && reads < MAX_READS) {
        // Reopen now and then: a fresh open must be as consistent as a long-lived one.
        if (reads % 10 === 9) {
          folder.close();
          folder = ChromaFolder.open(dir);
        }
        try {
          wrong.push(...checkRead(folder, reads));
        } catch (err) {
          wrong.push(`read ${reads}: threw ${(err as Error).message}`);
        }
        reads++;
        // Let the writer's requests and Chroma's commits go on between reads.
        await sleep(5);
      }
      await writer;
      // Once Chroma is done, the folder holds exactly what was added.
      folder.refresh();
      expect(folder.count({ name: 'live' })).toBe(batches * BATCH);
    } finally {
      folder.close();
    }
    expect(batches, 'Chroma accepted batches while we read').toBeGreaterThan(5);
    expect(reads, 'reads done while Chroma wrote').toBeGreaterThan(20);
    expect(wrong.slice(0, 20), `${wrong.length} wrong result(s) in ${reads} reads over ${batches} batches`).toEqual([]);
  }, 120_000);

  it('a PersistentClient opened before Chroma started refuses to write once it runs, unless forced', async () => {
    const dir = join(scratch, 'late-chroma');
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    const record = (id: string) => ({ ids: [id], embeddings: [[0.5, 0.5, 0.5, 0.5]], documents: [`doc ${id}`] });

    const plain = new PersistentClient({ path: dir });
    try {
      const tiny = await plain.getCollection({ name: 'tiny', embeddingFunction: null });
      await tiny.add(record('before-chroma'));

      servers.push(await startChroma(dir));
      const err = (await tiny.add(record('beside-chroma')).then(
        () => null,
        (e: unknown) => e,
      )) as (Error & { cause?: { code?: string } }) | null;
      expect(err, 'a write beside a running Chroma').not.toBeNull();
      expect(err!.cause?.code ?? (err as { code?: string }).code).toBe('FOLDER_BUSY');
      expect(err!.message).toMatch(/Another process has .*chroma\.sqlite3 open/);
      expect(err!.message).toContain('force: true');
    } finally {
      // Its close-time checkpoint persist is refused too (reported as a warning): Chroma owns the files now.
      await plain.close();
    }

    // force: true is the caller saying it knows; writes go ahead beside the running Chroma.
    const forced = new PersistentClient({ path: dir, force: true });
    try {
      const tiny = await forced.getCollection({ name: 'tiny', embeddingFunction: null });
      await tiny.add(record('forced'));
      expect((await tiny.get({ ids: ['forced', 'before-chroma', 'beside-chroma'] })).ids.sort()).toEqual(['before-chroma', 'forced']);
    } finally {
      await forced.close();
    }
  }, 120_000);
});
