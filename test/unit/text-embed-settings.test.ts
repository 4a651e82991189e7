import { describe, expect, it } from 'vitest';
import type { TextFunctionInfo } from '../../shared/models.js';
import { embedChoice, embeddedNote, functionSummary, NO_SETTINGS } from '../../src-renderer/features/text-embed/text-embed-settings.js';

/** What the query-by-text form sends, and the lines it shows about the function and the result. */
describe('text embed settings', () => {
  it('sends only what was given: an untouched form asks for the recorded function', () => {
    expect(embedChoice(NO_SETTINGS)).toBeUndefined();
    expect(embedChoice({ ...NO_SETTINGS, modelDir: '  ', apiKey: '' })).toBeUndefined();
    expect(embedChoice({ useDefault: true, modelDir: ' /m ', modelUrl: '', apiKey: ' k ' })).toEqual({ function: 'default', modelDir: '/m', apiKey: 'k' });
  });

  it('notes the model and the tokens, or the cut', () => {
    expect(embeddedNote({ vector: [], runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', tokens: 7, truncated: false })).toBe('Embedded with all-MiniLM-L6-v2 · 7 tokens');
    expect(embeddedNote({ vector: [], runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', tokens: 256, truncated: true })).toBe('Embedded with all-MiniLM-L6-v2 · cut to 256 tokens, as Chroma cuts it');
    expect(embeddedNote({ vector: [], runner: 'openai', model: 'text-embedding-3-small', tokens: null, truncated: false })).toBe('Embedded with text-embedding-3-small');
  });

  it('says what was recorded and what runs', () => {
    const base: TextFunctionInfo = { recorded: 'default', runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', location: '/m', ready: true, overridden: false, apiKeyEnvVar: null, apiKeyInEnvironment: false, reason: null };
    expect(functionSummary(base)).toBe('Chroma recorded "default": all-MiniLM-L6-v2 runs here (onnxruntime)');
    expect(functionSummary({ ...base, recorded: null, overridden: true })).toBe("Chroma recorded no embedding function; using Chroma's default instead: all-MiniLM-L6-v2 runs here (onnxruntime)");
    expect(functionSummary({ ...base, recorded: null, runner: null, model: null })).toBe('Chroma recorded no embedding function');
    expect(functionSummary({ ...base, recorded: 'openai', runner: 'openai', model: 'text-embedding-3-small' })).toBe('Chroma recorded "openai": text-embedding-3-small through OpenAI\'s API');
  });
});
