import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import type { TextEmbedding, TextFunctionInfo } from '../../../shared/models.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { apiFunction, embedWithApi, type ApiFunction } from './api-embedders.js';
import { chromaModelFolder, MiniLmModel, MINILM_NAME, missingModelFiles } from './minilm-model.js';
import { downloadedModelsFolder, findModelFolder, modelFromUrl, unpack, type ArchiveProgress } from './model-archive.js';
import { onnxRuntimeProblem } from './onnx-runtime.js';
import { DEFAULT_FUNCTION_NAMES, recordedFunction } from './recorded-function.js';

/** What a caller may choose about how text is embedded. */
export interface TextEmbedOptions {
  /** `default`: Chroma's all-MiniLM-L6-v2 whatever was recorded (folders from before 1.0 record nothing). */
  function?: 'recorded' | 'default';
  /** A folder holding model.onnx and tokenizer.json (Chroma's unpacked onnx.tar.gz). */
  modelDir?: string;
  /** An onnx.tar.gz to download once (Chroma's URL, or a mirror). */
  modelUrl?: string;
  /** The key for an API function, used for this call only. */
  apiKey?: string;
}

/** What the host running the engine allows. */
export interface TextEmbedHost {
  /**
   * Whether an API key may come from the environment variable Chroma's config names: yes for the
   * desktop app and the CLI (the user's own environment), no for serve, whose operator's keys
   * are not for its clients.
   */
  environmentKeys: boolean;
  env?: NodeJS.ProcessEnv;
  /** The model folder used when a call names none (serve --model-dir); else Chroma's cache. */
  defaultModelDir?: string | null;
  home?: string;
}

type Collection = Pick<CatalogCollection, 'configJson' | 'schemaJson' | 'dimension'>;
type Run = (text: string, signal: AbortSignal, progress: ArchiveProgress) => Promise<TextEmbedding>;

/** How the collection's text would be embedded here, and whether it can be now. */
export function describeTextFunction(c: Collection, options: TextEmbedOptions, host: TextEmbedHost): TextFunctionInfo {
  return plan(c, options, host).info;
}

/** Embeds `text` as Chroma would for this collection's `query_texts`, or says exactly why it cannot. */
export async function embedText(c: Collection, text: string, options: TextEmbedOptions, host: TextEmbedHost, signal: AbortSignal, progress: ArchiveProgress = () => {}): Promise<TextEmbedding> {
  const { info, run } = plan(c, options, host);
  if (!run) throw new InspectorError('EMBEDDING_UNAVAILABLE', info.reason ?? 'This collection\'s text cannot be embedded here');
  const out = await run(text, signal, progress);
  if (c.dimension !== null && out.vector.length !== c.dimension) {
    throw new InspectorError(
      'DIMENSION_MISMATCH',
      `${info.model ?? 'The model'} gives ${out.vector.length}-d vectors, but this collection holds ${c.dimension}-d ones: its records were not embedded with this function`,
    );
  }
  return out;
}

function plan(c: Collection, options: TextEmbedOptions, host: TextEmbedHost): { info: TextFunctionInfo; run?: Run } {
  const recorded = recordedFunction(c);
  const overridden = options.function === 'default';
  const base = { recorded: recorded.name, overridden, apiKeyEnvVar: null, apiKeyInEnvironment: false };
  if (overridden || (recorded.name !== null && DEFAULT_FUNCTION_NAMES.has(recorded.name))) return planMiniLm(base, options, host);
  if (recorded.name === null) {
    const hint = c.dimension === 384 ? ' Its vectors are 384-d, as the default model\'s are.' : '';
    const what = recorded.type === 'none' ? 'Chroma recorded no embedding function for this collection (folders written before Chroma 1.0 record none)' : `Chroma recorded the embedding function as "${recorded.type}" (a custom or pre-1.0 function, not named)`;
    return { info: { ...base, runner: null, model: null, location: null, ready: false, reason: `${what}. If its records were embedded with Chroma's default, choose the default model (all-MiniLM-L6-v2).${hint} Otherwise query with a vector.` } };
  }
  const api = apiFunction(recorded.name, recorded.config);
  if (api && 'unsupported' in api) return { info: { ...base, runner: null, model: null, location: null, ready: false, reason: api.unsupported } };
  if (api) return planApi(base, api, options, host);
  return {
    info: {
      ...base,
      runner: null,
      model: typeof recorded.config.model_name === 'string' ? recorded.config.model_name : null,
      location: null,
      ready: false,
      reason: `Chroma recorded the embedding function "${recorded.name}", which cannot run here (this inspector runs Chroma's default ONNX model and the OpenAI and Cohere APIs). Query with a vector.`,
    },
  };
}

type Base = Pick<TextFunctionInfo, 'recorded' | 'overridden' | 'apiKeyEnvVar' | 'apiKeyInEnvironment'>;

function planApi(base: Base, api: ApiFunction, options: TextEmbedOptions, host: TextEmbedHost): { info: TextFunctionInfo; run?: Run } {
  const env = host.env ?? process.env;
  const fromEnv = host.environmentKeys ? env[api.apiKeyEnvVar] : undefined;
  const key = options.apiKey ?? (fromEnv || undefined);
  const where = host.environmentKeys ? `, or set ${api.apiKeyEnvVar} in the environment the inspector starts in` : ' (this server does not lend its own environment\'s keys to clients)';
  const info: TextFunctionInfo = {
    ...base,
    apiKeyEnvVar: api.apiKeyEnvVar,
    apiKeyInEnvironment: Boolean(fromEnv),
    runner: api.runner,
    model: api.model,
    location: api.endpoint,
    ready: Boolean(key),
    reason: key ? `The text and the key are sent to ${api.endpoint}` : `${api.runner === 'openai' ? 'OpenAI' : 'Cohere'}'s API needs a key: give one${where}. Or query with a vector.`,
  };
  if (!key) return { info };
  return { info, run: async (text, signal) => ({ vector: await embedWithApi(api, text, key, signal), runner: api.runner, model: api.model, tokens: null, truncated: false }) };
}

function planMiniLm(base: Base, options: TextEmbedOptions, host: TextEmbedHost): { info: TextFunctionInfo; run?: Run } {
  const info = (location: string | null, ready: boolean, reason: string | null): TextFunctionInfo => ({ ...base, runner: 'onnx-minilm', model: MINILM_NAME, location, ready, reason });
  const runtime = onnxRuntimeProblem();
  const source = modelSource(options, host);
  if ('problem' in source) return { info: info(source.location, false, source.problem) };
  if (runtime) return { info: info(source.location, false, runtime) };
  const run: Run = async (text, signal, progress) => {
    const dir = await source.folder(signal, progress);
    if (signal.aborted) throw new InspectorError('CANCELLED', 'Cancelled');
    const out = await loadModel(dir).then((m) => m.embed(text));
    return { vector: Array.from(out.vector), runner: 'onnx-minilm', model: MINILM_NAME, tokens: out.tokens, truncated: out.truncated };
  };
  return { info: info(source.location, true, source.note), run };
}

type Source = { location: string; note: string | null; folder: (signal: AbortSignal, progress: ArchiveProgress) => Promise<string> } | { location: string | null; problem: string };

function modelSource(options: TextEmbedOptions, host: TextEmbedHost): Source {
  if (options.modelUrl) {
    const url = options.modelUrl;
    return { location: url, note: `Downloaded once from ${url}, then kept in ${downloadedModelsFolder(host.home)}`, folder: (signal, progress) => modelFromUrl(url, signal, progress, downloadedModelsFolder(host.home)) };
  }
  const dir = options.modelDir ?? host.defaultModelDir ?? chromaModelFolder(host.home ?? homedir());
  const missing = missingModelFiles(dir);
  if (missing.length === 0) return { location: dir, note: null, folder: async () => dir };
  // Chroma keeps the archive beside the folder it unpacks; a folder removed but an archive kept
  // is unpacked into our cache (Chroma's cache is left as it is).
  const archive = join(dirname(dir), 'onnx.tar.gz');
  if (!options.modelDir && existsSync(archive)) {
    const into = join(downloadedModelsFolder(host.home), `local-${createHash('sha256').update(archive).digest('hex').slice(0, 16)}`);
    return {
      location: archive,
      note: `Unpacked from Chroma's downloaded archive ${archive} into ${into}`,
      folder: async () => {
        const found = findModelFolder(into);
        if (found) return found;
        await unpack(archive, into);
        const unpacked = findModelFolder(into);
        if (!unpacked) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${archive}: holds no folder with model.onnx and tokenizer.json`);
        return unpacked;
      },
    };
  }
  const chromaDefault = !options.modelDir && !host.defaultModelDir;
  return {
    location: dir,
    problem: chromaDefault
      ? `Chroma's default model (all-MiniLM-L6-v2) is not on this machine: ${dir} lacks ${missing.join(' and ')} (Chroma's Python client puts it there the first time it embeds). Give a model folder or the URL of an onnx.tar.gz, or query with a vector.`
      : `${dir}: the model folder lacks ${missing.join(' and ')}`,
  };
}

const models = new Map<string, Promise<MiniLmModel>>();

/** One session per model folder, kept for the process: loading the model takes ~100 ms. */
function loadModel(dir: string): Promise<MiniLmModel> {
  let m = models.get(dir);
  if (!m) {
    m = MiniLmModel.load(dir);
    models.set(dir, m);
    m.catch(() => models.delete(dir));
  }
  return m;
}
