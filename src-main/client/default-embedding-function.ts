import { InspectorError } from '../../shared/errors.js';
import { ChromaValueError } from './errors.js';
import { chromaModelFolder, MiniLmModel } from '../engine/embed/minilm-model.js';
import { DEFAULT_FUNCTION_NAMES } from '../engine/embed/recorded-function.js';
import type { EmbeddingFunction, EmbeddingFunctionSpace } from './types.js';

/**
 * Chroma's default embedding function (all-MiniLM-L6-v2 through onnxruntime-node, exactly as its
 * Python ONNXMiniLM_L6_V2 embeds: docs/query-by-text.md), for PersistentClient. It reads the
 * model Chroma's clients cache (~/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx) or `modelDir`;
 * it downloads nothing. Collections whose recorded function is Chroma's default get it when no
 * function is passed, as the chromadb client loads @chroma-core/default-embed.
 */
export class DefaultEmbeddingFunction implements EmbeddingFunction {
  readonly name = 'default';
  private model: Promise<MiniLmModel> | null = null;

  constructor(private readonly options: { modelDir?: string } = {}) {}

  static buildFromConfig(): DefaultEmbeddingFunction {
    return new DefaultEmbeddingFunction();
  }

  async generate(texts: string[]): Promise<number[][]> {
    const model = await this.load();
    const out: number[][] = [];
    for (const text of texts) out.push(Array.from((await model.embed(text)).vector));
    return out;
  }

  defaultSpace(): EmbeddingFunctionSpace {
    return 'cosine';
  }

  supportedSpaces(): EmbeddingFunctionSpace[] {
    return ['cosine', 'l2', 'ip'];
  }

  getConfig(): Record<string, unknown> {
    return {};
  }

  private load(): Promise<MiniLmModel> {
    if (!this.model) {
      const dir = this.options.modelDir ?? chromaModelFolder();
      this.model = MiniLmModel.load(dir).catch((e: unknown) => {
        this.model = null;
        const why = e instanceof InspectorError ? e.message : String(e);
        throw new ChromaValueError(`Chroma's default embedding function cannot run: ${why}. Pass embeddings, or an embeddingFunction.`);
      });
    }
    return this.model;
  }
}

/** The function a collection gets when none is passed: Chroma's default where that is what it recorded. */
export function recordedDefault(recordedName: string | null): EmbeddingFunction | undefined {
  return recordedName !== null && DEFAULT_FUNCTION_NAMES.has(recordedName) ? new DefaultEmbeddingFunction() : undefined;
}
