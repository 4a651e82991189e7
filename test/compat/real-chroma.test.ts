import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { compareCase, diff, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { hasReferenceWorkload, runEmbeddedWorkload } from '../helpers/embedded-workload.js';
import { referenceFixture, repoRoot } from '../helpers/paths.js';
import {
  CHROMA_VERSION,
  compareOverHttp,
  referenceChromaProblem,
  runApiProbeOverHttp,
  runPhaseOverHttp,
  startChroma,
  stopAllChroma,
  type ChromaServer,
} from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS shared with the node runner that drives real Chroma
import { runPhase } from './phase.mjs';

const problem = hasReferenceWorkload ? referenceChromaProblem() : '../shared/reference-chroma is missing';
if (problem) console.warn(`[compat] real-Chroma round trip SKIPPED: ${problem}`);

const casesOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { cases: RecordedCase[] }).cases;

/** Our read engine's answer to a recorded case. */
function answer(folder: ChromaFolder, c: RecordedCase): unknown {
  const ref = splitCollection(c.collection);
  return c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args);
}

// The round trip of issue #4, with real Chroma: it opens a folder we wrote and answers as it
// answered on its own; it writes to it; we read what it wrote; we write again; it reads that.
describe.skipIf(problem !== null)(`round trip with real Chroma ${CHROMA_VERSION}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-compat-'));
  const folder = join(work, 'data');
  let server: ChromaServer | null = null;

  beforeAll(async () => {
    const run = await runEmbeddedWorkload(7);
    cpSync(run.folder, folder, { recursive: true });
    rmSync(join(run.folder, '..'), { recursive: true, force: true });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('Chroma opens a folder PersistentClient wrote and answers every recorded case as it did on its own', async () => {
    server = await startChroma(folder);
    const r = await compareOverHttp(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), server.port);
    expect(r.ok, r.output).toBe(true);
    expect(r.summary).toMatch(/^(\d+)\/\1 cases match$/);
  }, 120_000);

  it('refuses to write while that Chroma has the folder open, but still reads', async () => {
    const client = new PersistentClient({ path: folder });
    try {
      await expect(client.createCollection({ name: 'while-running', embeddingFunction: null })).rejects.toThrow(/Another process has .* open/);
      expect(await (await client.getCollection({ name: 'tiny' })).count()).toBe(5);
    } finally {
      await client.close();
    }
  });

  let chromaCases: RecordedCase[] = [];

  it('Chroma keeps working when it writes to that folder (past its sync threshold)', async () => {
    const out = join(work, 'cases-chroma-phase.json');
    await runPhaseOverHttp(server!.port, 11, 'chroma', out);
    chromaCases = casesOf(out);
    expect(chromaCases.length).toBe(39);
    expect(chromaCases.filter((c) => c.error !== undefined)).toEqual([]);
    await server!.stop();
    server = null;
  }, 180_000);

  it('we read the folder back after Chroma wrote to it, and answer as Chroma did', () => {
    const f = ChromaFolder.open(folder);
    try {
      const bad: string[] = [];
      for (const c of chromaCases) {
        const d = compareCase(c, answer(f, c));
        if (d) bad.push(`${c.collection} | ${c.label} | ${d}`);
      }
      expect(bad).toEqual([]);
      expect(f.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      f.close();
    }
  });

  it('we write to it again, and Chroma answers our cases as we do', async () => {
    const clients: PersistentClient[] = [];
    const client = (tenant?: string, database?: string) => {
      const c = new PersistentClient({ path: folder, ...(tenant ? { tenant, database } : {}) });
      clients.push(c);
      return c;
    };
    const ours = await runPhase({ client, seed: 13, tag: 'ours' });
    for (const c of clients) await c.close();
    expect(ours.filter((c: RecordedCase) => c.error !== undefined)).toEqual([]);
    const file = join(work, 'cases-our-phase.json');
    writeFileSync(file, JSON.stringify({ cases: ours }));
    server = await startChroma(folder);
    const r = await compareOverHttp(file, server.port);
    expect(r.ok, r.output).toBe(true);
    expect(r.summary).toMatch(/^(\d+)\/\1 cases match$/);
    // And the fixture's cases still hold where those collections were not touched since.
    const tiny = casesOf(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json')).filter((c) => c.collection === 'tiny');
    const tinyFile = join(work, 'cases-tiny.json');
    writeFileSync(tinyFile, JSON.stringify({ cases: tiny }));
    const t = await compareOverHttp(tinyFile, server.port);
    expect(t.ok, t.output).toBe(true);
    await server.stop();
    server = null;
  }, 180_000);

  it('the recorded API probe (test/write/fixtures) is still what this Chroma answers', async () => {
    const probeServer = await startChroma(join(work, 'probe'));
    try {
      const out = join(work, 'api-probe-live.json');
      await runApiProbeOverHttp(probeServer.port, out);
      type Step = { step: string; ok?: unknown; error?: unknown };
      const live = (JSON.parse(readFileSync(out, 'utf8')) as { steps: Step[] }).steps;
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
const problem101 = hasReferenceWorkload ? referenceChromaProblem('1.0.1') : '../shared/reference-chroma is missing';
if (problem101) console.warn(`[compat] Chroma 1.0.1 round trip SKIPPED: ${problem101}`);

describe.skipIf(problem101 !== null)('round trip with real Chroma 1.0.1 in its own era', () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-compat101-'));
  const folder = join(work, 'data');
  let server: ChromaServer | null = null;

  afterAll(async () => {
    await server?.stop();
    await stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('we write to a 1.0.1 folder in its format, and Chroma 1.0.1 answers our cases and its own as before', async () => {
    cpSync(join(referenceFixture('chroma-1.0.1-seed7'), 'data'), folder, { recursive: true });
    const clients: PersistentClient[] = [];
    const client = (tenant?: string, database?: string) => {
      const c = new PersistentClient({ path: folder, ...(tenant ? { tenant, database } : {}) });
      clients.push(c);
      return c;
    };
    const ours = await runPhase({ client, seed: 17, tag: 'ours', arrays: false });
    for (const c of clients) await c.close();
    expect(ours.filter((c: RecordedCase) => c.error !== undefined)).toEqual([]);
    const file = join(work, 'cases-ours.json');
    writeFileSync(file, JSON.stringify({ cases: ours }));
    server = await startChroma(folder, '1.0.1');
    const r = await compareOverHttp(file, server.port);
    expect(r.ok, r.output).toBe(true);
    const untouched = casesOf(join(referenceFixture('chroma-1.0.1-seed7'), 'cases.json')).filter((c) => ['tiny', 'inner', 'tickets@acme/prod'].includes(c.collection));
    const untouchedFile = join(work, 'cases-untouched.json');
    writeFileSync(untouchedFile, JSON.stringify({ cases: untouched }));
    const u = await compareOverHttp(untouchedFile, server.port);
    expect(u.ok, u.output).toBe(true);
  }, 180_000);

  it('Chroma 1.0.1 writes on top, and we answer its cases as it does', async () => {
    const out = join(work, 'cases-chroma.json');
    await runPhaseOverHttp(server!.port, 19, 'chroma', out, false);
    const cases = casesOf(out);
    expect(cases.filter((c) => c.error !== undefined)).toEqual([]);
    await server!.stop();
    server = null;
    const f = ChromaFolder.open(folder);
    try {
      const bad = cases.map((c) => [c.label, compareCase(c, answer(f, c))] as const).filter(([, d]) => d);
      expect(bad).toEqual([]);
      expect(f.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      f.close();
    }
  }, 180_000);
});
