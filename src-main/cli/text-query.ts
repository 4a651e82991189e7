import { InspectorError } from '../../shared/errors.js';
import type { TextEmbedding, TextFunctionInfo } from '../../shared/models.js';
import type { CatalogCollection } from '../engine/catalog/read-catalog.js';
import { withTextsEmbedded } from '../engine/embed/query-texts.js';
import { describeTextFunction, embedText, type TextEmbedHost, type TextEmbedOptions } from '../engine/embed/text-embedder.js';
import { defaultIo, progressPrinter } from './commands/backup-commands.js';

export const TEXT_USAGE = `  query and why also take --text TEXT (or "queryTexts" in --args), embedded as Chroma would embed it
  for the collection (docs/query-by-text.md); embed shows how, or prints the vector of --text:
  chroma-inspector embed <folder | server URL> --collection NAME [--text TEXT] [--json]
      [--embedding-function default] [--model-dir DIR | --model-url URL] [--api-key-env NAME]
  --embedding-function default runs Chroma's all-MiniLM-L6-v2 whatever was recorded (folders from
  before Chroma 1.0 record none). The model is read from Chroma's cache (~/.cache/chroma/onnx_models),
  --model-dir, or --model-url (an onnx.tar.gz, downloaded once). API keys come from the variable the
  collection's configuration names (e.g. CHROMA_OPENAI_API_KEY) or from --api-key-env NAME; never
  from the command line.`;

export interface TextValues {
  text?: string | undefined;
  'embedding-function'?: string | undefined;
  'model-dir'?: string | undefined;
  'model-url'?: string | undefined;
  'api-key-env'?: string | undefined;
}

/** The CLI is its user's own process: the environment's keys are theirs to use. */
const CLI_HOST: TextEmbedHost = { environmentKeys: true };

type Collection = Pick<CatalogCollection, 'configJson' | 'schemaJson' | 'dimension'>;

export function textOptions(values: TextValues): TextEmbedOptions {
  const fn = values['embedding-function'];
  if (fn !== undefined && fn !== 'default' && fn !== 'recorded') {
    throw new InspectorError('INVALID_ARGUMENT', `--embedding-function takes "default" (Chroma's all-MiniLM-L6-v2) or "recorded", not "${fn}"`);
  }
  if (values['model-dir'] && values['model-url']) throw new InspectorError('INVALID_ARGUMENT', 'Give --model-dir or --model-url, not both');
  const keyVar = values['api-key-env'];
  const apiKey = keyVar ? process.env[keyVar] : undefined;
  if (keyVar && !apiKey) throw new InspectorError('INVALID_ARGUMENT', `--api-key-env ${keyVar}: that environment variable is not set`);
  return {
    ...(fn ? { function: fn as 'default' | 'recorded' } : {}),
    ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
    ...(values['model-url'] ? { modelUrl: values['model-url'] } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

export function describeText(c: Collection, values: TextValues): TextFunctionInfo {
  return describeTextFunction(c, textOptions(values), CLI_HOST);
}

/** One text embedded, with a model download's progress on stderr. */
export async function embedOne(c: Collection, text: string, values: TextValues): Promise<TextEmbedding> {
  const printer = progressPrinter(defaultIo(), { quiet: true });
  try {
    return await embedText(c, text, textOptions(values), CLI_HOST, new AbortController().signal, (done, total, message) => printer.onProgress({ done, total: total ?? 0, message }));
  } finally {
    printer.end();
  }
}

/** A query's arguments with --text added as queryTexts, and every queryTexts embedded. */
export async function argsWithText(c: () => Collection, args: unknown, values: TextValues): Promise<unknown> {
  let withText = args;
  if (values.text !== undefined) {
    const obj = typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
    if (obj.queryEmbeddings !== undefined || obj.queryTexts !== undefined) throw new InspectorError('INVALID_ARGUMENT', '--text replaces the query vector: leave queryEmbeddings and queryTexts out of --args');
    withText = { ...obj, queryTexts: [values.text] };
  }
  const hasTexts = typeof withText === 'object' && withText !== null && 'queryTexts' in withText;
  if (!hasTexts) return withText;
  const collection = c();
  return withTextsEmbedded(withText, async (t) => (await embedOne(collection, t, values)).vector);
}

/** `embed` without --text: how the collection's text is embedded here. */
export function formatTextFunction(info: TextFunctionInfo): string {
  const lines = [
    `recorded function  ${info.recorded ?? '(none)'}${info.overridden ? '  (replaced by Chroma\'s default, as asked)' : ''}`,
    `runs as            ${info.runner ?? '—'}${info.model ? `  ${info.model}` : ''}`,
    `from               ${info.location ?? '—'}`,
  ];
  if (info.apiKeyEnvVar) lines.push(`API key variable   ${info.apiKeyEnvVar}${info.apiKeyInEnvironment ? ' (set)' : ' (not set)'}`);
  lines.push(`ready              ${info.ready ? 'yes' : 'no'}`);
  if (info.reason) lines.push(`                   ${info.reason}`);
  return `${lines.join('\n')}\n`;
}
