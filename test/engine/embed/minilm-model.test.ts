import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MiniLmModel } from '../../../src-main/engine/embed/minilm-model.js';
import { caught } from '../../helpers/caught.js';
import { expectedTinyEmbedding, TINY_IDS as T, writeTinyModelFolder } from '../../helpers/tiny-bert-model.js';

/**
 * Chroma's pooling (attention-weighted mean of the last hidden state, L2-normalised) through
 * onnxruntime-node, checked against vectors computed from the tiny model's tables directly: a
 * pooling that counted padding, a mask not passed, or token types not zero would all differ.
 */
const root = mkdtempSync(join(tmpdir(), 'minilm-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = (...t: string[]) => ['[CLS]', ...t, '[SEP]'].map((x) => T[x]!);

describe('MiniLmModel (Chroma default embedding function) on a model built by the test', () => {
  const dir = writeTinyModelFolder(join(root, 'with-types'));

  it.each([
    ['Hello, world!', tokens('hello', ',', 'world', '!')],
    ['the cat sat on the mat', tokens('the', 'cat', 'sat', 'on', 'the', 'mat')],
    ['UNAFFABLE cats', tokens('un', '##aff', '##able', 'cat', '##s')],
    ['', tokens()],
  ])('%j pools and normalises as Chroma does', async (text, ids) => {
    const model = await MiniLmModel.load(dir);
    const out = await model.embed(text);
    expect(out.tokens).toBe(ids.length);
    expect(Array.from(out.vector)).toEqual(expectedTinyEmbedding(ids));
    const norm = Math.hypot(...out.vector);
    expect(norm).toBeCloseTo(1, 6);
  });

  it('pools over the 256 tokens kept when a text is cut', async () => {
    const model = await MiniLmModel.load(dir);
    const out = await model.embed(new Array(400).fill('mat').join(' '));
    expect(out.truncated).toBe(true);
    expect(Array.from(out.vector)).toEqual(expectedTinyEmbedding(tokens(...new Array(254).fill('mat'))));
  });

  it('runs a model that takes no token_type_ids', async () => {
    const two = writeTinyModelFolder(join(root, 'two-inputs'), { withTokenTypes: false });
    const out = await (await MiniLmModel.load(two)).embed('hello world');
    expect(Array.from(out.vector)).toEqual(expectedTinyEmbedding(tokens('hello', 'world'), { withTokenTypes: false }));
  });

  it('says which files a model folder lacks, and which file onnxruntime cannot read', async () => {
    const bare = join(root, 'bare');
    writeTinyModelFolder(bare);
    rmSync(join(bare, 'model.onnx'));
    const missing = await caught(MiniLmModel.load(bare));
    expect(missing.code).toBe('EMBEDDING_UNAVAILABLE');
    expect(missing.message).toBe(`${bare}: the model folder lacks model.onnx`);
    writeFileSync(join(bare, 'model.onnx'), 'not a protobuf at all');
    const broken = await caught(MiniLmModel.load(bare));
    expect(broken.code).toBe('EMBEDDING_UNAVAILABLE');
    expect(broken.message).toContain(`${join(bare, 'model.onnx')}: onnxruntime cannot load it`);
  });
});
