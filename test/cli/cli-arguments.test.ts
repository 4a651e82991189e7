import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortestFloat32 } from '../../src-main/engine/util/float32-text.js';
import { referenceFixture } from '../helpers/paths.js';
import { capturedCli } from '../helpers/run-cli-captured.js';

/**
 * `--args` is the chromadb client's argument object: what the client ignores the CLI ignores,
 * what it refuses the CLI refuses, and numbers print as Chroma prints them (answers recorded in
 * test/fixtures/reference/edge-cases-1.3.4.json; these run on the 1.3.4 fixture folder).
 */

const data = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const vector = [0.1767, -0.8504, 0.7512, -0.4015, 0.943, -0.8881, 0.6465, -0.0472, -0.1889, 0.8685, 0.2891, 0.2714, -0.7156, -0.5307, -0.498, -0.381];

const run = capturedCli();

async function cli(command: 'get' | 'query', args: unknown) {
  const r = await run([command, data, '--collection', 'articles', '--args', JSON.stringify(args)]);
  return { ...r, json: r.out ? (JSON.parse(r.out) as Record<string, unknown[]>) : null };
}

describe('CLI --args as the chromadb client takes them', () => {
  it('query ignores limit and offset; get ignores nResults', async () => {
    const plain = await cli('query', { queryEmbeddings: [vector], nResults: 2, include: [] });
    const withExtras = await cli('query', { queryEmbeddings: [vector], nResults: 2, include: [], limit: 5, offset: 1 });
    expect(withExtras.code).toBe(0);
    expect(withExtras.json).toEqual(plain.json);
    const get = await cli('get', { limit: 3, include: [], nResults: 1 });
    expect(get.code).toBe(0);
    expect(get.json!.ids).toHaveLength(3);
  });

  it('refuses a lone string for ids, as the client does; ids null means all', async () => {
    const r = await cli('get', { ids: 'a', include: [] });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("Expected 'ids' to be an array, but got string");
    const all = await cli('get', { ids: null, include: [], limit: 4 });
    expect(all.json!.ids).toHaveLength(4);
  });

  it('refuses a flat queryEmbeddings', async () => {
    const r = await cli('query', { queryEmbeddings: vector, nResults: 1 });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("Expected 'queryEmbeddings' to be a list of vectors");
  });

  it('nResults 0 answers one empty list per vector; limits beyond u32 fail as in Chroma', async () => {
    const zero = await cli('query', { queryEmbeddings: [vector, vector], nResults: 0 });
    expect(zero.json!.ids).toEqual([[], []]);
    const big = await cli('get', { limit: 2 ** 32 });
    expect(big.err).toContain('Failed to deserialize the JSON body into the target type: limit: invalid value: integer `4294967296`, expected u32 at line 1 column 19');
  });

  it('prints distances and embeddings as float32 in shortest form, include duplicates echoed', async () => {
    const r = await cli('query', { queryEmbeddings: [vector], nResults: 3, include: ['distances', 'embeddings', 'distances'] });
    expect(r.json!.include).toEqual(['distances', 'embeddings', 'distances']);
    const numbers = [...(r.json!.distances as number[][]).flat(), ...(r.json!.embeddings as number[][][]).flat(2)];
    expect(numbers.length).toBeGreaterThan(3);
    for (const x of numbers) expect(String(x)).toBe(String(shortestFloat32(x)));
    expect(r.out).not.toMatch(/\d{10,}/); // no widened float32 such as -0.8230999708175659
  });
});
