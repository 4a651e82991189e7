import { describe, expect, it } from 'vitest';
import { CLIENT_ARGUMENTS, ENGINE_ARGUMENTS } from '../../../src-main/engine/validation/argument-schema.js';
import { findViolation, type ChecksRef } from '../../../src-main/engine/validation/rule-engine.js';

const problem = <T>(value: T, checks: ChecksRef<T>) => findViolation(value, checks)?.message ?? null;

describe('include', () => {
  const rules = ENGINE_ARGUMENTS.include;
  it('accepts known fields that the operation allows', () => {
    expect(problem({ include: ['documents', 'distances'], exclude: [] }, rules)).toBeNull();
    expect(problem({ include: [], exclude: ['distances'] }, rules)).toBeNull();
  });

  it('rejects non-lists, non-strings, unknown and excluded fields', () => {
    expect(problem({ include: 'documents', exclude: [] }, rules)).toBe("Expected 'include' to be a non-empty array");
    expect(problem({ include: ['documents', 3], exclude: [] }, rules)).toBe("Expected 'include' items to be strings");
    expect(problem({ include: ['ids'], exclude: [] }, rules)).toBe(
      "Expected 'include' items to be one of distances, documents, embeddings, metadatas, uris, but got ids",
    );
    expect(problem({ include: ['documents', 'distances'], exclude: ['distances'] }, rules)).toBe('distances is not allowed for this operation');
    // item by item: the first bad item decides
    expect(problem({ include: ['distances', 3], exclude: ['distances'] }, rules)).toBe('distances is not allowed for this operation');
  });

  it('is the same in both dialects', () => {
    expect(CLIENT_ARGUMENTS.include).toBe(ENGINE_ARGUMENTS.include);
  });
});

describe('nResults', () => {
  it('needs a positive number', () => {
    for (const rules of [CLIENT_ARGUMENTS.nResults, ENGINE_ARGUMENTS.nResults]) {
      expect(problem(5, rules)).toBeNull();
      expect(problem('5', rules)).toBe("Expected 'nResults' to be a number, but got string");
      expect(problem(0, rules)).toBe('Number of requested results has to positive');
      expect(problem(-2, rules)).toBe('Number of requested results has to positive');
    }
  });

  it('leaves integers and the u32 range to the request check (validate-args), as Chroma does', () => {
    expect(problem(2.5, CLIENT_ARGUMENTS.nResults)).toBeNull();
    expect(problem(2.5, ENGINE_ARGUMENTS.nResults)).toBeNull();
    expect(problem(NaN, ENGINE_ARGUMENTS.nResults)).toBeNull();
  });
});
