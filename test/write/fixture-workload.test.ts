import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { hasReferenceWorkload, runEmbeddedWorkload } from '../helpers/embedded-workload.js';
import { referenceFixture } from '../helpers/paths.js';

const recorded = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { cases: RecordedCase[] }).cases;
const key = (c: RecordedCase) => `${c.collection} | ${c.label}`;
/** The chromadb client names the request URL in server errors; PersistentClient has none ("Chroma"). */
const normalise = (message: string) => message.replace(/^Bad request to \S+ with status:/, 'Bad request to * with status:');

// The reference workload (seed 7), run against PersistentClient instead of a Chroma server:
// every answer must be the one real Chroma 1.3.4 recorded for the same workload.
describe.skipIf(!hasReferenceWorkload)('make-fixture workload against PersistentClient', () => {
  const chroma = recorded(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'));
  let ours = new Map<string, RecordedCase>();
  let folder = '';

  beforeAll(async () => {
    const run = await runEmbeddedWorkload(7);
    folder = run.folder;
    ours = new Map(recorded(run.casesFile).map((c) => [key(c), c]));
  }, 120_000);

  afterAll(() => {
    if (folder) rmSync(join(folder, '..'), { recursive: true, force: true });
  });

  it('records the same cases as Chroma did', () => {
    expect(ours.size).toBe(chroma.length);
  });

  for (const c of chroma) {
    it(key(c), () => {
      const got = ours.get(key(c));
      expect(got, 'case not recorded').toBeDefined();
      if (c.error !== undefined) {
        expect(got!.error, `Chroma rejected this with: ${c.error}`).toBeDefined();
        expect(normalise(got!.error!)).toBe(normalise(c.error));
        return;
      }
      expect(got!.error).toBeUndefined();
      expect(compareCase(c, got!.result)).toBeNull();
    });
  }

  it('leaves a folder the read engine opens with every migration verified', () => {
    const f = ChromaFolder.open(folder);
    try {
      const info = f.info();
      expect(info.era.migrationsVerified).toBe(true);
      expect(info.era.label).toBe('1.5+');
      expect(info.problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      f.close();
    }
  });
});
