import { describe, expect, it } from 'vitest';
import { CollectionComparer, settingChanges } from '../../src-main/engine/diff/compare-records.js';
import type { DiffRecord, DiffSettings } from '../../src-main/engine/diff/diff-source.js';
import type { TypedMetadata } from '../../src-main/engine/util/typed-value.js';

const ref = { name: 'c', tenant: 't', database: 'd' };
const rec = (id: string, embedding: number[], metadata: TypedMetadata | null = null): DiffRecord => ({ id, document: null, uri: null, metadata, embedding: Float32Array.from(embedding) });
/** The next float32 above x. */
const nextUp = (x: number) => {
  const f = new Float32Array([x]);
  new Int32Array(f.buffer)[0]! += 1;
  return f[0]!;
};

function embeddingsChanged(cosine: boolean, a: number[], b: number[]): number {
  const c = new CollectionComparer(ref, [], ['x'], ['x'], 10, cosine);
  c.compare(['x'], new Map([['x', rec('x', a)]]), new Map([['x', rec('x', b)]]));
  return c.finish().counts.embeddings;
}

describe('the diff comparison', () => {
  it('a float32 ulp is a change, except in cosine space where Chroma itself rounds the vector it stores', () => {
    const v = [0.9136999249458313, -0.7321000099182129, 0.875];
    const ulp = [nextUp(v[0]!), v[1]!, v[2]!];
    expect(embeddingsChanged(false, v, ulp)).toBe(1);
    expect(embeddingsChanged(true, v, ulp)).toBe(0);
    expect(embeddingsChanged(true, v, [v[0]! + 1e-4, v[1]!, v[2]!])).toBe(1);
    expect(embeddingsChanged(true, v, v)).toBe(0);
  });

  it('an int and a float of the same value differ; settings compare JSON whatever its key order', () => {
    const c = new CollectionComparer(ref, [], ['x'], ['x'], 10);
    c.compare(['x'], new Map([['x', rec('x', [1], new Map([['n', { kind: 'int', value: 2n }]]))]]), new Map([['x', rec('x', [1], new Map([['n', { kind: 'float', value: 2 }]]))]]));
    expect(c.finish().metadata).toEqual([{ id: 'x', keys: ['n'] }]);
    const s: DiffSettings = { dimension: 3, space: 'l2', maxNeighbors: 16, efConstruction: 100, efSearch: 100, embeddingFunction: { name: 'default', type: 'known', config: {} }, metadata: null };
    expect(settingChanges(s, { ...s, embeddingFunction: { type: 'known', config: {}, name: 'default' } })).toEqual([]);
    expect(settingChanges(s, { ...s, space: 'cosine' })).toEqual([{ setting: 'space', a: '"l2"', b: '"cosine"' }]);
  });
});
