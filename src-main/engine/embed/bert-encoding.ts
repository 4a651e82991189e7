import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';

/**
 * Chroma's ONNXMiniLM_L6_V2 sets `enable_truncation(max_length=256)` and
 * `enable_padding(pad_id=0, pad_token="[PAD]", length=256)` on the tokenizer, whatever
 * tokenizer.json itself says (docs/query-by-text.md).
 */
export const CHROMA_MAX_TOKENS = 256;
const CHROMA_PAD_ID = 0n;

/** The model's three inputs for one text, as Chroma builds them: always 256 long. */
export interface BertInput {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Tokens that are not padding, [CLS] and [SEP] included. */
  tokens: number;
  truncated: boolean;
}

interface TokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}

/**
 * A tokenizer.json read with the Hugging Face tokenizers' JavaScript port, which implements the
 * same normalizer, pre-tokenizer, WordPiece model and post-processor as the Rust library Chroma
 * calls; truncation and padding are Chroma's, applied here (the port has neither).
 */
export class BertEncoder {
  private readonly prefix: number[];
  private readonly suffix: number[];

  private constructor(private readonly tokenizer: TokenizerLike) {
    // What the post-processor adds around a text ([CLS] … [SEP] for BERT), found by encoding a
    // probe with and without special tokens, so a tokenizer.json with another template works too.
    const bare = tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full = tokenizer.encode('a').ids;
    const at = full.findIndex((_, i) => bare.every((id, j) => full[i + j] === id));
    this.prefix = at < 0 ? [] : full.slice(0, at);
    this.suffix = at < 0 ? [] : full.slice(at + bare.length);
  }

  /**
   * Reads tokenizer.json (and tokenizer_config.json when present) from a model folder. The
   * tokenizers library is imported here, on the first text query, not when the engine loads:
   * most sessions never embed a text, and it costs every process ~1.5 MB and ~15 ms.
   */
  static async fromFolder(dir: string): Promise<BertEncoder> {
    const read = (name: string, required: boolean): unknown => {
      const file = join(dir, name);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if (!required) return {};
        throw new InspectorError('EMBEDDING_UNAVAILABLE', `${file}: cannot read the tokenizer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new InspectorError('EMBEDDING_UNAVAILABLE', `${file}: not valid JSON (${(e as Error).message})`);
      }
    };
    const json = read('tokenizer.json', true);
    const config = read('tokenizer_config.json', false);
    let Tokenizer: typeof import('@huggingface/tokenizers').Tokenizer;
    try {
      ({ Tokenizer } = await import('@huggingface/tokenizers'));
    } catch (e) {
      throw new InspectorError('EMBEDDING_UNAVAILABLE', `the tokenizers library (@huggingface/tokenizers) cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
    }
    try {
      return new BertEncoder(new Tokenizer(json as object, config as object));
    } catch (e) {
      throw new InspectorError('EMBEDDING_UNAVAILABLE', `${join(dir, 'tokenizer.json')}: not a tokenizer this inspector can read (${(e as Error).message})`);
    }
  }

  encode(text: string): BertInput {
    const body = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // Rust tokenizers truncate before the post-processor, leaving room for what it adds.
    const room = CHROMA_MAX_TOKENS - this.prefix.length - this.suffix.length;
    const truncated = body.length > room;
    const ids = [...this.prefix, ...(truncated ? body.slice(0, room) : body), ...this.suffix];
    const inputIds = new BigInt64Array(CHROMA_MAX_TOKENS).fill(CHROMA_PAD_ID);
    const attentionMask = new BigInt64Array(CHROMA_MAX_TOKENS);
    ids.forEach((id, i) => {
      inputIds[i] = BigInt(id);
      attentionMask[i] = 1n;
    });
    return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(CHROMA_MAX_TOKENS), tokens: ids.length, truncated };
  }
}
