import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromaModelFolder } from '../../src-main/engine/embed/minilm-model.js';
import { capturedCli } from '../helpers/run-cli-captured.js';
import { hashTree } from '../helpers/hash-tree.js';
import { writeTinyModelFolder } from '../helpers/tiny-bert-model.js';
import { cosineRanking, TEXT_DOCS, TEXT_OF, tinyVector, writeTextFolder } from '../helpers/text-folder.js';

/**
 * `query --text`, `why --text` and `embed` on a folder: the text is embedded with the tiny
 * stand-in for Chroma's default model (found where Chroma keeps it, under $HOME), and the answer
 * is compared with a float64 cosine ranking over vectors computed from the model's tables.
 */
const cli = capturedCli();
const work = mkdtempSync(join(tmpdir(), 'cli-text-'));
const folder = join(work, 'folder');
const home = join(work, 'home');
const savedHome = process.env.HOME;
let before: Record<string, string> = {};

beforeAll(async () => {
  await writeTextFolder(folder);
  writeTinyModelFolder(chromaModelFolder(home));
  process.env.HOME = home;
  before = hashTree(folder);
});
afterAll(() => {
  process.env.HOME = savedHome;
  rmSync(work, { recursive: true, force: true });
});

describe('query by text from the CLI', () => {
  it('query --text answers as a float64 cosine ranking of the documents does', async () => {
    const r = await cli(['query', folder, '--collection', 'docs', '--text', TEXT_OF.cat!, '--args', '{"nResults":4,"include":["distances","documents"]}']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out) as { ids: string[][]; distances: number[][]; documents: string[][] };
    const expected = cosineRanking(tinyVector(TEXT_DOCS.cat!)).slice(0, 4);
    expect(answer.ids[0]).toEqual(expected.map((e) => e.id));
    answer.distances[0]!.forEach((d, i) => expect(d).toBeCloseTo(expected[i]!.distance, 5));
    expect(answer.documents[0]![0]).toBe(TEXT_OF.cat);
  });

  it('queryTexts in --args are embedded the same way, one answer per text', async () => {
    const r = await cli(['query', folder, '--collection', 'docs', '--args', JSON.stringify({ queryTexts: [TEXT_OF.hello, TEXT_OF.cafe], nResults: 1 })]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { ids: string[][] }).ids).toEqual([['hello'], ['cafe']]);
  });

  it('why --text gives the record\'s exact rank', async () => {
    const ranking = cosineRanking(tinyVector(TEXT_DOCS.cat!));
    const third = ranking[2]!;
    const r = await cli(['why', folder, '--collection', 'docs', '--text', TEXT_OF.cat!, '--args', '{"nResults":1}', '--id', third.id, '--json']);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out) as { cause: string; exactRank: number; distance: number };
    expect(answer.cause).toBe('ranked-below-k');
    expect(answer.exactRank).toBe(3);
    expect(answer.distance).toBeCloseTo(third.distance, 5);
  });

  it('embed shows how text is embedded, and prints the vector of --text', async () => {
    const info = await cli(['embed', folder, '--collection', 'docs']);
    expect(info.code).toBe(0);
    expect(info.out).toContain('recorded function  default');
    expect(info.out).toContain(`from               ${chromaModelFolder(home)}`);
    const vec = await cli(['embed', folder, '--collection', 'docs', '--text', TEXT_OF.unaffable!]);
    expect(JSON.parse(vec.out)).toMatchObject({ vector: tinyVector(TEXT_DOCS.unaffable!), runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', tokens: 5, truncated: false });
  });

  it('a collection with no recorded function says so, and --embedding-function default runs the default model', async () => {
    const refused = await cli(['query', folder, '--collection', 'unnamed', '--text', 'cats']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/EMBEDDING_UNAVAILABLE.*Chroma recorded no embedding function for this collection/);
    const info = await cli(['embed', folder, '--collection', 'unnamed']);
    expect(info.code).toBe(1);
    const ok = await cli(['query', folder, '--collection', 'unnamed', '--text', 'cats', '--embedding-function', 'default', '--args', '{"nResults":1}']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { ids: string[][] }).ids).toEqual([['cats']]);
  });

  it('a model folder elsewhere, and mistakes in the options, are named', async () => {
    const elsewhere = writeTinyModelFolder(join(work, 'models', 'mine'));
    process.env.HOME = join(work, 'nobody');
    try {
      const missing = await cli(['query', folder, '--collection', 'docs', '--text', 'cats']);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/Chroma's default model \(all-MiniLM-L6-v2\) is not on this machine/);
      const given = await cli(['query', folder, '--collection', 'docs', '--text', 'cats', '--model-dir', elsewhere, '--args', '{"nResults":1}']);
      expect((JSON.parse(given.out) as { ids: string[][] }).ids).toEqual([['cats']]);
    } finally {
      process.env.HOME = home;
    }
    expect((await cli(['query', folder, '--collection', 'docs', '--text', 'x', '--embedding-function', 'openai'])).err).toMatch(/--embedding-function takes "default"/);
    expect((await cli(['query', folder, '--collection', 'docs', '--text', 'x', '--api-key-env', 'NOT_SET_ANYWHERE_42'])).err).toMatch(/--api-key-env NOT_SET_ANYWHERE_42: that environment variable is not set/);
    expect((await cli(['query', folder, '--collection', 'docs', '--text', 'x', '--args', '{"queryEmbeddings":[[1,2,3,4,5,6]]}'])).err).toMatch(/--text replaces the query vector/);
  });

  it('leaves the folder as it was', () => {
    expect(hashTree(folder)).toEqual(before);
  });
});
