import { describe, expect, it } from 'vitest';
import { CLIENT_ARGUMENTS, ENGINE_ARGUMENTS } from '../../../src-main/engine/validation/argument-schema.js';
import { findViolation, type ChecksRef } from '../../../src-main/engine/validation/rule-engine.js';

const problem = <T>(value: T, checks: ChecksRef<T>) => findViolation(value, checks)?.message ?? null;
const both = [
  ['client', CLIENT_ARGUMENTS],
  ['engine', ENGINE_ARGUMENTS],
] as const;

describe('where', () => {
  it.each(both)('accepts what the client accepts (%s)', (_, args) => {
    for (const where of [
      { a: 1 },
      { a: 'x' },
      { a: { $gte: 2 } },
      { a: { $in: ['x', 'y'] } },
      { tags: { $not_contains: true } },
      { $and: [{ a: 1 }, { $or: [{ b: { $ne: 'x' } }, { c: false }] }] },
      { $contains: 'x' }, // left to the server
    ]) {
      expect(problem(where, args.where), JSON.stringify(where)).toBeNull();
    }
  });

  it.each(both)('reports malformed filters with the client messages (%s)', (_, args) => {
    const cases: [unknown, string][] = [
      ['a', 'Expected where to be a non-empty object'],
      [{}, "Expected 'where' to have exactly one operator, but got 0"],
      [{ a: 1, b: 2 }, "Expected 'where' to have exactly one operator, but got 2"],
      [{ a: undefined }, "Expected 'where' value to be a string, number, boolean, or an operator expression, but got undefined"],
      [{ $or: [{ a: 1 }] }, "Expected 'where' value for $and or $or to be a list of 'where' expressions, but got [object Object]"],
      [{ $and: [{ a: 1 }, { b: { $gt: 'x' } }] }, 'Expected operand value to be a number for $gt, but got string'],
      [{ a: { $eq: 1, $ne: 2 } }, 'Expected operator expression to have one operator, but got [object Object]'],
      [{ a: { $in: 'x' } }, 'Expected operand value to be an array for $in, but got x'],
      [{ a: { $contains: [1] } }, 'Expected operand value to be a string, number, or boolean for $contains, but got object'],
      [{ a: { $regex: 'x' } }, 'Expected operator to be one of $gt, $gte, $lt, $lte, $ne, $eq, $in, $nin, $contains, $not_contains, but got $regex'],
      [{ a: { $eq: undefined } }, 'Expected operand value to be a string, number, boolean, or a list of those types'],
      [{ a: { $nin: [1, 'x'] } }, "Expected 'where' operand value to be a non-empty list and all values to be of the same type"],
      [{ a: { $in: [] } }, "Expected 'where' operand value to be a non-empty list and all values to be of the same type"],
    ];
    for (const [where, message] of cases) expect(problem(where, args.where), JSON.stringify(where)).toBe(message);
  });

  it('differs between dialects on values JS code alone can produce', () => {
    // bigints are numbers to the engine, unknown to the client
    expect(problem({ a: 5n }, ENGINE_ARGUMENTS.where)).toBeNull();
    expect(problem({ a: 5n }, CLIENT_ARGUMENTS.where)).toBe("Expected 'where' value to be a string, number, boolean, or an operator expression, but got 5");
    expect(problem({ a: { $gt: 5n } }, ENGINE_ARGUMENTS.where)).toBeNull();
    // null clauses: a message from the engine, a TypeError from the client (as from chromadb)
    expect(problem({ a: null }, ENGINE_ARGUMENTS.where)).toBe("Expected 'where' value to be a string, number, boolean, or an operator expression, but got null");
    expect(problem({ $and: [null, { a: 1 }] }, ENGINE_ARGUMENTS.where)).toBe('Expected where to be a non-empty object');
    expect(() => problem({ a: null }, CLIENT_ARGUMENTS.where)).toThrow(TypeError);
    expect(() => problem({ $and: [null, { a: 1 }] }, CLIENT_ARGUMENTS.where)).toThrow(TypeError);
    // $and over a non-list: counted by keys in the client (then walked with forEach), rejected by the engine
    expect(problem({ $and: { x: { a: 1 }, y: { b: 2 } } }, ENGINE_ARGUMENTS.where)).toBe(
      "Expected 'where' value for $and or $or to be a list of 'where' expressions, but got [object Object]",
    );
    expect(() => problem({ $and: { x: { a: 1 }, y: { b: 2 } } }, CLIENT_ARGUMENTS.where)).toThrow('value.forEach is not a function');
    // printing never throws in the engine
    expect(problem({ a: Symbol.for('s') }, ENGINE_ARGUMENTS.where)).toBe(
      "Expected 'where' value to be a string, number, boolean, or an operator expression, but got Symbol(s)",
    );
    expect(() => problem({ a: Symbol.for('s') }, CLIENT_ARGUMENTS.where)).toThrow(TypeError);
  });
});

describe('whereDocument', () => {
  it.each(both)('accepts the client operators (%s)', (_, args) => {
    for (const filter of [{ $contains: 'a' }, { $not_regex: 'b' }, { $matches: 'legacy' }, { $or: [{ $contains: 'a' }, { $and: [{ $regex: 'x' }, { $contains: 'y' }] }] }]) {
      expect(problem(filter, args.whereDocument), JSON.stringify(filter)).toBeNull();
    }
  });

  it.each(both)('reports malformed filters with the client messages (%s)', (_, args) => {
    const cases: [unknown, string][] = [
      ['x', "Expected 'whereDocument' to be a non-empty object"],
      [{}, "Expected 'whereDocument' to have exactly one operator, but got [object Object]"],
      [
        { $foo: 'x' },
        "Expected 'whereDocument' operator to be one of $contains, $not_contains, $matches, $not_matches, $regex, $not_regex, $and, or $or, but got $foo",
      ],
      [{ $and: 'x' }, "Expected operand for $and to be a list of 'whereDocument' expressions, but got x"],
      [{ $or: [{ $contains: 'a' }] }, "Expected 'whereDocument' operand for $or to be a list with at least two 'whereDocument' expressions"],
      [{ $or: [{ $contains: 'a' }, { $and: [] }] }, "Expected 'whereDocument' operand for $and to be a list with at least two 'whereDocument' expressions"],
    ];
    for (const [filter, message] of cases) expect(problem(filter, args.whereDocument), JSON.stringify(filter)).toBe(message);
  });

  it('rejects null items in the engine; the client fails on them in JS', () => {
    expect(problem({ $and: [{ $contains: 'a' }, null] }, ENGINE_ARGUMENTS.whereDocument)).toBe("Expected 'whereDocument' to be a non-empty object");
    expect(() => problem({ $and: [{ $contains: 'a' }, null] }, CLIENT_ARGUMENTS.whereDocument)).toThrow(TypeError);
  });
});
