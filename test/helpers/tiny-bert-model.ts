import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

/**
 * A stand-in for Chroma's all-MiniLM-L6-v2 folder, small enough to build in a test: a BERT
 * tokenizer.json of the same shape (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] $A [SEP])
 * over a tiny vocabulary, and a model.onnx with the same inputs and output whose "last hidden
 * state" is a plain lookup: row t = table[input_ids[t]] + types[token_type_ids[t]] + mask[t]·bias.
 * Because every row is known, a test can compute the pooled, normalised vector independently.
 */
export const TINY_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  'hello', 'world', '!', ',', '.', 'un', '##aff', '##able', 'cafe', '中', '文', 'the', 'cat', 'sat', 'on', 'mat', '##s', 'a',
];
export const TINY_IDS = Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i])) as Record<string, number>;
export const TINY_WIDTH = 6;

/** Deterministic, distinct rows (no two tokens alike), exactly representable as float32. */
export const tinyTable = (): number[][] => TINY_VOCAB.map((_, i) => Array.from({ length: TINY_WIDTH }, (_, j) => Math.fround(Math.sin(i * 7.1 + j * 1.3) * 2 + (i % 3) * 0.25)));
export const tinyTypes = (): number[][] => [Array.from({ length: TINY_WIDTH }, (_, j) => Math.fround(0.01 * (j + 1))), Array.from({ length: TINY_WIDTH }, () => 5)];
export const tinyBias = (): number[] => Array.from({ length: TINY_WIDTH }, (_, j) => Math.fround(j % 2 === 0 ? 0.5 : -0.75));

export function tinyTokenizerJson(): object {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  return {
    version: '1.0',
    // Chroma overrides both (truncation 256, padding to 256): the file's own say 128, as MiniLM's does.
    truncation: { direction: 'Right', max_length: 128, strategy: 'LongestFirst', stride: 0 },
    padding: { strategy: { Fixed: 128 }, direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    added_tokens: special.map((content) => ({ id: TINY_IDS[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [TINY_IDS['[CLS]']], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [TINY_IDS['[SEP]']], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: TINY_IDS },
  };
}

function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

function intInput(name: string): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }] } } } };
}

/** The model's bytes (opset 13). `inputs` leaves token_type_ids out for a model that takes only two. */
export function tinyModelOnnx(options: { withTokenTypes?: boolean } = {}): Uint8Array {
  const withTypes = options.withTokenTypes ?? true;
  const nodes: onnx.INodeProto[] = [
    { opType: 'Gather', input: ['table', 'input_ids'], output: ['words'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    { opType: 'Cast', input: ['attention_mask'], output: ['mask_f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }] },
    { opType: 'Unsqueeze', input: ['mask_f', 'last_axis'], output: ['mask3'] },
    { opType: 'Mul', input: ['mask3', 'bias'], output: ['masked_bias'] },
  ];
  if (withTypes) {
    nodes.push(
      { opType: 'Gather', input: ['types', 'token_type_ids'], output: ['type_rows'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      { opType: 'Add', input: ['words', 'type_rows'], output: ['with_types'] },
      { opType: 'Add', input: ['with_types', 'masked_bias'], output: ['last_hidden_state'] },
    );
  } else {
    nodes.push({ opType: 'Add', input: ['words', 'masked_bias'], output: ['last_hidden_state'] });
  }
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'chroma-inspector-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-bert',
      node: nodes,
      initializer: [
        floatTensor('table', [TINY_VOCAB.length, TINY_WIDTH], tinyTable().flat()),
        floatTensor('types', [2, TINY_WIDTH], tinyTypes().flat()),
        floatTensor('bias', [TINY_WIDTH], tinyBias()),
        { name: 'last_axis', dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [2] },
      ],
      input: [intInput('input_ids'), intInput('attention_mask'), ...(withTypes ? [intInput('token_type_ids')] : [])],
      output: [{ name: 'last_hidden_state', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }, { dimValue: TINY_WIDTH }] } } } }],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Writes a model folder laid out as Chroma's unpacked onnx.tar.gz (model.onnx, tokenizer.json, …). */
export function writeTinyModelFolder(dir: string, options: { withTokenTypes?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), tinyModelOnnx(options));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }));
  writeFileSync(join(dir, 'vocab.txt'), `${TINY_VOCAB.join('\n')}\n`);
  return dir;
}

/**
 * What Chroma's ONNXMiniLM_L6_V2 gives for token ids (the text already tokenised, [CLS] and
 * [SEP] included), computed from the tables directly: float32 rows as the model adds them, the
 * mean over the kept tokens and the norm in float64, the result rounded to float32.
 */
export function expectedTinyEmbedding(ids: number[], options: { withTokenTypes?: boolean } = {}): number[] {
  const table = tinyTable();
  const types = tinyTypes();
  const bias = tinyBias();
  const withTypes = options.withTokenTypes ?? true;
  const mean = new Array<number>(TINY_WIDTH).fill(0);
  for (const id of ids) {
    for (let j = 0; j < TINY_WIDTH; j++) {
      const row = withTypes ? Math.fround(Math.fround(table[id]![j]! + types[0]![j]!) + bias[j]!) : Math.fround(table[id]![j]! + bias[j]!);
      mean[j]! += row;
    }
  }
  const avg = mean.map((v) => v / ids.length);
  const norm = Math.sqrt(avg.reduce((s, v) => s + v * v, 0));
  return avg.map((v) => Math.fround(v / norm));
}
