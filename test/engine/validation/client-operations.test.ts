import { describe, expect, it } from 'vitest';
import {
  DELETE_CHECKS,
  GET_CHECKS,
  MODIFY_METADATA_CHECKS,
  QUERY_CHECKS,
  RECORD_WRITE_CHECKS,
} from '../../../src-main/engine/validation/client-operations.js';
import { findViolation, type ChecksRef } from '../../../src-main/engine/validation/rule-engine.js';

const problem = <T>(value: T, checks: ChecksRef<T>) => findViolation(value, checks)?.message ?? null;

describe('chromadb client operations', () => {
  it('add/update/upsert: lengths, then ids, then content, then batch size', () => {
    const write = (recordSet: Record<string, unknown>, update = false) => problem({ recordSet: { ids: undefined, ...recordSet }, update, maxBatchSize: 2 }, RECORD_WRITE_CHECKS);
    expect(write({ ids: ['a'], embeddings: [[1]] })).toBeNull();
    expect(write({ ids: ['a', 'a'], embeddings: [[1]] })).toBe('Unequal lengths for fields ids, embeddings');
    expect(write({ ids: ['a', 'a'], embeddings: [[1], []] })).toBe('Expected IDs to be unique, but found duplicates of a');
    expect(write({ ids: ['a', 'b'] })).toBe("At least one of 'embeddings' and 'documents' must be provided");
    expect(write({ ids: ['a', 'b'] }, true)).toBeNull();
    expect(write({ ids: ['a', 'b'], documents: ['x', 'y'], metadatas: [{ k: [] }, null] })).toBe("Expected metadata list value for key 'k' to be non-empty");
    expect(write({ ids: ['a', 'b', 'c'], documents: ['x', 'y', 'z'] })).toBe('Record set length 3 exceeds max batch size 2');
  });

  it('get: include first, then the optional filters (only when given)', () => {
    const base = { include: ['documents'], ids: undefined, where: undefined, whereDocument: undefined };
    expect(problem(base, GET_CHECKS)).toBeNull();
    expect(problem({ ...base, include: ['distances'], ids: [] }, GET_CHECKS)).toBe('distances is not allowed for this operation');
    expect(problem({ ...base, ids: [], where: {} }, GET_CHECKS)).toBe("Expected 'ids' to be a non-empty list");
    expect(problem({ ...base, where: {}, whereDocument: {} }, GET_CHECKS)).toBe("Expected 'where' to have exactly one operator, but got 0");
    expect(problem({ ...base, whereDocument: { $nope: 'x' } }, GET_CHECKS)).toMatch(/^Expected 'whereDocument' operator to be one of/);
    expect(problem({ ...base, where: 0, whereDocument: '' }, GET_CHECKS)).toBeNull(); // falsy: not checked
  });

  it('query: inputs, include, filters, then nResults', () => {
    const base = { queryEmbeddings: [[1, 2]], include: ['distances'], nResults: 10 };
    expect(problem(base, QUERY_CHECKS)).toBeNull();
    expect(problem({ ...base, queryEmbeddings: undefined }, QUERY_CHECKS)).toBe("At least one of 'queryEmbeddings' and 'queryTexts' must be provided");
    expect(problem({ ...base, queryEmbeddings: undefined, queryTexts: [] }, QUERY_CHECKS)).toBe("Expected 'queryTexts' to be a non-empty list");
    expect(problem({ ...base, include: ['ids'], nResults: -1 }, QUERY_CHECKS)).toMatch(/^Expected 'include' items to be one of/);
    expect(problem({ ...base, where: { a: { $gt: 'x' } }, nResults: -1 }, QUERY_CHECKS)).toBe('Expected operand value to be a number for $gt, but got string');
    expect(problem({ ...base, nResults: -1 }, QUERY_CHECKS)).toBe('Number of requested results has to positive');
    expect(problem({ ...base, nResults: 0 }, QUERY_CHECKS)).toBeNull(); // falsy: not checked
  });

  it('delete and modify', () => {
    expect(problem({}, DELETE_CHECKS)).toBeNull();
    expect(problem({ ids: ['a', 1] }, DELETE_CHECKS)).toBe('Found non-string IDs at 1');
    expect(problem(undefined, MODIFY_METADATA_CHECKS)).toBeNull();
    expect(problem({}, MODIFY_METADATA_CHECKS)).toBe('Expected metadata to be non-empty');
  });
});
