import { describe, expect, it } from 'vitest';
import { compareHits, recordDifferences } from '../../src-main/source/copy/verify-copy.js';
import { addBody, encodeRecord, parseLossless, typedMetadataOf } from '../../src-main/source/server/server-records-json.js';
import type { CopyRecord } from '../../src-main/source/copy/copy-types.js';
import type { TypedMetadata, TypedValue } from '../../src-main/engine/util/typed-value.js';

// The parts of a copy that need no server: the lossless wire format and the verification rules.

const md = (entries: [string, TypedValue][]): TypedMetadata => new Map(entries);
const record = (id: string, metadata: TypedMetadata | null, embedding = [0.5, 0.25]): CopyRecord => ({ id, document: 'doc', uri: null, metadata, embedding: Float32Array.from(embedding) });

describe('the wire format keeps metadata types', () => {
  it('parses 2.0 as a float, 2 as an int and ints past 2^53 exactly', () => {
    const answer = parseLossless('{"m":{"f":2.0,"i":2,"big":9007199254740993,"e":1e-7,"b":true,"s":"x","l":[1.0,2.5]}}') as { m: unknown };
    const typed = typedMetadataOf(answer.m, 'record')!;
    expect(typed.get('f')).toEqual({ kind: 'float', value: 2 });
    expect(typed.get('i')).toEqual({ kind: 'int', value: 2n });
    expect(typed.get('big')).toEqual({ kind: 'int', value: 9007199254740993n });
    expect(typed.get('e')).toEqual({ kind: 'float', value: 1e-7 });
    expect(typed.get('b')).toEqual({ kind: 'bool', value: true });
    expect(typed.get('l')).toEqual({ kind: 'array', elementKind: 'float', items: [{ kind: 'float', value: 1 }, { kind: 'float', value: 2.5 }] });
  });

  it('refuses object values (sparse vectors) with a message naming the record', () => {
    expect(() => typedMetadataOf(parseLossless('{"sv":{"indices":[1],"values":[0.5]}}'), 'record "a"')).toThrow(/record "a": metadata .*only strings, numbers, booleans and lists/);
  });

  it('writes floats with a decimal point and embeddings as little-endian float32 base64', () => {
    const body = addBody([encodeRecord(record('a', md([['f', { kind: 'float', value: 2 }], ['i', { kind: 'int', value: 2n }]]), [1, -2]), true)]);
    expect(body).toContain('"metadatas":[{"f":2.0,"i":2}]');
    const b64 = (JSON.parse(body) as { embeddings: string[] }).embeddings[0]!;
    const bytes = Buffer.from(b64, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([1, -2]);
    expect(addBody([encodeRecord(record('a', null, [0.1]), false)])).toContain('"embeddings":[[0.1]]');
  });
});

describe('verification', () => {
  it('tells a float 2.0 that came back an int 2, a lost key and a changed vector', () => {
    const source = [record('a', md([['f', { kind: 'float', value: 2 }], ['k', { kind: 'string', value: 'x' }]]))];
    const target = [record('a', md([['f', { kind: 'int', value: 2n }]]), [0.5, 0.2500001])];
    expect(recordDifferences(source, target, 'l2')).toEqual([
      'record "a": metadata key "f" is float 2 in the source, int 2 in the target',
      'record "a": metadata key "k" (string "x") is missing',
      expect.stringMatching(/^record "a": embedding differs at \[1\]/),
    ]);
    expect(recordDifferences(source, [], 'l2')).toEqual(['record "a" is missing in the target']);
  });

  it('allows a float32 ulp in cosine space only', () => {
    const a = Math.fround(0.8113000392913818);
    const b = Math.fround(0.8113000988960266);
    expect(recordDifferences([record('a', null, [a, 0.5])], [record('a', null, [b, 0.5])], 'cosine')).toEqual([]);
    expect(recordDifferences([record('a', null, [a, 0.5])], [record('a', null, [b, 0.5])], 'l2')).toHaveLength(1);
  });

  it('accepts one missed neighbour in ten and tied swaps, not a changed distance or two misses', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const d = ids.map((_, i) => i / 10);
    const same = compareHits('q', { ids, distances: d }, { ids, distances: d }, 10);
    expect(same).toEqual({ recall: 1, difference: null });
    const oneMissed = compareHits('q', { ids, distances: d }, { ids: [...ids.slice(0, 9), 'other'], distances: [...d.slice(0, 9), 0.95] }, 10);
    expect(oneMissed.difference).toBeNull();
    expect(oneMissed.recall).toBeCloseTo(0.9);
    const tie = compareHits('q', { ids: ['a', 'b'], distances: [0, 1] }, { ids: ['a', 'c'], distances: [0, 1] }, 10);
    expect(tie.difference).toBeNull();
    // A tied swap counts as found: recall is over what the target really missed.
    expect(tie.recall).toBe(1);
    expect(oneMissed.recall).toBe(0.9);
    const twoMissed = compareHits('q', { ids, distances: d }, { ids: [...ids.slice(0, 8), 'x', 'y'], distances: [...d.slice(0, 8), 0.95, 0.97] }, 10);
    expect(twoMissed.difference).toMatch(/misses 2 of the source's 10/);
    const moved = compareHits('q', { ids, distances: d }, { ids, distances: d.map((x, i) => (i === 3 ? x + 0.01 : x)) }, 10);
    expect(moved.difference).toMatch(/"r3" is at distance 0.3 in the source, 0.31 in the target/);
  });
});
