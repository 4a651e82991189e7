import { describe, expect, it } from 'vitest';
import { enforce, findViolation, focus, forEach, when, type Checks } from '../../../src-main/engine/validation/rule-engine.js';

const positive: Checks<number> = [
  { applies: (n) => !Number.isInteger(n), message: (n) => `${n} is not an integer` },
  { applies: (n) => n <= 0, message: (n) => `${n} is not positive` },
];

describe('rule engine', () => {
  it('reports the first broken rule, in list order', () => {
    expect(findViolation(3, positive)).toBeNull();
    expect(findViolation(-1.5, positive)).toEqual({ message: '-1.5 is not an integer' });
    expect(findViolation(-1, positive)).toEqual({ message: '-1 is not positive' });
  });

  it('does not build messages for rules that pass', () => {
    let built = 0;
    const checks: Checks<number> = [{ applies: () => false, message: () => `${++built}` }];
    expect(findViolation(1, checks)).toBeNull();
    expect(built).toBe(0);
  });

  it('guards, narrows and walks items', () => {
    const checks: Checks<{ list?: number[] }> = [
      when(({ list }) => list !== undefined, [
        focus(({ list }) => list!.length, [{ applies: (n) => n > 3, message: () => 'too long' }]),
        forEach(({ list }) => list!, positive),
      ]),
    ];
    expect(findViolation({}, checks)).toBeNull();
    expect(findViolation({ list: [1, 2] }, checks)).toBeNull();
    expect(findViolation({ list: [1, 2, 3, 4] }, checks)?.message).toBe('too long');
    expect(findViolation({ list: [1, 0, 0.5] }, checks)?.message).toBe('0 is not positive');
  });

  it('checks each item fully before the next one', () => {
    const order: string[] = [];
    const checks: Checks<string[]> = [
      forEach(
        (xs) => xs,
        [
          { applies: (x) => (order.push(`a${x}`), false), message: () => '' },
          { applies: (x) => (order.push(`b${x}`), false), message: () => '' },
        ],
      ),
    ];
    findViolation(['1', '2'], checks);
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('resolves self-referencing check lists lazily', () => {
    type Tree = { value: number; children: Tree[] };
    const tree: Checks<Tree> = [focus(({ value }) => value, positive), forEach(({ children }) => children, () => tree)];
    expect(findViolation({ value: 1, children: [{ value: 2, children: [] }] }, tree)).toBeNull();
    expect(findViolation({ value: 1, children: [{ value: 2, children: [{ value: -3, children: [] }] }] }, tree)?.message).toBe('-3 is not positive');
  });

  it('lets the caller choose the error; exceptions from rules propagate as they are', () => {
    class MyError extends Error {}
    expect(() => enforce(-1, positive, (v) => new MyError(`bad: ${v.message}`))).toThrow(new MyError('bad: -1 is not positive'));
    expect(() => enforce(1, positive, (v) => new MyError(v.message))).not.toThrow();
    const reading: Checks<unknown> = [{ applies: (v) => (v as { length: number }).length === 0, message: () => 'empty' }];
    expect(() => enforce(null, reading, (v) => new MyError(v.message))).toThrow(TypeError);
  });
});
