import { useCallback, useEffect, useState } from 'react';
import type { TextEmbedding, TextFunctionInfo } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import type { AsyncState } from '../../client/async-state.js';
import { useClient } from '../../client/client-context.js';
import { useAsync, useRunner } from '../../client/use-async.js';
import { embedChoice, isApiRunner, NO_SETTINGS, type TextEmbedSettings } from './text-embed-settings.js';
import { useDebounced } from './use-debounced.js';
import { useRememberedApiKey, type RememberedApiKey } from './use-remembered-api-key.js';

/** Typing a folder, a URL or a key re-asks the engine once the typing pauses. */
const PAUSE_MS = 350;

export interface TextEmbeddingControls {
  settings: TextEmbedSettings;
  change(patch: Partial<TextEmbedSettings>): void;
  /** The latest `textFunction` call. */
  infoState: AsyncState<TextFunctionInfo>;
  /** The last answer, kept while a new one loads so the form does not flicker. */
  info: TextFunctionInfo | null;
  embedder: ReturnType<typeof useRunner<TextEmbedding>>;
  /** Embeds `text` with the settings as they are now; `then` gets the vector unless the run was cancelled or replaced. */
  embed(text: string, then?: (e: TextEmbedding) => void): void;
  apiKey: RememberedApiKey;
}

/**
 * Query by text for the open collection: how its text is embedded here (`textFunction`, asked
 * again when the choice changes), the user's choice (default model, model folder or URL, API
 * key), and a cancellable `embedText`. `active` false asks nothing (a mode not shown).
 */
export function useTextEmbedding(active: boolean): TextEmbeddingControls {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const [settings, setSettings] = useState<TextEmbedSettings>(NO_SETTINGS);
  const [info, setInfo] = useState<TextFunctionInfo | null>(null);
  const modelDir = useDebounced(settings.modelDir, PAUSE_MS);
  const modelUrl = useDebounced(settings.modelUrl, PAUSE_MS);
  const apiKey = useDebounced(settings.apiKey, PAUSE_MS);
  const useDefault = settings.useDefault;

  const infoCall = useAsync<TextFunctionInfo>(
    active ? (signal) => client.call('textFunction', { handle: ws.handle, collectionId, embed: embedChoice({ useDefault, modelDir, modelUrl, apiKey }) }, { signal }) : null,
    [active, ws.handle, collectionId, useDefault, modelDir, modelUrl, apiKey],
  );
  useEffect(() => {
    if (infoCall.state.status === 'success') setInfo(infoCall.state.value);
  }, [infoCall.state]);

  const fillKey = useCallback((update: (current: string) => string) => setSettings((s) => ({ ...s, apiKey: update(s.apiKey) })), []);
  const remembered = useRememberedApiKey(isApiRunner(info) ? info!.location : null, apiKey, fillKey);

  const embedder = useRunner<TextEmbedding>();
  const embed = (text: string, then?: (e: TextEmbedding) => void) => {
    const choice = embedChoice(settings);
    void embedder.run(async (signal, onProgress) => {
      const e = await client.call('embedText', { handle: ws.handle, collectionId, text, embed: choice }, { signal, onProgress });
      if (!signal.aborted) then?.(e);
      return e;
    });
  };

  return { settings, change: (patch) => setSettings((s) => ({ ...s, ...patch })), infoState: infoCall.state, info, embedder, embed, apiKey: remembered };
}
