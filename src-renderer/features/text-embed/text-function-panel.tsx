import { Badge } from '../../components/badge.js';
import { ErrorState } from '../../components/error-state.js';
import { functionSummary, isApiRunner } from './text-embed-settings.js';
import type { TextEmbeddingControls } from './use-text-embedding.js';

/**
 * What happens to a text here, before it is sent anywhere: the function Chroma recorded, the
 * model, where it runs (a model folder, or the API endpoint the text and key go to), and when it
 * cannot run, why. Below, the choices that can make it run.
 */
export function TextFunctionPanel({ controls }: { controls: TextEmbeddingControls }) {
  const { info, infoState, settings, change, apiKey } = controls;
  const api = isApiRunner(info);
  // Offered when nothing usable was recorded (a pre-1.0 folder, a custom function), and kept
  // visible once chosen so it can be undone.
  const offerDefault = (info !== null && info.runner === null) || settings.useDefault;

  return (
    <div className="text-function">
      <div className="text-function-status" data-testid="text-function-status" data-ready={info ? String(info.ready) : ''} aria-live="polite">
        {info ? (
          <>
            <div className="text-function-line">
              <Badge tone={info.ready ? 'ok' : 'warn'}>{info.ready ? 'ready' : 'cannot run yet'}</Badge>
              <span>{functionSummary(info)}</span>
            </div>
            {info.location && (
              <div className="text-function-line">
                <span className="muted">{api ? 'Sent to' : 'Model from'}</span>
                <code className="text-function-where" title={info.location}>
                  {info.location}
                </code>
              </div>
            )}
            {info.reason && <p className={info.ready ? 'text-function-note' : 'text-function-reason'}>{info.reason}</p>}
          </>
        ) : (
          infoState.status === 'loading' && <span className="muted">Reading how this collection's text is embedded…</span>
        )}
      </div>
      {infoState.status === 'error' && <ErrorState error={infoState.error} title="Cannot tell how text is embedded" compact />}
      {(offerDefault || info?.runner === 'onnx-minilm' || api) && (
        <div className="text-function-choices">
          {offerDefault && (
            <label className="check" title="Only right if the records were embedded with Chroma's default model">
              <input type="checkbox" checked={settings.useDefault} onChange={(e) => change({ useDefault: e.target.checked })} data-testid="text-use-default" /> Use Chroma's default model
              (all-MiniLM-L6-v2)
            </label>
          )}
          {info?.runner === 'onnx-minilm' && (
            <>
              <input
                className="input input-sm text-function-field"
                value={settings.modelDir}
                onChange={(e) => change({ modelDir: e.target.value })}
                placeholder="Model folder (default: Chroma's cache)"
                title="A folder holding model.onnx and tokenizer.json (Chroma's unpacked onnx.tar.gz)"
                spellCheck={false}
                data-testid="text-model-dir"
              />
              <input
                className="input input-sm text-function-field"
                value={settings.modelUrl}
                onChange={(e) => change({ modelUrl: e.target.value })}
                placeholder="or an onnx.tar.gz URL"
                title="Downloaded once, then kept"
                spellCheck={false}
                data-testid="text-model-url"
              />
            </>
          )}
          {api && (
            <>
              <input
                className="input input-sm text-function-field"
                type="password"
                autoComplete="off"
                value={settings.apiKey}
                onChange={(e) => change({ apiKey: e.target.value })}
                placeholder={info?.apiKeyInEnvironment ? `API key (else ${info.apiKeyEnvVar ?? 'the environment'}'s)` : 'API key'}
                data-testid="text-api-key"
              />
              {apiKey.canKeep ? (
                <label className="check" title="Encrypted with the system keychain (Electron safeStorage), never written in plain text">
                  <input type="checkbox" checked={apiKey.remember} onChange={(e) => apiKey.setRemember(e.target.checked)} data-testid="text-api-key-remember" /> Remember (encrypted)
                </label>
              ) : (
                <span className="muted">Kept in this page's memory only, never stored.</span>
              )}
              {apiKey.notice && <span className="sev-error">{apiKey.notice}</span>}
            </>
          )}
        </div>
      )}
    </div>
  );
}
