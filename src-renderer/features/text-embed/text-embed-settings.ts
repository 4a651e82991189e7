import type { TextEmbedChoice } from '../../../shared/contract.js';
import type { TextEmbedding, TextFunctionInfo } from '../../../shared/models.js';

/** What the user chose about how text is embedded, as the form holds it (empty = not given). */
export interface TextEmbedSettings {
  /** Chroma's default model whatever was recorded (folders from before Chroma 1.0 record nothing). */
  useDefault: boolean;
  modelDir: string;
  modelUrl: string;
  /** Held in memory only; the desktop app may keep it encrypted (see use-remembered-api-key.ts). */
  apiKey: string;
}

export const NO_SETTINGS: TextEmbedSettings = { useDefault: false, modelDir: '', modelUrl: '', apiKey: '' };

/** The contract's choice: only what was given, so an untouched form asks for the recorded function. */
export function embedChoice(s: TextEmbedSettings): TextEmbedChoice | undefined {
  const choice: TextEmbedChoice = {};
  if (s.useDefault) choice.function = 'default';
  if (s.modelDir.trim()) choice.modelDir = s.modelDir.trim();
  if (s.modelUrl.trim()) choice.modelUrl = s.modelUrl.trim();
  if (s.apiKey.trim()) choice.apiKey = s.apiKey.trim();
  return Object.keys(choice).length > 0 ? choice : undefined;
}

export const isApiRunner = (info: TextFunctionInfo | null): boolean => info?.runner === 'openai' || info?.runner === 'cohere';

/** The secret store's key for an API endpoint's key (the desktop app's safeStorage). */
export const apiKeySecretName = (endpoint: string): string => `embedding-api:${endpoint}`;

/** "Embedded with all-MiniLM-L6-v2 · 7 tokens", and the cut when the text was longer than the model reads. */
export function embeddedNote(e: TextEmbedding): string {
  const head = `Embedded with ${e.model}`;
  if (e.truncated) return `${head} · cut to ${e.tokens ?? 256} tokens, as Chroma cuts it`;
  return e.tokens === null ? head : `${head} · ${e.tokens} token${e.tokens === 1 ? '' : 's'}`;
}

const RUNS: Record<NonNullable<TextFunctionInfo['runner']>, string> = {
  'onnx-minilm': 'runs here (onnxruntime)',
  openai: "through OpenAI's API",
  cohere: "through Cohere's API",
};

/** One line on what was recorded and what will run: "Recorded: default · all-MiniLM-L6-v2 runs here (onnxruntime)". */
export function functionSummary(info: TextFunctionInfo): string {
  const recorded = info.recorded ? `Chroma recorded "${info.recorded}"` : 'Chroma recorded no embedding function';
  if (!info.runner) return recorded;
  const what = `${info.model ?? 'the model'} ${RUNS[info.runner]}`;
  return info.overridden ? `${recorded}; using Chroma's default instead: ${what}` : `${recorded}: ${what}`;
}
