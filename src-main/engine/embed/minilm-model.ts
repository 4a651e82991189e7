import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { InspectorError } from '../../../shared/errors.js';
import { BertEncoder, CHROMA_MAX_TOKENS } from './bert-encoding.js';
import { onnxRuntime } from './onnx-runtime.js';

/** Where Chroma's Python client keeps the model it downloads (ONNXMiniLM_L6_V2.DOWNLOAD_PATH / "onnx"). */
export function chromaModelFolder(home = homedir()): string {
  return join(home, '.cache', 'chroma', 'onnx_models', 'all-MiniLM-L6-v2', 'onnx');
}

export const MINILM_NAME = 'all-MiniLM-L6-v2';
/** The files a run needs; Chroma also keeps config.json, vocab.txt and the special-token maps. */
export const MODEL_FILES = ['model.onnx', 'tokenizer.json'] as const;

export function missingModelFiles(dir: string): string[] {
  return MODEL_FILES.filter((f) => !existsSync(join(dir, f)));
}

export interface MiniLmOutput {
  vector: Float32Array;
  tokens: number;
  truncated: boolean;
}

/**
 * Chroma's default embedding function (ONNXMiniLM_L6_V2._forward) for one text: the model's last
 * hidden state, averaged over the tokens the attention mask keeps, then L2-normalised (a zero
 * norm counts as 1e-12, PyTorch's epsilon). numpy promotes the float32 output to float64 when it
 * multiplies by the int64 mask, so the sums and the norm are float64 here too, rounded to float32
 * at the end as Chroma's `astype(np.float32)` does.
 */
export class MiniLmModel {
  private constructor(
    readonly dir: string,
    private readonly encoder: BertEncoder,
    private readonly session: InferenceSession,
  ) {}

  static async load(dir: string): Promise<MiniLmModel> {
    const missing = missingModelFiles(dir);
    if (missing.length > 0) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${dir}: the model folder lacks ${missing.join(' and ')}`);
    const encoder = await BertEncoder.fromFolder(dir);
    const ort = onnxRuntime();
    let session: InferenceSession;
    try {
      // One thread: a 256-token MiniLM pass takes tens of milliseconds, and the engine's other
      // callers share the machine.
      session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { graphOptimizationLevel: 'all', logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (e) {
      throw new InspectorError('EMBEDDING_UNAVAILABLE', `${join(dir, 'model.onnx')}: onnxruntime cannot load it (${(e as Error).message.split('\n')[0]})`);
    }
    for (const input of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(input)) {
        throw new InspectorError('EMBEDDING_UNAVAILABLE', `${join(dir, 'model.onnx')}: not a BERT-style model (no ${input} input; it takes ${session.inputNames.join(', ')})`);
      }
    }
    return new MiniLmModel(dir, encoder, session);
  }

  async embed(text: string): Promise<MiniLmOutput> {
    const ort = onnxRuntime();
    const input = this.encoder.encode(text);
    const shape = [1, CHROMA_MAX_TOKENS];
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: new ort.Tensor('int64', input.inputIds, shape),
      attention_mask: new ort.Tensor('int64', input.attentionMask, shape),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', input.tokenTypeIds, shape);
    const out = await this.session.run(feeds);
    const hidden = out[this.session.outputNames[0]!]!;
    const dims = hidden.dims;
    if (dims.length !== 3 || dims[0] !== 1 || dims[1] !== CHROMA_MAX_TOKENS || !(hidden.data instanceof Float32Array)) {
      throw new InspectorError('EMBEDDING_UNAVAILABLE', `${join(this.dir, 'model.onnx')}: its first output is ${hidden.type} [${dims.join(', ')}], not a float32 [1, ${CHROMA_MAX_TOKENS}, hidden] last hidden state`);
    }
    return { vector: meanPoolNormalized(hidden.data, Number(dims[2]), input.attentionMask), tokens: input.tokens, truncated: input.truncated };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Attention-weighted mean over positions, then L2 normalisation (float64, rounded to float32 last). */
export function meanPoolNormalized(hidden: Float32Array, width: number, mask: BigInt64Array): Float32Array {
  const sum = new Float64Array(width);
  let kept = 0;
  for (let t = 0; t < mask.length; t++) {
    if (mask[t] === 0n) continue;
    kept++;
    const row = t * width;
    for (let j = 0; j < width; j++) sum[j]! += hidden[row + j]!;
  }
  const count = Math.max(kept, 1e-9);
  let squares = 0;
  for (let j = 0; j < width; j++) {
    sum[j] = sum[j]! / count;
    squares += sum[j]! * sum[j]!;
  }
  const norm = Math.sqrt(squares) || 1e-12;
  return Float32Array.from(sum, (v) => v / norm);
}
