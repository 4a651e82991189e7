import { describe, expect, it } from 'vitest';
import { CLIENT_ARGUMENTS, ENGINE_ARGUMENTS } from '../../../src-main/engine/validation/argument-schema.js';
import { isSparseVector } from '../../../src-main/engine/validation/record-rules.js';
import { findViolation, type ChecksRef } from '../../../src-main/engine/validation/rule-engine.js';

const problem = <T>(value: T, checks: ChecksRef<T>) => findViolation(value, checks)?.message ?? null;
const both = [
  ['client', CLIENT_ARGUMENTS],
  ['engine', ENGINE_ARGUMENTS],
] as const;

describe('ids', () => {
  it.each(both)('accepts unique string lists and rejects the rest (%s)', (_, args) => {
    expect(problem(['a', 'b'], args.ids)).toBeNull();
    expect(problem('a', args.ids)).toBe("Expected 'ids' to be an array, but got string");
    expect(problem(undefined, args.ids)).toBe("Expected 'ids' to be an array, but got undefined");
    expect(problem([], args.ids)).toBe("Expected 'ids' to be a non-empty list");
    expect(problem(['a', 1, null], args.ids)).toBe('Found non-string IDs at 1, 2');
    expect(problem(['a', 'b', 'a'], args.ids)).toBe('Expected IDs to be unique, but found duplicates of a');
    const many = Array.from({ length: 14 }, (_, i) => `id${i % 4}`);
    expect(problem(many, args.ids)).toBe('Expected IDs to be unique, but found duplicates of id0, id1, id2, id3, id0, ..., id1, id2, id3, id0, id1');
  });

  it('lets repeated empty ids through in the client only', () => {
    expect(problem(['', ''], CLIENT_ARGUMENTS.ids)).toBeNull();
    expect(problem(['', ''], ENGINE_ARGUMENTS.ids)).toBe('Expected IDs to be unique, but found duplicates of ');
  });
});

describe('embeddings', () => {
  const arg = (embeddings: unknown) => ({ field: 'queryEmbeddings', embeddings });

  it.each(both)('accepts non-empty lists of vectors (%s)', (_, args) => {
    expect(problem(arg([[1, 2]]), args.embeddings)).toBeNull();
    expect(problem(arg('x'), args.embeddings)).toBe("Expected 'queryEmbeddings' to be an array, but got string");
    expect(problem(arg([]), args.embeddings)).toBe('Expected embeddings to be an array with at least one item');
    expect(problem(arg([[1], []]), args.embeddings)).toBe('Expected each embedding to be a non-empty array of numbers, but got an empty array at index 1');
  });

  it('checks vector contents in the engine only', () => {
    expect(problem(arg([[1], ['a']]), ENGINE_ARGUMENTS.embeddings)).toBe('Expected each embedding to be an array of numbers (index 1)');
    expect(problem(arg([[NaN]]), ENGINE_ARGUMENTS.embeddings)).toBe('Expected each embedding to be an array of numbers (index 0)');
    expect(problem(arg([[1], ['a']]), CLIENT_ARGUMENTS.embeddings)).toBeNull();
    // The client reads `.length` of each vector, as chromadb does
    expect(() => problem(arg([null]), CLIENT_ARGUMENTS.embeddings)).toThrow(TypeError);
  });
});

describe('documents', () => {
  const arg = (documents: unknown) => ({ field: 'queryTexts', documents });
  it('accepts non-empty lists without falsy non-strings', () => {
    const rules = CLIENT_ARGUMENTS.documents;
    expect(problem(arg(['a', '']), rules)).toBeNull();
    expect(problem(arg(['a', 5]), rules)).toBeNull(); // only falsy non-strings are caught
    expect(problem(arg(5), rules)).toBe("Expected 'queryTexts' to be an array, but got number");
    expect(problem(arg([]), rules)).toBe("Expected 'queryTexts' to be a non-empty list");
    expect(problem(arg(['a', null]), rules)).toBe('Expected each document to be a string, but got object');
    expect(problem(arg(['a', 0]), rules)).toBe('Expected each document to be a string, but got number');
  });
});

describe('metadata', () => {
  const rules = CLIENT_ARGUMENTS.metadata;
  it('accepts scalars, null, sparse vectors and uniform lists', () => {
    expect(problem(undefined, rules)).toBeNull();
    expect(problem({ a: 'x', b: 1, c: true, d: null, e: { indices: [1], values: [0.5] }, f: [1, 2], g: ['a'] }, rules)).toBeNull();
  });

  it('rejects empty maps, empty or mixed lists and other values', () => {
    expect(problem({}, rules)).toBe('Expected metadata to be non-empty');
    expect(problem({ tags: [] }, rules)).toBe("Expected metadata list value for key 'tags' to be non-empty");
    expect(problem({ tags: [1, { x: 1 }] }, rules)).toBe("Expected metadata list value for key 'tags' to contain only strings, numbers, or booleans, got object");
    expect(problem({ tags: [1, 'a'] }, rules)).toBe("Expected metadata list value for key 'tags' to contain only the same type, got mixed types");
    expect(problem({ a: 1, nested: { x: 1 } }, rules)).toBe(
      "Expected metadata value for key 'nested' to be a string, number, boolean, SparseVector, typed array (string[], number[], boolean[]), or null",
    );
  });

  it('checks each map of a metadatas list', () => {
    expect(problem([{ a: 1 }, null], CLIENT_ARGUMENTS.metadatas)).toBeNull();
    expect(problem({ a: 1 }, CLIENT_ARGUMENTS.metadatas)).toBe('Expected metadatas to be an array, but got object');
    expect(problem([{ a: 1 }, {}], CLIENT_ARGUMENTS.metadatas)).toBe('Expected metadata to be non-empty');
  });

  it('recognises sparse vectors', () => {
    expect(isSparseVector({ indices: [1, 2], values: [0.1, 0.2] })).toBe(true);
    expect(isSparseVector({ indices: ['1'], values: [0.1] })).toBe(false);
    expect(isSparseVector([1, 2])).toBe(false);
    expect(isSparseVector(null)).toBe(false);
  });
});

describe('record sets', () => {
  it('needs non-empty fields of equal length', () => {
    const rules = CLIENT_ARGUMENTS.recordSetLengths;
    expect(problem({ ids: ['a'], embeddings: [[1]], documents: undefined }, rules)).toBeNull();
    expect(problem({ ids: undefined }, rules)).toBe('At least one of ids, embeddings, metadatas, documents, uris, ids must be provided');
    expect(problem({ ids: [], documents: [] }, rules)).toBe('Non-empty lists are required for ids, documents');
    expect(problem({ ids: ['a'], embeddings: [[1], [2]], documents: ['x'] }, rules)).toBe('Unequal lengths for fields ids, embeddings, documents');
  });

  it('needs embeddings or documents (unless updating), then checks each', () => {
    const rules = CLIENT_ARGUMENTS.recordContent;
    const base = { update: false, embeddingsField: 'embeddings', documentsField: 'documents' };
    expect(problem(base, rules)).toBe("At least one of 'embeddings' and 'documents' must be provided");
    expect(problem({ ...base, update: true }, rules)).toBeNull();
    expect(problem({ ...base, documents: ['a'], metadatas: [{}] }, rules)).toBe('Expected metadata to be non-empty');
    expect(problem({ ...base, embeddings: [[]] }, rules)).toBe(
      'Expected each embedding to be a non-empty array of numbers, but got an empty array at index 0',
    );
    expect(problem({ ...base, embeddings: [[1]], documents: [null] }, rules)).toBe('Expected each document to be a string, but got object');
  });

  it('caps the batch size', () => {
    expect(problem({ length: 3, max: 3 }, CLIENT_ARGUMENTS.batchSize)).toBeNull();
    expect(problem({ length: 4, max: 3 }, CLIENT_ARGUMENTS.batchSize)).toBe('Record set length 4 exceeds max batch size 3');
  });
});
