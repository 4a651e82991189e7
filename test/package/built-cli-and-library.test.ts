import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture, repoRoot } from '../helpers/paths.js';
// @ts-expect-error -- plain JS shared with the node scripts that drive real Chroma
import { replayCases } from '../reference-chroma/replay-cases.mjs';

const run = promisify(execFile);
const cli = join(repoRoot, 'dist', 'cli.js');
const library = join(repoRoot, 'dist', 'index.js');
const casesOf = (fixture: string) => (JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const FIXTURES = ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7', 'workload-1.3.4-seed7'];

/** The CLI's answer to one recorded case: its stdout as JSON, or its `error [CODE]: message` line. */
async function cliAnswer(folder: string, c: RecordedCase): Promise<{ result?: unknown; error?: string }> {
  const { name, tenant, database } = splitCollection(c.collection);
  const argv = [cli, c.op, folder, '--collection', name, ...(tenant ? ['--tenant', tenant, '--database', database!] : [])];
  if (c.op !== 'count') argv.push('--args', JSON.stringify(c.args));
  try {
    const { stdout } = await run(process.execPath, argv, { maxBuffer: 1 << 26 });
    return { result: JSON.parse(stdout) };
  } catch (err) {
    return { error: String((err as { stderr?: string }).stderr ?? err).trim() };
  }
}

/** Runs `fn` over `items` with at most `width` at a time (the machine has two cores). */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

// What CI ships: the built CLI (dist/cli.js) and library (dist/index.js) give Chroma's recorded
// answers on folders real Chroma wrote. Needs `npm run build` first.
describe('the built CLI and library answer as real Chroma did', () => {
  it('was built', () => {
    expect(existsSync(cli) && existsSync(library), 'dist/ is missing: run `npm run build` first').toBe(true);
  });

  for (const fixture of FIXTURES) {
    // One process per case: a quarter of the cases and every rejected one (the CLI's code runs on
    // every case in-process in test/cli; this checks the bundle).
    it(`CLI: a quarter of ${fixture}'s cases and all its errors`, async () => {
      const data = join(referenceFixture(fixture), 'data');
      const bad: string[] = [];
      const sample = casesOf(fixture).filter((c, i) => i % 4 === 0 || c.error !== undefined);
      await eachLimited(sample, 2, async (c) => {
        const got = await cliAnswer(data, c);
        if (c.error !== undefined) {
          // The CLI prints `error [CODE]: message`; Chroma's server wraps its messages in the plan
          // executor's prefixes ("Error executing plan: Internal error: …"): compare the innermost.
          const message = c.error.replace(/^Bad request to \S+ with status: /, '').split(': ').pop()!;
          if (!got.error?.includes(message)) bad.push(`${c.collection} | ${c.label}: expected an error with "${message}", got ${got.error ?? 'an answer'}`);
          return;
        }
        const d = got.error ?? compareCase(c, got.result);
        if (d) bad.push(`${c.collection} | ${c.label}: ${d}`);
      });
      expect(bad).toEqual([]);
    }, 600_000);
  }

  // util/node-on-demand.ts: reading a folder loads none of the built-in modules that cost memory
  // to load (a holder scan's fallback, checksums and ids, threads). A fresh process, so that
  // nothing else has loaded them; the list is taken before anything is printed (a piped stdout
  // loads node:net).
  it('reads a folder without loading node:child_process, node:crypto, node:net or node:worker_threads', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-modules-')), 'data');
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), folder, { recursive: true });
    const script = `
      const { ChromaFolder, PersistentClient } = await import(${JSON.stringify(pathToFileURL(library).href)});
      const reader = ChromaFolder.open(process.argv[1]);
      const ref = { name: 'articles' };
      const vector = new Array(reader.get(ref, { limit: 1, include: ['embeddings'] }).embeddings[0].length).fill(0.5);
      reader.query(ref, { queryEmbeddings: [vector], nResults: 3 });
      reader.count(ref);
      reader.close();
      const client = new PersistentClient({ path: process.argv[1] });
      const col = await client.getCollection({ name: ref.name, embeddingFunction: null });
      await col.query({ queryEmbeddings: [vector], nResults: 3, where: { $and: [{ n: { $gte: 0 } }, { n: { $gte: 0 } }] } });
      await col.get({ limit: 5, whereDocument: { $contains: 'a' } });
      await col.count();
      const loaded = process.moduleLoadList.filter((m) => /^NativeModule (child_process|crypto|net|worker_threads)$/.test(m));
      await client.close();
      process.stdout.write(JSON.stringify(loaded));
    `;
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, folder]);
      expect(JSON.parse(stdout)).toEqual([]);
    } finally {
      rmSync(join(folder, '..'), { recursive: true, force: true });
    }
  }, 120_000);

  describe('library: PersistentClient from dist/index.js', () => {
    const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-built-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    for (const fixture of FIXTURES) {
      it(`every case of ${fixture}`, async () => {
        // PersistentClient may write (its checkpoints at close): give it a copy.
        const folder = join(work, fixture);
        cpSync(join(referenceFixture(fixture), 'data'), folder, { recursive: true });
        const { PersistentClient } = (await import(pathToFileURL(library).href)) as typeof import('../../src-main/index.js');
        const open: InstanceType<typeof PersistentClient>[] = [];
        const client = (tenant?: string, database?: string) => {
          const c = new PersistentClient({ path: folder, ...(tenant ? { tenant, database } : {}) });
          open.push(c);
          return c;
        };
        const cases = casesOf(fixture);
        const got = (await replayCases(client, cases)) as RecordedCase[];
        for (const c of open) await c.close();
        const bad = cases
          .map((c, i) => {
            const g = got[i]!;
            if (c.error !== undefined) {
              const message = c.error.replace(/^Bad request to \S+ with status: /, '');
              return g.error?.endsWith(message) ? null : `${c.label}: expected error "${message}", got ${g.error ?? 'an answer'}`;
            }
            const d = g.error ?? compareCase(c, g.result);
            return d ? `${c.collection} | ${c.label}: ${d}` : null;
          })
          .filter((x) => x !== null);
        expect(bad).toEqual([]);
      }, 300_000);
    }
  });
});
