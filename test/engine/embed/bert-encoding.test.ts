import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BertEncoder, CHROMA_MAX_TOKENS } from '../../../src-main/engine/embed/bert-encoding.js';
import { InspectorError } from '../../../shared/errors.js';
import { TINY_IDS as T, writeTinyModelFolder } from '../../helpers/tiny-bert-model.js';

/**
 * Tokenisation as Chroma's ONNXMiniLM_L6_V2 does it (Hugging Face tokenizers with truncation and
 * padding to 256), over a BERT tokenizer.json of MiniLM's shape. The expected ids follow BERT's
 * rules worked by hand: lowercase, accents stripped, control characters dropped, punctuation and
 * each CJK character split off, WordPiece's longest-prefix subwords, [UNK] for the rest.
 */
const root = mkdtempSync(join(tmpdir(), 'bert-encoding-'));
const dir = writeTinyModelFolder(join(root, 'onnx'));
const encoder = await BertEncoder.fromFolder(dir);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ids = (text: string) => {
  const e = encoder.encode(text);
  return Array.from(e.inputIds.slice(0, e.tokens), Number);
};

describe('BERT encoding as Chroma runs it', () => {
  it.each([
    ['Hello, World!', ['[CLS]', 'hello', ',', 'world', '!', '[SEP]']],
    ['unaffable', ['[CLS]', 'un', '##aff', '##able', '[SEP]']],
    ['Café 中文 cats', ['[CLS]', 'cafe', '中', '文', 'cat', '##s', '[SEP]']],
    ['HELLO\tworld\u0000 zzz', ['[CLS]', 'hello', 'world', '[UNK]', '[SEP]']],
    ['the cat.sat', ['[CLS]', 'the', 'cat', '.', 'sat', '[SEP]']],
    ['', ['[CLS]', '[SEP]']],
    [`${'a'.repeat(101)} cat`, ['[CLS]', '[UNK]', 'cat', '[SEP]']],
  ])('%j', (text, tokens) => {
    expect(ids(text)).toEqual(tokens.map((t) => T[t]));
  });

  it('pads to 256 with [PAD] (id 0), attention 0 and token type 0 after the text', () => {
    const e = encoder.encode('hello world');
    expect(e.inputIds.length).toBe(CHROMA_MAX_TOKENS);
    expect(e.tokens).toBe(4);
    expect(Array.from(e.attentionMask, Number)).toEqual([1, 1, 1, 1, ...new Array(252).fill(0)]);
    expect(Array.from(e.inputIds.slice(4), Number).every((v) => v === 0)).toBe(true);
    expect(Array.from(e.tokenTypeIds, Number).every((v) => v === 0)).toBe(true);
    expect(e.truncated).toBe(false);
  });

  it('cuts a long text to 254 tokens between [CLS] and [SEP], as truncation to 256 does', () => {
    const words = ['the', 'cat', 'sat', 'on', 'the', 'mat'];
    const text = Array.from({ length: 300 }, (_, i) => words[i % words.length]).join(' ');
    const e = encoder.encode(text);
    expect(e.truncated).toBe(true);
    expect(e.tokens).toBe(256);
    const got = Array.from(e.inputIds, Number);
    expect(got[0]).toBe(T['[CLS]']);
    expect(got[255]).toBe(T['[SEP]']);
    expect(got.slice(1, 255)).toEqual(Array.from({ length: 254 }, (_, i) => T[words[i % words.length]!]));
    expect(Array.from(e.attentionMask, Number).every((v) => v === 1)).toBe(true);
  });

  it('keeps a text of exactly 254 tokens whole', () => {
    const e = encoder.encode(new Array(254).fill('cat').join(' '));
    expect(e.truncated).toBe(false);
    expect(e.tokens).toBe(256);
  });

  it('names the file when the tokenizer is missing or not JSON', async () => {
    const empty = join(root, 'empty');
    writeTinyModelFolder(empty);
    rmSync(join(empty, 'tokenizer.json'));
    await expect(BertEncoder.fromFolder(empty)).rejects.toThrow(/empty\/tokenizer\.json: cannot read the tokenizer \(ENOENT\)/);
    writeFileSync(join(empty, 'tokenizer.json'), '{ not json');
    const err = await BertEncoder.fromFolder(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('EMBEDDING_UNAVAILABLE');
    expect((err as InspectorError).message).toMatch(/tokenizer\.json: not valid JSON/);
  });
});
