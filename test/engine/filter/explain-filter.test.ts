import { describe, expect, it } from 'vitest';
import { explainDocument, explainWhere } from '../../../src-main/engine/filter/explain-filter.js';
import { parseWhere, parseWhereDocument } from '../../../src-main/engine/filter/parse-where.js';
import { boolScalar, floatScalar, intScalar, stringScalar, type TypedMetadata, type TypedValue } from '../../../src-main/engine/util/typed-value.js';

/** Which leaves turn a record away, for each kind of leaf; the verdicts are evaluate.ts's. */
const record = (metadata: TypedMetadata | null, document: string | null = null) => ({ metadata, document });
const md: TypedMetadata = new Map<string, TypedValue>([
  ['genre', stringScalar('jazz')],
  ['year', intScalar(1999)],
  ['score', floatScalar(2.5)],
  ['live', boolScalar(true)],
  ['tags', { kind: 'array', elementKind: 'string', items: [stringScalar('a'), stringScalar('b')] }],
]);
const explain = (where: unknown) => explainWhere(parseWhere(where)!, record(md));

describe('explainWhere', () => {
  it('passes: nothing to explain', () => {
    expect(explain({ genre: 'jazz' })).toEqual([]);
    expect(explain({ $or: [{ genre: 'rock' }, { year: { $lt: 2000 } }] })).toEqual([]);
  });

  it('$ne, $in and $nin say what the record holds', () => {
    expect(explain({ genre: { $ne: 'jazz' } })[0]!.reason).toBe('"genre" is "jazz", equal to what $ne excludes');
    expect(explain({ genre: { $in: ['rock', 'pop'] } })[0]!.reason).toBe('"genre" is "jazz", not one of ["rock", "pop"]');
    expect(explain({ genre: { $nin: ['jazz'] } })[0]!.reason).toBe('"genre" is "jazz", which $nin ["jazz"] excludes');
  });

  it('a comparison across kinds never matches, and says so', () => {
    expect(explain({ genre: { $gt: 3 } })[0]!.reason).toBe('"genre" is "jazz", not > 3 (int) (a string never matches an int)');
    // ints and floats compare with each other: only the value is wrong here.
    expect(explain({ year: { $gt: 2000.5 } })[0]!.reason).toBe('"year" is 1999 (int), not > 2000.5 (float)');
    expect(explain({ live: false })[0]).toMatchObject({ leaf: '{"live":{"$eq":false}}', recordValue: 'true (bool)' });
  });

  it('array membership: a missing element, a value that is no array, a $not_contains hit', () => {
    expect(explain({ tags: { $contains: 'z' } })[0]).toMatchObject({ recordValue: '["a", "b"] (array of string)', reason: '"tags" holds no "z" (elements of another type never match)' });
    expect(explain({ genre: { $contains: 'jazz' } })[0]!.reason).toBe('"genre" is not an array (it is "jazz"), and $contains on metadata looks inside arrays');
    expect(explain({ tags: { $not_contains: 'a' } })[0]!.reason).toBe('"tags" holds "a", which $not_contains excludes');
  });

  it('a missing key, and only the failing children of $and / all children of a failing $or', () => {
    expect(explain({ mood: 'calm' })[0]).toMatchObject({ recordValue: null, reason: 'the record has no "mood"' });
    const misses = explain({ $and: [{ genre: 'jazz' }, { $or: [{ year: { $gt: 2000 } }, { score: { $gte: 3 } }] }] });
    expect(misses.map((m) => m.path)).toEqual(['where.$and[1].$or[0]', 'where.$and[1].$or[1]']);
    expect(misses[1]!.leaf).toBe('{"score":{"$gte":3}}');
  });
});

describe('explainDocument', () => {
  const doc = 'The quick brown fox';
  const explainDoc = (filter: unknown, d: string | null = doc) => explainDocument(parseWhereDocument(filter)!, d);

  it('$contains is case-sensitive, $not_contains names the text found, no document is said', () => {
    expect(explainDoc({ $contains: 'Quick' })[0]!.reason).toBe('the document does not contain "Quick" (case-sensitive)');
    expect(explainDoc({ $not_contains: 'fox' })[0]).toMatchObject({ reason: 'the document contains "fox"', recordValue: 'The quick brown fox' });
    expect(explainDoc({ $contains: 'fox' }, null)[0]!.reason).toBe('the record has no document');
  });

  it('$regex, and $or of document leaves', () => {
    expect(explainDoc({ $regex: '^fox' })[0]!.reason).toBe('the document does not match ^fox');
    expect(explainDoc({ $or: [{ $contains: 'cat' }, { $contains: 'dog' }] }).map((m) => m.path)).toEqual(['whereDocument.$or[0]', 'whereDocument.$or[1]']);
    expect(explainDoc({ $and: [{ $contains: 'fox' }, { $contains: 'quick' }] })).toEqual([]);
  });
});
