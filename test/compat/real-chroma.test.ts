import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentAdminClient, PersistentClient } from '../../src-main/index.js';
import { compareCase, diff, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture, repoRoot } from '../helpers/paths.js';
import {
  CHROMA_VERSION,
  chromaClients,
  mismatchesOverHttp,
  realChromaProblem,
  reportSkip,
  startChroma,
  stopAllChroma,
  type ChromaServer,
} from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS shared with the node scripts that drive real Chroma
import { runPhase, WORKLOAD_LAYOUT } from './phase.mjs';
// @ts-expect-error -- plain JS
import { runApiProbe } from './api-probe.mjs';
// @ts-expect-error -- plain JS
import { runWorkload } from '../reference-chroma/workload.mjs';

const problem = realChromaProblem();
reportSkip('compat', problem);
const problem101 = realChromaProblem('1.0.1');
reportSkip('compat 1.0.1', problem101);

type ClientFactory = (tenant?: string, database?: string) => PersistentClient;
const casesOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { cases: RecordedCase[] }).cases;

/** PersistentClient factories on `folder`, closed together. */
function persistentClients(folder: string) {
  const open: { close(): Promise<void> }[] = [];
  const client: ClientFactory = (tenant, database) => {
    const c = new PersistentClient({ path: folder, ...(tenant ? { tenant, database } : {}) });
    open.push(c);
    return c;
  };
  const admin = () => {
    const a = new PersistentAdminClient({ path: folder });
    open.push(a);
    return a;
  };
  return { client, admin, closeAll: async () => Promise.all(open.splice(0).map((c) => c.close())) };
}

/** Our read engine's answer to a recorded case. */
function answer(folder: ChromaFolder, c: RecordedCase): unknown {
  const ref = splitCollection(c.collection);
  return c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args);
}

function readBack(folder: string, cases: RecordedCase[]): string[] {
  const f = ChromaFolder.open(folder);
  try {
    const bad = cases.map((c) => [`${c.collection} | ${c.label}`, compareCase(c, answer(f, c))] as const).filter(([, d]) => d);
    expect(f.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
    return bad.map(([k, d]) => `${k}: ${d}`);
  } finally {
    f.close();
  }
}

// The round trip with real Chroma: it opens a folder PersistentClient wrote and answers as it
// answered on its own; it writes to it; we read what it wrote; we write again; it reads that.
describe.skipIf(problem !== null)(`round trip with real Chroma ${CHROMA_VERSION}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-compat-'));
  const folder = join(work, 'data');
  const recorded = casesOf(join(referenceFixture('workload-1.3.4-seed7'), 'cases.json'));
  let server: ChromaServer | null = null;

  afterAll(async () => {
    await server?.stop();
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('Chroma opens a folder PersistentClient filled and answers every recorded case as it did on its own', async () => {
    const ours = persistentClients(folder);
    await runWorkload({ client: ours.client, admin: ours.admin, seed: 7, arrays: true });
    await ours.closeAll();
    server = await startChroma(folder);
    expect(await mismatchesOverHttp(recorded, server.port)).toEqual([]);
  }, 180_000);

  it('refuses to write while that Chroma has the folder open, but still reads', async () => {
    const client = new PersistentClient({ path: folder });
    try {
      await expect(client.createCollection({ name: 'while-running', embeddingFunction: null })).rejects.toThrow(/Another process has .* open/);
      expect(await (await client.getCollection({ name: 'affinity' })).count()).toBe(recorded.find((c) => c.collection === 'affinity' && c.op === 'count')!.result);
    } finally {
      await client.close();
    }
  });

  let chromaCases: RecordedCase[] = [];

  it('Chroma keeps working when it writes to that folder (past its sync threshold)', async () => {
    const { client } = await chromaClients(server!.port);
    chromaCases = await runPhase({ client, seed: 11, tag: 'chroma', layout: WORKLOAD_LAYOUT });
    expect(chromaCases.length).toBe(39);
    expect(chromaCases.filter((c) => c.error !== undefined)).toEqual([]);
    await server!.stop();
    server = null;
  }, 180_000);

  it('we read the folder back after Chroma wrote to it, and answer as Chroma did', () => {
    expect(readBack(folder, chromaCases)).toEqual([]);
  });

  it('we write to it again, and Chroma answers our cases as we do', async () => {
    const ours = persistentClients(folder);
    const cases = (await runPhase({ client: ours.client, seed: 13, tag: 'ours', layout: WORKLOAD_LAYOUT })) as RecordedCase[];
    await ours.closeAll();
    expect(cases.filter((c) => c.error !== undefined)).toEqual([]);
    server = await startChroma(folder);
    expect(await mismatchesOverHttp(cases, server.port)).toEqual([]);
    // The recorded cases of collections neither phase touched still hold.
    const untouched = recorded.filter((c) => ['affinity', 'empty'].includes(c.collection));
    expect(untouched.length).toBeGreaterThan(10);
    expect(await mismatchesOverHttp(untouched, server.port)).toEqual([]);
    await server.stop();
    server = null;
  }, 180_000);

  it('the recorded API probe (test/write/fixtures) is still what this Chroma answers', async () => {
    const probeServer = await startChroma(join(work, 'probe'));
    try {
      const { client, admin } = await chromaClients(probeServer.port);
      type Step = { step: string; ok?: unknown; error?: unknown };
      const live = (await runApiProbe({ client, admin })) as Step[];
      const stored = (JSON.parse(readFileSync(join(repoRoot, 'test', 'write', 'fixtures', 'api-probe-chroma-1.3.4.json'), 'utf8')) as { steps: Step[] }).steps;
      expect(live.map((x) => x.step)).toEqual(stored.map((x) => x.step));
      // Rust prints validator parameters from a HashMap: their order changes from run to run.
      const canon = (e: unknown) =>
        JSON.parse(JSON.stringify(e ?? null).replace(/\[\{([^\]]*)\}\]/g, (_m, inner: string) => `[{${inner.split(', ').sort().join(', ')}}]`));
      const bad = live
        .map((x, i) => [x.step, x.error ? diff(canon(stored[i]!.error), canon(x.error)) : diff(stored[i]!.ok, x.ok)] as const)
        .filter(([, d]) => d);
      expect(bad).toEqual([]);
    } finally {
      await probeServer.stop();
    }
  }, 120_000);
});

// The same round trip in the Rust 1.0–1.2 era (no schema_str, no array metadata), with the Chroma
// of that era: a folder Chroma 1.0.1 wrote, written by us in its own format, read back by it.
describe.skipIf(problem101 !== null)('round trip with real Chroma 1.0.1 in its own era', () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-compat101-'));
  const folder = join(work, 'data');
  let server: ChromaServer | null = null;

  afterAll(async () => {
    await server?.stop();
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('we write to a 1.0.1 folder in its format, and Chroma 1.0.1 answers our cases and its own as before', async () => {
    cpSync(join(referenceFixture('chroma-1.0.1-seed7'), 'data'), folder, { recursive: true });
    const ours = persistentClients(folder);
    const cases = (await runPhase({ client: ours.client, seed: 17, tag: 'ours', arrays: false })) as RecordedCase[];
    await ours.closeAll();
    expect(cases.filter((c) => c.error !== undefined)).toEqual([]);
    server = await startChroma(folder, '1.0.1');
    expect(await mismatchesOverHttp(cases, server.port)).toEqual([]);
    const untouched = casesOf(join(referenceFixture('chroma-1.0.1-seed7'), 'cases.json')).filter((c) => ['tiny', 'inner', 'tickets@acme/prod'].includes(c.collection));
    expect(await mismatchesOverHttp(untouched, server.port)).toEqual([]);
  }, 180_000);

  it('Chroma 1.0.1 writes on top, and we answer its cases as it does', async () => {
    const { client } = await chromaClients(server!.port);
    const cases = (await runPhase({ client, seed: 19, tag: 'chroma', arrays: false })) as RecordedCase[];
    expect(cases.filter((c) => c.error !== undefined)).toEqual([]);
    await server!.stop();
    server = null;
    expect(readBack(folder, cases)).toEqual([]);
  }, 180_000);
});
