import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import { combineFilters } from '../../../src-main/engine/filter/combine.js';
import { parseWhere, parseWhereDocument } from '../../../src-main/engine/filter/parse-where.js';
import type { WhereNode } from '../../../src-main/engine/filter/where-ast.js';
import { repoRoot } from './sql-harness.js';

function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('INVALID_ARGUMENT');
    return (err as InspectorError).message;
  }
  throw new Error('expected parsing to fail');
}

const whereError = (raw: unknown, clientValidation = true) => errorMessage(() => parseWhere(raw, { clientValidation }));
const docError = (raw: unknown, clientValidation = true) => errorMessage(() => parseWhereDocument(raw, { clientValidation }));

describe('parseWhere: shapes', () => {
  it('treats null/undefined as no filter', () => {
    expect(parseWhere(null)).toBeNull();
    expect(parseWhere(undefined)).toBeNull();
    expect(parseWhereDocument(null)).toBeNull();
  });

  it('reads {key: literal} as $eq, typing JS numbers as Chroma does', () => {
    expect(parseWhere({ category: 'news' })).toEqual({ kind: 'compare', key: 'category', op: '$eq', value: { kind: 'string', value: 'news' } });
    expect(parseWhere({ published: true })).toEqual({ kind: 'compare', key: 'published', op: '$eq', value: { kind: 'bool', value: true } });
    expect(parseWhere({ year: 2004 })).toEqual({ kind: 'compare', key: 'year', op: '$eq', value: { kind: 'int', value: 2004n } });
    expect(parseWhere({ rating: 2.5 })).toEqual({ kind: 'compare', key: 'rating', op: '$eq', value: { kind: 'float', value: 2.5 } });
    // 2.0 is indistinguishable from 2 in JS: an int, as the JS client would send it
    expect(parseWhere({ rating: 2.0 })).toMatchObject({ value: { kind: 'int', value: 2n } });
    expect(parseWhere({ x: -0 })).toMatchObject({ value: { kind: 'int', value: 0n } });
    expect(parseWhere({ x: 1e21 })).toMatchObject({ value: { kind: 'float', value: 1e21 } });
    // JSON.stringify sends -9223372036854776000, below i64: serde reads a float (recorded, edge-cases-1.3.4.json)
    expect(parseWhere({ x: -(2 ** 63) })).toMatchObject({ value: { kind: 'float', value: -(2 ** 63) } });
    // the digits sent, not the double's exact value: 2**60 goes out as 1152921504606847000
    expect(parseWhere({ x: 2 ** 60 })).toMatchObject({ value: { kind: 'int', value: 1152921504606847000n } });
    expect(() => parseWhere({ x: 2 ** 63 })).toThrow('Invalid where clause'); // u64, not i64
    expect(parseWhere({ x: 2 ** 65 })).toMatchObject({ value: { kind: 'float', value: 2 ** 65 } }); // beyond u64: serde f64
    expect(parseWhere({ x: 9007199254740993n })).toMatchObject({ value: { kind: 'int', value: 9007199254740993n } });
  });

  it('parses operators, sets, array membership and #document', () => {
    expect(parseWhere({ year: { $gte: 2010 } })).toEqual({ kind: 'compare', key: 'year', op: '$gte', value: { kind: 'int', value: 2010n } });
    expect(parseWhere({ c: { $ne: 'x' } })).toMatchObject({ kind: 'compare', op: '$ne' });
    expect(parseWhere({ c: { $in: ['blog', 'note'] } })).toEqual({
      kind: 'in',
      key: 'c',
      negate: false,
      values: [
        { kind: 'string', value: 'blog' },
        { kind: 'string', value: 'note' },
      ],
    });
    expect(parseWhere({ y: { $nin: [1999, 2001] } })).toMatchObject({ kind: 'in', negate: true, values: [{ kind: 'int' }, { kind: 'int' }] });
    // Rust: the first element fixes the type; as_f64 accepts ints after a float
    expect(parseWhere({ r: { $in: [2.5, 1] } })).toMatchObject({ values: [{ kind: 'float', value: 2.5 }, { kind: 'float', value: 1 }] });
    expect(parseWhere({ f: { $in: [true, false] } })).toMatchObject({ values: [{ kind: 'bool' }, { kind: 'bool' }] });
    expect(parseWhere({ tags: { $contains: 'vector' } })).toEqual({ kind: 'contains', key: 'tags', negate: false, value: { kind: 'string', value: 'vector' } });
    expect(parseWhere({ tags: { $not_contains: 5 } })).toEqual({ kind: 'contains', key: 'tags', negate: true, value: { kind: 'int', value: 5n } });
    expect(parseWhere({ tags: { $contains: false } })).toMatchObject({ kind: 'contains', value: { kind: 'bool', value: false } });
    expect(parseWhere({ '#document': { $contains: 'cat' } })).toEqual({
      kind: 'document',
      doc: { kind: 'doc-contains', negate: false, text: 'cat' },
    });
    expect(parseWhere({ '#document': { $not_contains: 'cat' } })).toMatchObject({ doc: { negate: true } });
    const tree = parseWhere({ $and: [{ year: { $gte: 2000 } }, { $or: [{ a: 1 }, { b: 'x' }] }] });
    expect(tree?.kind).toBe('and');
    expect(tree && tree.kind === 'and' && tree.children[1]?.kind).toBe('or');
  });

  it('freezes the tree', () => {
    const tree = parseWhere({ $and: [{ c: { $in: ['a', 'b'] } }, { y: 1 }] }) as Extract<WhereNode, { kind: 'and' }>;
    expect(Object.isFrozen(tree)).toBe(true);
    expect(Object.isFrozen(tree.children)).toBe(true);
    const first = tree.children[0] as Extract<WhereNode, { kind: 'in' }>;
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.values)).toBe(true);
    expect(Object.isFrozen(first.values[0])).toBe(true);
    expect(Object.isFrozen(parseWhereDocument({ $and: [{ $contains: 'a' }, { $regex: 'b' }] }))).toBe(true);
  });
});

describe('parseWhere: the chromadb JS client validation messages', () => {
  it('matches the client word for word', () => {
    expect(whereError({ year: { $gt: 'x' } })).toBe('Expected operand value to be a number for $gt, but got string');
    expect(whereError({ year: { $lte: true } })).toBe('Expected operand value to be a number for $lte, but got boolean');
    expect(whereError('year')).toBe('Expected where to be a non-empty object');
    expect(whereError({})).toBe("Expected 'where' to have exactly one operator, but got 0");
    expect(whereError({ a: 1, b: 2 })).toBe("Expected 'where' to have exactly one operator, but got 2");
    expect(whereError({ a: undefined })).toBe(
      "Expected 'where' value to be a string, number, boolean, or an operator expression, but got undefined",
    );
    expect(whereError({ $and: [{ a: 1 }] })).toBe(
      "Expected 'where' value for $and or $or to be a list of 'where' expressions, but got [object Object]",
    );
    expect(whereError({ $or: [] })).toBe("Expected 'where' value for $and or $or to be a list of 'where' expressions, but got ");
    expect(whereError({ $and: [{ a: 1 }, { b: { $gt: 'x' } }] })).toBe('Expected operand value to be a number for $gt, but got string');
    expect(whereError({ a: { $in: 'x' } })).toBe('Expected operand value to be an array for $in, but got x');
    expect(whereError({ a: { $in: [] } })).toBe(
      "Expected 'where' operand value to be a non-empty list and all values to be of the same type",
    );
    expect(whereError({ a: { $nin: [1, 'x'] } })).toBe(
      "Expected 'where' operand value to be a non-empty list and all values to be of the same type",
    );
    expect(whereError({ a: { $eq: 1, $ne: 2 } })).toBe('Expected operator expression to have one operator, but got [object Object]');
    expect(whereError({ a: [1, 2] })).toBe('Expected operator expression to have one operator, but got 1,2');
    expect(whereError({ a: { $foo: 1 } })).toBe(
      'Expected operator to be one of $gt, $gte, $lt, $lte, $ne, $eq, $in, $nin, $contains, $not_contains, but got $foo',
    );
    expect(whereError({ a: { $eq: null } })).toBe('Expected operand value to be a string, number, boolean, or a list of those types');
    expect(whereError({ a: { $contains: { x: 1 } } })).toBe(
      'Expected operand value to be a string, number, or boolean for $contains, but got object',
    );
    // The client does not know $regex inside where, even on #document
    expect(whereError({ '#document': { $regex: 'a' } })).toBe(
      'Expected operator to be one of $gt, $gte, $lt, $lte, $ne, $eq, $in, $nin, $contains, $not_contains, but got $regex',
    );
  });

  it('leaves to the server what the client lets through', () => {
    expect(whereError({ a: { $eq: [1, 2] } })).toBe('Invalid where clause');
    expect(whereError({ a: { $in: [1, 2.5] } })).toBe('Invalid where clause'); // typeof is equal; Rust wants i64
    expect(whereError({ $contains: 'x' })).toBe('Invalid where clause');
    expect(whereError({ $in: 'x' })).toBe('Invalid where clause');
    expect(whereError({ $in: [1] })).toMatch(/but got 0$/); // the client reads the array as an operator expression
    expect(whereError({ '#document': { $contains: 5 } })).toBe('Invalid where clause');
    expect(whereError({ x: 2 ** 63 })).toBe('Invalid where clause'); // u64 for serde
    expect(whereError({ x: { $gt: 2 ** 63 } })).toBe('Invalid where clause');
    expect(whereError({ x: { $in: [[1]] } })).toBe('Invalid where clause');
    expect(whereError({ x: { $in: [null] } })).toBe('Invalid where clause');
    expect(whereError(0)).toBe('Invalid where clause'); // falsy: the client skips validation
    expect(whereError(false)).toBe('Invalid where clause');
  });

  it('applies only the server rules when asked', () => {
    expect(parseWhere({ $and: [] }, { clientValidation: false })).toEqual({ kind: 'and', children: [] });
    expect(parseWhere({ $or: [{ a: 1 }] }, { clientValidation: false })).toMatchObject({ kind: 'or' });
    expect(parseWhere({ '#document': { $regex: '^a' } }, { clientValidation: false })).toEqual({
      kind: 'document',
      doc: { kind: 'doc-regex', negate: false, pattern: '^a' },
    });
    expect(whereError({ tags: { $regex: 'a' } }, false)).toBe('Invalid where clause');
    expect(whereError({ '#document': { $regex: '(?=a)' } }, false)).toMatch(/^Regex syntax errror: regex parse error:/);
    expect(whereError({ a: { $gt: 'x' } }, false)).toBe('Invalid where clause');
    expect(whereError({ a: null }, false)).toBe('Invalid where clause');
    expect(whereError({ a: { $in: [] } }, false)).toBe('Invalid where clause');
    expect(whereError({ a: { $gt: true } }, false)).toBe('Invalid where clause');
    expect(whereError({ a: { $contains: [1] } }, false)).toBe('Invalid where clause');
    expect(whereError({ '#document': { $contains: true } }, false)).toBe('Invalid where clause');
  });
});

describe('parseWhereDocument', () => {
  it('parses the operators', () => {
    expect(parseWhereDocument({ $contains: 'sqlite' })).toEqual({ kind: 'doc-contains', negate: false, text: 'sqlite' });
    expect(parseWhereDocument({ $not_contains: 'cat' })).toEqual({ kind: 'doc-contains', negate: true, text: 'cat' });
    expect(parseWhereDocument({ $regex: '^[0-9]+ vector' })).toEqual({ kind: 'doc-regex', negate: false, pattern: '^[0-9]+ vector' });
    expect(parseWhereDocument({ $not_regex: 'dog|cat' })).toEqual({ kind: 'doc-regex', negate: true, pattern: 'dog|cat' });
    expect(parseWhereDocument({ $contains: '' })).toEqual({ kind: 'doc-contains', negate: false, text: '' });
    expect(parseWhereDocument({ $or: [{ $contains: 'a' }, { $and: [{ $contains: 'b' }, { $regex: 'c' }] }] })).toMatchObject({
      kind: 'doc-or',
      children: [{ kind: 'doc-contains' }, { kind: 'doc-and' }],
    });
  });

  it('reports the client messages, then the server ones', () => {
    expect(docError('x')).toBe("Expected 'whereDocument' to be a non-empty object");
    expect(docError({})).toBe("Expected 'whereDocument' to have exactly one operator, but got [object Object]");
    expect(docError({ $foo: 'x' })).toBe(
      "Expected 'whereDocument' operator to be one of $contains, $not_contains, $matches, $not_matches, $regex, $not_regex, $and, or $or, but got $foo",
    );
    expect(docError({ $and: 'x' })).toBe("Expected operand for $and to be a list of 'whereDocument' expressions, but got x");
    expect(docError({ $or: [{ $contains: 'a' }] })).toBe(
      "Expected 'whereDocument' operand for $or to be a list with at least two 'whereDocument' expressions",
    );
    expect(docError({ $matches: 'x' })).toBe('Invalid where document clause'); // client-only legacy name
    expect(docError({ $contains: 5 })).toBe('Invalid where document clause');
    expect(docError({ $and: [{ $contains: 'a' }, { $contains: null }] })).toBe('Invalid where document clause');
    expect(docError({ $regex: 'a(?!b)' })).toBe(
      'Regex syntax errror: regex parse error:\n    a(?!b)\n     ^^^\nerror: look-around, including look-ahead and look-behind, is not supported',
    );
    expect(docError({ $not_regex: '(x)\\1' })).toMatch(/backreferences are not supported$/);
    expect(parseWhereDocument({ $and: [] }, { clientValidation: false })).toEqual({ kind: 'doc-and', children: [] });
  });

  it('combines with where as Chroma does (AND)', () => {
    const where = parseWhere({ year: { $gte: 2005 } });
    const doc = parseWhereDocument({ $contains: 'index' });
    expect(combineFilters(where, doc)).toEqual({ kind: 'and', children: [where, { kind: 'document', doc }] });
    expect(combineFilters(null, doc)).toEqual({ kind: 'document', doc });
    expect(combineFilters(where, null)).toBe(where);
    expect(combineFilters(null, null)).toBeNull();
  });
});

describe('recorded Chroma answers (fixtures/reference/*/cases.json)', () => {
  const referenceDir = path.resolve(repoRoot, 'test/fixtures/reference');
  const files = readdirSync(referenceDir)
    .map((d) => path.join(referenceDir, d, 'cases.json'))
    .filter((f) => existsSync(f));

  it('parses every filter that Chroma accepted and rejects the ones it rejected', () => {
    let parsed = 0;
    let rejected = 0;
    for (const file of files) {
      const { cases } = JSON.parse(readFileSync(file, 'utf8')) as {
        cases: { label: string; args: Record<string, unknown>; error?: string }[];
      };
      for (const c of cases) {
        const { where, whereDocument } = c.args;
        if (where === undefined && whereDocument === undefined) continue;
        const run = () => combineFilters(parseWhere(where), parseWhereDocument(whereDocument));
        const where_ = `${path.basename(path.dirname(file))} ${c.label}`;
        if (c.error !== undefined) {
          // Server-side rejections reach the client as "Bad request to <url> with status: <Chroma's message>".
          expect(errorMessage(run), where_).toBe(c.error.replace(/^Bad request to \S+ with status: /, ''));
          rejected++;
        } else {
          expect(run, where_).not.toThrow();
          parsed++;
        }
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(5);
  });
});
