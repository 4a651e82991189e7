import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFiltersIndexed } from '../../../src-main/engine/filter/indexed-filters.js';
import { parseWhere, parseWhereDocument } from '../../../src-main/engine/filter/parse-where.js';
import { referenceFixture } from '../../helpers/paths.js';

/** Chroma's refusals for filters on indexes a schema disables (docs/format.md §3.3). */

const recorded = JSON.parse(readFileSync(referenceFixture('edge-cases-1.3.4.json'), 'utf8')) as { schemas: Record<string, string> };
const noindex = JSON.parse(recorded.schemas.noindex!) as unknown; // as Chroma 1.3.4 wrote it
const normal = JSON.parse(recorded.schemas.edges!) as unknown;

const problem = (schema: unknown, where: unknown, whereDocument?: unknown): string | null => {
  try {
    checkFiltersIndexed(schema, parseWhere(where), parseWhereDocument(whereDocument));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};

describe('checkFiltersIndexed', () => {
  it("refuses by the operand's type, as Chroma does", () => {
    expect(problem(noindex, { s: 'x' })).toBe("Cannot filter using metadata key 's' with type 'Str' because indexing is disabled");
    expect(problem(noindex, { i: { $in: [1, 2] } })).toBe("Cannot filter using metadata key 'i' with type 'Int' because indexing is disabled");
    expect(problem(noindex, { i: { $gt: 1.5 } })).toBeNull(); // a float operand asks i's float index
    expect(problem(noindex, { $and: [{ t: 'kept' }, { b: { $ne: true } }] })).toBe("Cannot filter using metadata key 'b' with type 'Bool' because indexing is disabled");
    expect(problem(noindex, null, { $contains: 'a' })).toBe('Cannot filter using full-text search because FTS indexing is disabled');
    expect(problem(noindex, { '#document': { $contains: 'a' } })).toBe('Cannot filter using full-text search because FTS indexing is disabled');
  });

  it('lets everything through on a default schema, or without one', () => {
    for (const schema of [normal, null, undefined, 'garbage']) {
      expect(problem(schema, { s: 'x' })).toBeNull();
      expect(problem(schema, { '#document': { $contains: 'a' } }, { $regex: 'a' })).toBeNull();
    }
  });

  it('reads a disabled default and the early 1.x spellings', () => {
    const defaults = { defaults: { string: { string_inverted_index: { enabled: false, config: {} } } }, keys: {} };
    expect(problem(defaults, { anything: 'x' })).toMatch(/key 'anything' with type 'Str'/);
    const early = {
      defaults: {},
      key_overrides: { n: { '#int': { $int_inverted_index: { enabled: false } } }, '#document': { '#string': { $fts_index: { enabled: false } } } },
    };
    expect(problem(early, { n: 3 })).toMatch(/key 'n' with type 'Int'/);
    expect(problem(early, null, { $contains: 'x' })).toMatch(/FTS indexing is disabled/);
  });
});
