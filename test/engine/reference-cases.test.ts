import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { KNOWN_ERROR_DIFFERENCES, caseKey, rejectionMismatch } from '../helpers/chroma-errors.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

// Every case real Chroma answered when it wrote these folders: our answer must be its answer,
// and where Chroma rejected the request, our error message must be Chroma's (helpers/chroma-errors).
const rejectedByChroma = new Set<string>();

for (const fixture of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
  describe(`reference cases: ${fixture}`, () => {
    const dir = referenceFixture(fixture);
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    for (const c of cases) if (c.error !== undefined) rejectedByChroma.add(caseKey(c));
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
          expect(rejectionMismatch(c, run)).toBeNull();
          return;
        }
        expect(compareCase(c, run())).toBeNull();
      });
    }
  });
}

describe('known differences from Chroma error messages', () => {
  it('every listed case is one Chroma rejected in some reference fixture (no stale entries)', () => {
    for (const key of KNOWN_ERROR_DIFFERENCES.keys()) expect(rejectedByChroma, key).toContain(key);
  });
});
