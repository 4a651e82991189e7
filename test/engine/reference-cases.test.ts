import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

// Every case real Chroma answered when it wrote these folders: our answer must be its answer.
for (const fixture of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
  describe(`reference cases: ${fixture}`, () => {
    const dir = referenceFixture(fixture);
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const folder = ChromaFolder.open(join(dir, 'data'));
    afterAll(() => folder.close());

    it('has cases to check', () => {
      expect(cases.length).toBeGreaterThan(150);
    });

    for (const c of cases) {
      it(`${c.collection} | ${c.label}`, () => {
        const ref = splitCollection(c.collection);
        const run = () => (c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args));
        if (c.error !== undefined) {
          expect(run, `Chroma rejected this with: ${c.error}`).toThrow();
          return;
        }
        expect(compareCase(c, run())).toBeNull();
      });
    }
  });
}
