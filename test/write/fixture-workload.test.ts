import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentAdminClient, PersistentClient } from '../../src-main/index.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
// @ts-expect-error -- plain JS shared with the node scripts that drive real Chroma
import { runWorkload } from '../reference-chroma/workload.mjs';

interface Recording {
  chroma: string;
  seed: number;
  arrays: boolean;
  cases: RecordedCase[];
}
const key = (c: RecordedCase) => `${c.collection} | ${c.label}`;

// Our fixture workload (test/reference-chroma/workload.mjs), run against PersistentClient instead
// of a Chroma server: every answer and every error must be the one real Chroma recorded for the
// same workload (test/fixtures/reference/workload-1.3.4-seed7, by record-fixture.mjs).
describe('the fixture workload through PersistentClient gives the answers real Chroma recorded', () => {
  const recording = JSON.parse(readFileSync(join(referenceFixture('workload-1.3.4-seed7'), 'cases.json'), 'utf8')) as Recording;
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-workload-'));
  const folder = join(work, 'data');
  let ours = new Map<string, RecordedCase>();

  beforeAll(async () => {
    const clients: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(c: T) => (clients.push(c), c);
    const cases = (await runWorkload({
      client: (tenant?: string, database?: string) => track(new PersistentClient({ path: folder, ...(tenant ? { tenant, database } : {}) })),
      admin: () => track(new PersistentAdminClient({ path: folder })),
      seed: recording.seed,
      arrays: recording.arrays,
    })) as RecordedCase[];
    for (const c of clients) await c.close();
    ours = new Map(cases.map((c) => [key(c), c]));
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('records the same cases as Chroma did', () => {
    expect([...ours.keys()]).toEqual(recording.cases.map(key));
  });

  for (const c of recording.cases) {
    it(key(c), () => {
      const got = ours.get(key(c));
      expect(got, 'case not recorded').toBeDefined();
      if (c.error !== undefined) {
        expect(got!.error ?? `answered ${JSON.stringify(got!.result).slice(0, 200)}`).toBe(c.error);
        return;
      }
      expect(got!.error).toBeUndefined();
      expect(compareCase(c, got!.result)).toBeNull();
    });
  }

  it('leaves a folder the read engine opens with every migration verified, and whose answers are the same', () => {
    const f = ChromaFolder.open(folder);
    try {
      const info = f.info();
      expect(info.era.migrationsVerified).toBe(true);
      expect(info.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const books = recording.cases.find((c) => c.collection === 'books' && c.op === 'count')!;
      expect(f.count({ name: 'books' })).toBe(books.result);
    } finally {
      f.close();
    }
  });
});
