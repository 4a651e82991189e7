import { describe, expect, it } from 'vitest';
import { IdBitset } from '../../../src-main/engine/filter/id-bitset.js';
import { matchIdsSteps } from '../../../src-main/engine/collection/record-labels.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';

describe('matchIdsSteps: a filter’s matches as their internal ids, in steps', () => {
  it('gives every id in ascending order, pausing between pieces of a large set, and the same array to every later caller', () => {
    const base = 1000;
    const set = new IdBitset(base, 1_000_000);
    // Every third id: 333,334 ids, several pieces.
    const expected: number[] = [];
    for (let id = base; id < base + 1_000_000; id += 3) {
      set.add(id);
      expected.push(id);
    }
    const steps = matchIdsSteps(set);
    let pauses = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) pauses++;
    expect(pauses).toBeGreaterThanOrEqual(4);
    expect(r.value).toEqual(expected);
    // Made once: a later caller (the allowed labels after the labels ahead) gets that array, at once.
    const again = matchIdsSteps(set).next();
    expect(again.done).toBe(true);
    expect(again.value).toBe(r.value);
  });

  it('keeps the first array made when two callers gathered the same set at once', () => {
    const set = new IdBitset(0, 200_000);
    for (let id = 0; id < 200_000; id += 2) set.add(id);
    const first = matchIdsSteps(set);
    const second = matchIdsSteps(set);
    first.next();
    const fromSecond = runSteps(second);
    const fromFirst = runSteps(first);
    expect(fromFirst).toBe(fromSecond);
    expect(fromFirst.length).toBe(100_000);
  });
});
